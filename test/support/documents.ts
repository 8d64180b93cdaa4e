import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from './app.js';

/** Small files of each kind, recognised by their content the way a real reader would. */
export const FILES = {
  pdf: (padding = 0) =>
    Buffer.concat([
      Buffer.from('%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj <<>> endobj\n', 'latin1'),
      randomBytes(padding),
      Buffer.from('\ntrailer <<>>\n%%EOF\n'),
    ]),
  png: () =>
    Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    ),
  jpeg: () =>
    Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'), randomBytes(64)]),
  zip: () =>
    Buffer.concat([Buffer.from('PK\u0003\u0004\u0014\u0000\u0000\u0000\u0008\u0000', 'latin1'), randomBytes(200)]),
  exe: () => Buffer.concat([Buffer.from('MZ\u0090\u0000\u0003\u0000\u0000\u0000', 'latin1'), randomBytes(200)]),
  text: (s = 'Informe de la revisión: encía sana, sin caries.\n') => Buffer.from(s, 'utf8'),
};

export interface UploadFile {
  bytes: Buffer;
  name: string;
  /** What the client claims; the server judges by content. */
  type?: string;
}

/** POSTs a multipart upload the way a browser's FormData does. */
export function upload(
  t: TestApp,
  patientId: string,
  token: string,
  file: UploadFile | null,
  fields: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (file)
    form.append(
      'file',
      new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'application/octet-stream' }),
      file.name,
    );
  return t.call({
    method: 'POST',
    url: `/api/v1/patients/${patientId}/documents`,
    token,
    payload: form as unknown as string,
  });
}

/** Every object in the document storage, by key. */
export async function storedKeys(t: TestApp): Promise<string[]> {
  const keys: string[] = [];
  for await (const { key } of t.app.clinica.storage.list('')) keys.push(key);
  return keys.sort();
}
