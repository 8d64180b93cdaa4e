import escapeHtml from 'escape-html';

/**
 * Markup that is already safe to place in a document: the output of {@link html}. Wrap a
 * plain string in it only when it is markup written in the code, never data.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | null | undefined | readonly HtmlValue[];

/**
 * Tagged template for mail markup: every interpolated value is escaped unless it is a
 * {@link SafeHtml} (a nested template); arrays are rendered item by item and joined;
 * null and undefined render as nothing, so `${cond ? html`...` : null}` reads naturally.
 * Quotes are escaped too, so values are safe inside double-quoted attributes.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined) return '';
  return escapeHtml(String(value));
}

// System fonts only: mail clients block remote fonts and images by default, and a message
// that depends on them arrives broken or as a privacy prompt.
const FONT = 'font-family:Arial,Helvetica,sans-serif';
const INK = '#1f2933';
const ACCENT = '#0b5394';
const MUTED = '#52606d';

export interface LayoutOptions {
  clinicName: string;
  language: 'es' | 'en';
  /** The heading of the message, also the document title. */
  title: string;
  bodyHtml: SafeHtml;
  /** Small print under the message; markup (e.g. a link) when given as SafeHtml. */
  footerText: string | SafeHtml;
}

/**
 * The one frame every e-mail shares. Tables and inline styles because that is what
 * Outlook and Gmail render consistently; one column up to 600px that shrinks to the width
 * of a phone.
 */
export function layout({ clinicName, language, title, bodyHtml, footerText }: LayoutOptions): string {
  return html`<!DOCTYPE html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${title}</title>
</head>
<body style="margin:0;padding:0;background:#f3f4f6;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f3f4f6;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;background:#ffffff;border:1px solid #e4e7eb;border-radius:8px;">
<tr><td style="padding:20px 24px;border-bottom:3px solid ${ACCENT};${FONT};font-size:18px;font-weight:bold;color:${ACCENT};">${clinicName}</td></tr>
<tr><td style="padding:24px;${FONT};font-size:16px;line-height:1.5;color:${INK};">
<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;color:${INK};">${title}</h1>
${bodyHtml}
</td></tr>
<tr><td style="padding:16px 24px;border-top:1px solid #e4e7eb;${FONT};font-size:13px;line-height:1.5;color:${MUTED};">${footerText}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`.value;
}

export const link = (url: string, label: string = url) => html`<a href="${url}" style="color:${ACCENT};">${label}</a>`;

export const paragraph = (content: HtmlValue) => html`<p style="margin:0 0 16px;">${content}</p>`;

/** A link styled as a button, with the address printed under it for clients that strip styles. */
export const button = (url: string, label: string) =>
  html`<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 16px;"><tr>
<td style="border-radius:6px;background:${ACCENT};"><a href="${url}" style="display:inline-block;padding:12px 20px;${FONT};font-size:16px;font-weight:bold;color:#ffffff;text-decoration:none;">${label}</a></td>
</tr></table>
<p style="margin:0 0 16px;font-size:13px;color:${MUTED};word-break:break-all;">${link(url)}</p>`;

/** Label and value pairs, e.g. the number, time and practitioner of an appointment. */
export const details = (rows: readonly (readonly [string, string])[]) =>
  html`<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 16px;">${rows.map(
    ([label, value]) =>
      html`<tr><td style="padding:4px 16px 4px 0;color:${MUTED};vertical-align:top;">${label}</td><td style="padding:4px 0;font-weight:bold;vertical-align:top;">${value}</td></tr>`,
  )}</table>`;
