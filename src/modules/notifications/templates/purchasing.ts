import type { Language, TemplateText } from '../templates.js';

/**
 * A confirmed purchase order, as the vendor reads it: the number, what to deliver (product
 * names, quantities, unit costs), the totals and when the goods are expected. No patient data
 * ever is on an order.
 */
export interface PurchaseOrderMail {
  /** The vendor's name, for the greeting. */
  name: string | null;
  /** e.g. 'P00012' */
  number: string;
  /** YYYY-MM-DD, or null when no date was agreed. */
  expectedOn: string | null;
  lines: {
    product: string;
    unit: string;
    /** Exact decimals as stored: '3.000', '2.3350', '15.00', '8.06'. */
    quantity: string;
    unitCost: string;
    taxRate: string;
    total: string;
  }[];
  subtotal: string;
  taxTotal: string;
  total: string;
}

/** Without trailing zeros after the point: '3.000' -> '3', '2.500' -> '2.5'. */
const trimmed = (value: string) => (value.includes('.') ? value.replace(/\.?0+$/, '') : value);

/** The exact decimal with the language's decimal separator (a comma in Spanish); never a float. */
const decimal = (value: string, language: Language) => (language === 'es' ? value.replace('.', ',') : value);

const longDate = (date: string, language: Language) =>
  new Intl.DateTimeFormat(language === 'es' ? 'es-ES' : 'en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(
    new Date(`${date}T00:00:00Z`),
  );

const WORDS = {
  es: {
    subject: (n: string, clinic: string) => `Pedido ${n} · ${clinic}`,
    title: (n: string) => `Pedido ${n}`,
    intro: (n: string, clinic: string) =>
      `${clinic} le hace el pedido ${n}. Estos son los productos, las cantidades y los precios acordados:`,
    number: 'Pedido',
    expected: 'Entrega prevista',
    noDate: 'Sin fecha acordada',
    line: (l: PurchaseOrderMail['lines'][number], language: Language) =>
      `${decimal(trimmed(l.quantity), language)} ${l.unit} × ${decimal(l.unitCost, language)} + IVA ${decimal(l.taxRate, language)} % = ${decimal(l.total, language)}`,
    subtotal: 'Base imponible',
    taxTotal: 'Impuestos',
    total: 'Total',
    outro: (n: string) =>
      `Por favor, confirme el pedido y la fecha de entrega, e indique el número ${n} en el albarán y en la factura.`,
  },
  en: {
    subject: (n: string, clinic: string) => `Purchase order ${n} · ${clinic}`,
    title: (n: string) => `Purchase order ${n}`,
    intro: (n: string, clinic: string) =>
      `${clinic} places purchase order ${n} with you. These are the products, quantities and agreed prices:`,
    number: 'Order',
    expected: 'Expected delivery',
    noDate: 'No date agreed',
    line: (l: PurchaseOrderMail['lines'][number], language: Language) =>
      `${decimal(trimmed(l.quantity), language)} ${l.unit} × ${decimal(l.unitCost, language)} + tax ${decimal(l.taxRate, language)} % = ${decimal(l.total, language)}`,
    subtotal: 'Subtotal',
    taxTotal: 'Tax',
    total: 'Total',
    outro: (n: string) =>
      `Please confirm the order and the delivery date, and quote the number ${n} on the delivery note and the invoice.`,
  },
} as const;

export const PURCHASING_TEMPLATES: { 'purchase-order-confirmed': TemplateText<'purchase-order-confirmed'> } = {
  'purchase-order-confirmed': (order, language, { clinicName }) => {
    const w = WORDS[language];
    return {
      subject: w.subject(order.number, clinicName),
      title: w.title(order.number),
      intro: [w.intro(order.number, clinicName)],
      details: [
        [w.number, order.number],
        [w.expected, order.expectedOn ? longDate(order.expectedOn, language) : w.noDate],
        ...order.lines.map((l, i): [string, string] => [`${i + 1}. ${l.product}`, w.line(l, language)]),
        [w.subtotal, decimal(order.subtotal, language)],
        [w.taxTotal, decimal(order.taxTotal, language)],
        [w.total, decimal(order.total, language)],
      ],
      outro: [w.outro(order.number)],
    };
  },
};
