import { api, unwrap } from '../api/client';

/*
 * The PDFs need the bearer token, which a plain link cannot send: they are fetched through the
 * API client and handed to the browser as a blob.
 */

export type PdfLanguage = 'es' | 'en';

export const prescriptionPdf = (id: string, lang: PdfLanguage) =>
  unwrap(api.GET('/api/v1/prescriptions/{id}.pdf', { params: { path: { id }, query: { lang } }, parseAs: 'blob' }));

export const historyPdf = (patientId: string, lang: PdfLanguage) =>
  unwrap(
    api.GET('/api/v1/patients/{id}/history.pdf', {
      params: { path: { id: patientId }, query: { lang } },
      parseAs: 'blob',
    }),
  );

// Long enough for the new tab or the download to read it; then the memory is freed.
const KEEP_URL_MS = 60_000;

function blobUrl(blob: Blob): string {
  const url = URL.createObjectURL(blob);
  setTimeout(() => URL.revokeObjectURL(url), KEEP_URL_MS);
  return url;
}

/** Saves the PDF under `filename`. */
export async function downloadPdf(load: Promise<Blob>, filename: string) {
  const a = document.createElement('a');
  a.href = blobUrl(await load);
  a.download = filename;
  a.click();
}

/**
 * Shows the PDF in a new tab, to print. The tab is opened at the click, while the browser still
 * counts it as the user's doing (a tab opened after the download would be blocked as a pop-up);
 * where a tab cannot be opened, the PDF is downloaded instead.
 */
export async function openPdf(load: Promise<Blob>, filename: string) {
  const tab = window.open('', '_blank');
  try {
    const blob = await load;
    if (tab) tab.location.href = blobUrl(blob);
    else await downloadPdf(Promise.resolve(blob), filename);
  } catch (err) {
    tab?.close();
    throw err;
  }
}
