import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, createTestApp, type SignedIn, type TestApp } from './support/app.js';
import { DATABASES } from './support/databases.js';
import { FILES, storedKeys, upload } from './support/documents.js';

const MAX_BYTES = 256 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(DATABASES)('documents on %s', (kind) => {
  let t: TestApp;
  let doctor: SignedIn;
  let desk: SignedIn;
  let portal: SignedIn;
  let patient: { id: string; patientNumber: string };
  let stranger: { id: string; patientNumber: string };

  beforeAll(async () => {
    t = await createTestApp(kind, { DOCUMENT_MAX_BYTES: String(MAX_BYTES) });
    patient = await t.createPatient({ firstName: 'Documentos' });
    stranger = await t.createPatient({ firstName: 'Ajena' });
    [doctor, desk, portal] = await Promise.all([
      t.signIn(['doctor']),
      t.signIn(['results']),
      t.signIn(['patient'], { patientId: patient.id }),
    ]);
  });
  afterAll(() => t.close());

  const api = (method: 'GET' | 'DELETE', url: string, token: string, payload?: object) =>
    t.call({ method, url: `/api/v1/patients/${url}`, token, ...(payload ? { payload } : {}) });
  const storagePath = (key: string) => path.join(t.config.DATA_DIR, 'documents', ...key.split('/'));
  const auditActions = async (resourceId: string) =>
    (
      await t.database.db.query<{ action: string; outcome: string }>(
        'select action, outcome from audit_events where resource_id = $1 order by id',
        [resourceId],
      )
    ).rows.map((r) => `${r.action}:${r.outcome}`);

  it('uploads, lists, describes and downloads a document: same bytes, honest headers, every step audited', async () => {
    const bytes = FILES.pdf(5000);
    const res = await upload(
      t,
      patient.id,
      desk.token,
      { bytes, name: 'Analítica marzo.pdf', type: 'application/pdf' },
      {
        title: 'Analítica de marzo',
        category: 'result',
      },
    );
    expect(res.statusCode, res.body).toBe(201);
    const doc = res.json();
    expect(doc).toEqual({
      id: expect.any(String),
      patientId: patient.id,
      category: 'result',
      title: 'Analítica de marzo',
      fileName: 'Analítica marzo.pdf',
      contentType: 'application/pdf',
      sizeBytes: bytes.length,
      sha256: sha256(bytes),
      author: { id: desk.userId, name: desk.email },
      source: null,
      createdAt: expect.any(String),
      deletedAt: null,
      deleteReason: null,
    });
    // The folder is named by patient number; the object holds exactly what was sent.
    const key = `patients/${patient.patientNumber}/${doc.id}.pdf`;
    expect(await storedKeys(t)).toContain(key);
    expect(fs.readFileSync(storagePath(key)).equals(bytes)).toBe(true);

    const list = await api('GET', `${patient.id}/documents`, doctor.token);
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({ items: [doc], nextCursor: null });
    expect((await api('GET', `${patient.id}/documents/${doc.id}`, portal.token)).json()).toEqual(doc);

    const content = await api('GET', `${patient.id}/documents/${doc.id}/content`, portal.token);
    expect(content.statusCode).toBe(200);
    expect(content.rawPayload.equals(bytes)).toBe(true);
    expect(content.headers).toMatchObject({
      'content-type': 'application/pdf',
      'content-length': String(bytes.length),
      'content-disposition': `attachment; filename*=UTF-8''Anal%C3%ADtica%20marzo.pdf`,
      etag: `"${sha256(bytes)}"`,
      'x-content-type-options': 'nosniff',
    });
    expect(await auditActions(doc.id)).toEqual([
      'document.upload:success',
      'document.read:success',
      'document.download:success',
    ]);

    // Plain text: UTF-8 kept as sent, served with its charset; a name without an extension gets one.
    const text = FILES.text();
    const note = await upload(t, patient.id, doctor.token, { bytes: text, name: "nota (1)'s", type: 'text/html' });
    expect(note.statusCode, note.body).toBe(201);
    expect(note.json()).toMatchObject({ contentType: 'text/plain', fileName: "nota (1)'s.txt", category: 'upload' });
    expect(note.json().title).toBe("nota (1)'s.txt");
    const read = await api('GET', `${patient.id}/documents/${note.json().id}/content`, doctor.token);
    expect(read.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(read.headers['content-disposition']).toBe(`attachment; filename*=UTF-8''nota%20%281%29%27s.txt`);
    expect(read.body).toBe(text.toString('utf8'));
  });

  it('lists newest first, by category, a page at a time', async () => {
    const owner = await t.createPatient();
    for (const [i, category] of ['upload', 'result', 'upload'].entries()) {
      const res = await upload(
        t,
        owner.id,
        desk.token,
        { bytes: FILES.text(`nota ${i}`), name: `n${i}.txt` },
        { category },
      );
      expect(res.statusCode, res.body).toBe(201);
    }
    const first = (await api('GET', `${owner.id}/documents?limit=2`, desk.token)).json();
    expect(first.items.map((d: { title: string }) => d.title)).toEqual(['n2.txt', 'n1.txt']);
    const second = (await api('GET', `${owner.id}/documents?limit=2&cursor=${first.nextCursor}`, desk.token)).json();
    expect(second).toMatchObject({ items: [{ title: 'n0.txt' }], nextCursor: null });
    const results = (await api('GET', `${owner.id}/documents?category=result`, desk.token)).json();
    expect(results.items.map((d: { title: string }) => d.title)).toEqual(['n1.txt']);
  });

  it(`refuses a file over DOCUMENT_MAX_BYTES (${MAX_BYTES}) with 413, keeping neither a row nor an object`, async () => {
    const rows = await countRows(t, 'documents');
    const keys = await storedKeys(t);
    const res = await upload(t, patient.id, doctor.token, { bytes: FILES.pdf(MAX_BYTES), name: 'big.pdf' });
    expect(res.statusCode, res.body).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().detail).toMatch(/larger than the 256 KiB allowed/);
    expect(await countRows(t, 'documents')).toBe(rows);
    expect(await storedKeys(t)).toEqual(keys);
    // Exactly the limit is fine.
    const exact = FILES.pdf(0);
    const fits = Buffer.concat([
      exact.subarray(0, 20),
      Buffer.alloc(MAX_BYTES - exact.length, 0x41),
      exact.subarray(20),
    ]);
    expect((await upload(t, patient.id, doctor.token, { bytes: fits, name: 'fits.pdf' })).statusCode).toBe(201);
  });

  it('judges the type by the content, never by the name or the declared type', async () => {
    const png = await upload(t, patient.id, doctor.token, {
      bytes: FILES.png(),
      name: 'scan.pdf',
      type: 'application/pdf',
    });
    expect(png.statusCode, png.body).toBe(201);
    expect(png.json()).toMatchObject({ contentType: 'image/png', fileName: 'scan.png' });
    expect(await storedKeys(t)).toContain(`patients/${patient.patientNumber}/${png.json().id}.png`);
    const jpeg = await upload(t, patient.id, doctor.token, { bytes: FILES.jpeg(), name: 'foto.JPEG' });
    expect(jpeg.json()).toMatchObject({ contentType: 'image/jpeg', fileName: 'foto.JPEG' });

    const rows = await countRows(t, 'documents');
    const keys = await storedKeys(t);
    const refusals: [Buffer, string, RegExp][] = [
      [FILES.zip(), 'informe.pdf', /application\/zip/],
      [FILES.exe(), 'receta.pdf', /application\/x-msdownload/],
      [Buffer.concat([Buffer.from('hola'), Buffer.from([0, 1, 2, 3])]), 'nota.txt', /binary content/],
      // Valid text for far longer than the sniffed head, then a byte that is not UTF-8.
      [
        Buffer.concat([Buffer.alloc(100_000, 'a'), Buffer.from([0xc3, 0x28]), Buffer.alloc(10, 'b')]),
        'l.txt',
        /binary/,
      ],
    ];
    for (const [bytes, name, found] of refusals) {
      const res = await upload(t, patient.id, doctor.token, { bytes, name, type: 'application/pdf' });
      expect(res.statusCode, `${name}: ${res.body}`).toBe(415);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().detail).toMatch(found);
      expect(res.json().detail).toMatch(/only PDF, PNG, JPEG or plain text \(UTF-8\) files are accepted/);
    }
    expect(await countRows(t, 'documents')).toBe(rows);
    expect(await storedKeys(t)).toEqual(keys);
  });

  it('lets a patient reach their own documents only, never deleted ones; other roles none at all', async () => {
    const theirs = await upload(t, stranger.id, doctor.token, { bytes: FILES.text(), name: 'ajeno.txt' });
    expect(theirs.statusCode).toBe(201);
    const id = theirs.json().id;
    for (const url of [
      `${stranger.id}/documents`,
      `${stranger.id}/documents/${id}`,
      `${stranger.id}/documents/${id}/content`,
    ]) {
      const res = await api('GET', url, portal.token);
      expect(res.statusCode, url).toBe(403);
    }
    const denied = await t.database.db.query<{ n: number }>(
      `select count(*)::int as n from audit_events where patient_id = $1 and outcome = 'denied' and action like 'document.%'`,
      [stranger.id],
    );
    expect(denied.rows[0]?.n).toBe(3);
    expect((await upload(t, patient.id, portal.token, { bytes: FILES.text(), name: 'mio.txt' })).statusCode).toBe(403);
    expect((await api('GET', `${patient.id}/documents?includeDeleted=true`, portal.token)).statusCode).toBe(403);
    for (const role of ['admin', 'admissions', 'pharmacist', 'agent'] as const) {
      const other = await t.signIn([role]);
      expect((await api('GET', `${patient.id}/documents`, other.token)).statusCode, role).toBe(403);
      expect((await api('GET', `${stranger.id}/documents/${id}/content`, other.token)).statusCode, role).toBe(403);
    }
  });

  it('deletes softly with a reason: audited, hidden from lists and from the patient, the file kept', async () => {
    const created = (await upload(t, patient.id, desk.token, { bytes: FILES.png(), name: 'equivocado.png' })).json();
    const url = `${patient.id}/documents/${created.id}`;
    expect((await api('DELETE', url, doctor.token, { reason: '  ' })).statusCode).toBe(400);
    expect((await api('DELETE', url, portal.token, { reason: 'No es mío' })).statusCode).toBe(403);
    const deleted = await api('DELETE', url, doctor.token, { reason: 'Subido al paciente equivocado' });
    expect(deleted.statusCode, deleted.body).toBe(200);
    expect(deleted.json()).toMatchObject({
      id: created.id,
      deletedAt: expect.any(String),
      deleteReason: 'Subido al paciente equivocado',
    });
    expect(await auditActions(created.id)).toEqual(['document.upload:success', 'document.delete:success']);
    const again = await api('DELETE', url, desk.token, { reason: 'Otra vez' });
    expect(again.statusCode).toBe(409);

    const ids = async (token: string, query = '') =>
      (await api('GET', `${patient.id}/documents${query}`, token)).json().items.map((d: { id: string }) => d.id);
    expect(await ids(doctor.token)).not.toContain(created.id);
    expect(await ids(portal.token)).not.toContain(created.id);
    expect(await ids(desk.token, '?includeDeleted=true')).toContain(created.id);
    expect((await api('GET', url, portal.token)).statusCode).toBe(404);
    expect((await api('GET', `${url}/content`, portal.token)).statusCode).toBe(404);
    // Staff still reach it, and its bytes, for the record.
    expect((await api('GET', `${url}/content`, desk.token)).rawPayload.equals(FILES.png())).toBe(true);
    expect(await storedKeys(t)).toContain(`patients/${patient.patientNumber}/${created.id}.png`);
    // The database refuses to bring it back or to drop its row, whoever asks.
    await expect(
      t.database.db.query(
        'update documents set deleted_at = null, deleted_by = null, delete_reason = null where id = $1',
        [created.id],
      ),
    ).rejects.toThrow(/cannot be changed/);
    await expect(t.database.db.query('delete from documents where id = $1', [created.id])).rejects.toThrow(
      /never removed/,
    );
  });

  it('never hands out a damaged stored file as a complete one', async () => {
    // Several read chunks: the damage is found only at the end, after most bytes have left.
    const bytes = FILES.pdf(200_000);
    const doc = (await upload(t, patient.id, doctor.token, { bytes, name: 'grande.pdf' })).json();
    const file = storagePath(`patients/${patient.patientNumber}/${doc.id}.pdf`);
    const damaged = Buffer.from(bytes);
    damaged[150_000] = (damaged[150_000] ?? 0) ^ 0xff;
    fs.writeFileSync(file, damaged);

    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${address}/api/v1/patients/${patient.id}/documents/${doc.id}/content`, {
      headers: { authorization: `Bearer ${doctor.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    await expect(res.arrayBuffer()).rejects.toThrow();

    // A small file is checked before the headers leave: a problem, not a file to save.
    const small = (await upload(t, patient.id, doctor.token, { bytes: FILES.text('pequeño'), name: 'p.txt' })).json();
    fs.writeFileSync(storagePath(`patients/${patient.patientNumber}/${small.id}.txt`), 'pequeña');
    const refused = await api('GET', `${patient.id}/documents/${small.id}/content`, doctor.token);
    expect(refused.statusCode).toBe(500);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.headers['content-disposition']).toBeUndefined();
    expect(refused.json().detail).toMatch(/damaged/);
    // A missing file says so.
    fs.rmSync(storagePath(`patients/${patient.patientNumber}/${small.id}.txt`));
    const missing = await api('GET', `${patient.id}/documents/${small.id}/content`, doctor.token);
    expect(missing.statusCode).toBe(500);
    expect(missing.json().detail).toMatch(/missing/);
    // Every download is audited, the failed ones as failures.
    expect(await auditActions(small.id)).toEqual([
      'document.upload:success',
      'document.download:failure',
      'document.download:failure',
    ]);
  });

  it('answers 404 for unknown patients and documents, and 415 for a body that is not multipart', async () => {
    expect((await api('GET', `${randomUUID()}/documents`, doctor.token)).statusCode).toBe(404);
    expect((await api('GET', `${patient.id}/documents/${randomUUID()}`, doctor.token)).statusCode).toBe(404);
    expect((await upload(t, randomUUID(), doctor.token, { bytes: FILES.text(), name: 'x.txt' })).statusCode).toBe(404);
    const json = await t.call({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/documents`,
      token: doctor.token,
      payload: { file: randomBytes(8).toString('base64') },
    });
    expect(json.statusCode).toBe(415);
    expect(json.json().detail).toMatch(/multipart\/form-data/);
  });
});
