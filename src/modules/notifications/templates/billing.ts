import type { Language, TemplateText } from '../templates.js';

const LOCALES: Record<Language, string> = { es: 'es-ES', en: 'en-GB' };

/** A calendar date `YYYY-MM-DD` as read: "1 de mayo de 2026" / "1 May 2026". */
const formatDate = (date: string, language: Language) =>
  new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'long', timeZone: 'UTC' }).format(
    new Date(`${date}T00:00:00Z`),
  );

/** An exact decimal amount ("121.5") as read: "121,50 €" / "€121.50"; Intl keeps a string's digits exact. */
const formatAmount = (amount: string, language: Language) =>
  new Intl.NumberFormat(LOCALES[language], { style: 'currency', currency: 'EUR' }).format(
    amount as Intl.StringNumericLiteral,
  );

/**
 * Billing mail to the patient: the invoice's number, date and total, and the portal link where
 * it can be read and downloaded. Never its lines: they name treatments and medicines, which a
 * mailbox is no safe place for.
 */
export const BILLING_TEMPLATES: { 'invoice-issued': TemplateText<'invoice-issued'> } = {
  'invoice-issued': ({ number, issuedOn, total }, language, { clinicName, publicUrl }) => {
    const url = `${publicUrl}/portal/invoices`;
    const date = formatDate(issuedOn, language);
    const amount = formatAmount(total, language);
    return language === 'es'
      ? {
          subject: `Factura ${number} · ${clinicName}`,
          title: 'Nueva factura',
          intro: [`${clinicName} ha emitido una factura a su nombre.`],
          details: [
            ['Factura', number],
            ['Fecha', date],
            ['Total', amount],
          ],
          action: { label: 'Ver mis facturas', url },
          outro: ['En el portal puede consultar el detalle y descargarla en PDF; también queda en sus documentos.'],
        }
      : {
          subject: `Invoice ${number} · ${clinicName}`,
          title: 'New invoice',
          intro: [`${clinicName} has issued an invoice in your name.`],
          details: [
            ['Invoice', number],
            ['Date', date],
            ['Total', amount],
          ],
          action: { label: 'See my invoices', url },
          outro: ['In the portal you can read it in full and download it as a PDF; it is also among your documents.'],
        };
  },
};
