import type { Language, TemplateText } from '../templates.js';

const LOCALES: Record<Language, string> = { es: 'es-ES', en: 'en-GB' };

/** An exact decimal quantity ("12.500") as read: "12,5" / "12.5". Intl keeps a string's digits exact. */
export const formatQuantity = (quantity: string, language: Language) =>
  new Intl.NumberFormat(LOCALES[language], { maximumFractionDigits: 3, useGrouping: false }).format(
    quantity as Intl.StringNumericLiteral,
  );

/** A calendar date `YYYY-MM-DD` as read: "1 de mayo de 2026" / "1 May 2026" (a date, no time zone). */
const formatDate = (date: string, language: Language) =>
  new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'long', timeZone: 'UTC' }).format(
    new Date(`${date}T00:00:00Z`),
  );

/**
 * Operations mail for pharmacists: the product, the lot and the quantities, with a link to the
 * pharmacy. Nothing about patients: stock alerts concern the shelves, not anyone's treatment.
 */
export const STOCK_TEMPLATES: {
  'stock-low': TemplateText<'stock-low'>;
  'stock-expiring': TemplateText<'stock-expiring'>;
} = {
  'stock-low': ({ productName, onHand, minStock, unit }, language, { clinicName, publicUrl }) => {
    const url = `${publicUrl}/pharmacy`;
    const held = `${formatQuantity(onHand, language)} ${unit}`;
    const minimum = `${formatQuantity(minStock, language)} ${unit}`;
    return language === 'es'
      ? {
          subject: `Stock bajo: ${productName} · ${clinicName}`,
          title: 'Stock por debajo del mínimo',
          intro: [`Las existencias de ${productName} han bajado del mínimo fijado para el producto.`],
          details: [
            ['Producto', productName],
            ['Existencias', held],
            ['Mínimo', minimum],
          ],
          action: { label: 'Abrir la farmacia', url },
          outro: ['Prepare un pedido al proveedor o reciba la mercancía pendiente para reponerlo.'],
        }
      : {
          subject: `Low stock: ${productName} · ${clinicName}`,
          title: 'Stock below the minimum',
          intro: [`The stock of ${productName} has fallen below the minimum set for the product.`],
          details: [
            ['Product', productName],
            ['On hand', held],
            ['Minimum', minimum],
          ],
          action: { label: 'Open the pharmacy', url },
          outro: ['Prepare a purchase order or receive the goods on their way to restock it.'],
        };
  },
  'stock-expiring': ({ productName, lotNumber, expiresOn, quantity, unit }, language, { clinicName, publicUrl }) => {
    const url = `${publicUrl}/pharmacy`;
    const date = formatDate(expiresOn, language);
    const held = `${formatQuantity(quantity, language)} ${unit}`;
    return language === 'es'
      ? {
          subject: `Lote próximo a caducar: ${productName} (${lotNumber}) · ${clinicName}`,
          title: 'Lote próximo a caducar',
          intro: [`El lote ${lotNumber} de ${productName} caduca el ${date} y aún tiene existencias.`],
          details: [
            ['Producto', productName],
            ['Lote', lotNumber],
            ['Caducidad', date],
            ['Cantidad en el lote', held],
          ],
          action: { label: 'Abrir la farmacia', url },
          outro: [
            'Las dispensaciones toman primero los lotes que caducan antes; si este caduca sin usarse, dé de baja sus existencias caducadas.',
          ],
        }
      : {
          subject: `Lot expiring soon: ${productName} (${lotNumber}) · ${clinicName}`,
          title: 'Lot expiring soon',
          intro: [`Lot ${lotNumber} of ${productName} expires on ${date} and still holds stock.`],
          details: [
            ['Product', productName],
            ['Lot', lotNumber],
            ['Expiry date', date],
            ['Quantity in the lot', held],
          ],
          action: { label: 'Open the pharmacy', url },
          outro: [
            'Dispensing takes the lots that expire first; if this one expires unused, write its expired stock off.',
          ],
        };
  },
};
