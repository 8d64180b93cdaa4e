import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMail } from '../src/modules/notifications/templates.js';
import { countRows, createTestApp, type SignedIn, type TestApp } from './support/app.js';
import { DATABASES } from './support/databases.js';
import { FILES, storedKeys, type UploadFile } from './support/documents.js';

const MAX_BYTES = 64 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(DATABASES)('incident attachments (%s)', (kind) => {
  let t: TestApp;
  let patient: SignedIn;
  let otherPatient: SignedIn;
  let agent: SignedIn;

  beforeAll(async () => {
    t = await createTestApp(kind, { DOCUMENT_MAX_BYTES: String(MAX_BYTES) });
    patient = await t.signIn(['patient'], { patientId: (await t.createPatient({ firstName: 'Adjunta' })).id });
    otherPatient = await t.signIn(['patient'], { patientId: (await t.createPatient()).id });
    agent = await t.signIn(['agent']);
  });
  afterAll(() => t?.close());

  const report = async (who: SignedIn) => {
    const res = await t.call({
      method: 'POST',
      url: '/api/v1/incidents',
      token: who.token,
      payload: { subject: 'Factura errónea', description: 'Me cobraron dos veces', category: 'billing' },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; number: string };
  };
  const attach = (who: SignedIn, incidentId: string, file: UploadFile): Promise<LightMyRequestResponse> => {
    const form = new FormData();
    form.append(
      'file',
      new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'application/octet-stream' }),
      file.name,
    );
    return t.call({
      method: 'POST',
      url: `/api/v1/incidents/${incidentId}/attachments`,
      token: who.token,
      payload: form as unknown as string,
    });
  };
  const post = (who: SignedIn, id: string, payload: object) =>
    t.call({ method: 'POST', url: `/api/v1/incidents/${id}/articles`, token: who.token, payload });
  const content = (who: SignedIn, id: string, attachmentId: string) =>
    t.call({ method: 'GET', url: `/api/v1/incidents/${id}/attachments/${attachmentId}/content`, token: who.token });
  const audited = async (action: string, incidentId: string) =>
    (
      await t.database.db.query<{ outcome: string }>(
        'select outcome from audit_events where action = $1 and resource_id = $2 order by id',
        [action, incidentId],
      )
    ).rows.map((r) => r.outcome);

  it('uploads a file, attaches it to an agent reply, and the reporter downloads the same bytes', async () => {
    const incident = await report(patient);
    const bytes = FILES.pdf(3000);
    const res = await attach(agent, incident.id, { bytes, name: 'Factura corregida.pdf' });
    expect(res.statusCode, res.body).toBe(201);
    const file = res.json();
    expect(file).toEqual({
      id: expect.any(String),
      fileName: 'Factura corregida.pdf',
      contentType: 'application/pdf',
      sizeBytes: bytes.length,
    });
    expect(await storedKeys(t)).toContain(`incidents/${incident.number}/${file.id}.pdf`);
    // Not yet on a message: the reporter does not see it.
    expect((await content(patient, incident.id, file.id)).statusCode).toBe(404);

    const reply = await post(agent, incident.id, {
      kind: 'reply',
      body: 'Adjunto la factura',
      attachmentIds: [file.id],
    });
    expect(reply.statusCode, reply.body).toBe(201);
    expect(reply.json().attachments).toEqual([file]);
    const detail = await t.call({ method: 'GET', url: `/api/v1/incidents/${incident.id}`, token: patient.token });
    expect(detail.json().articles.at(-1).attachments).toEqual([file]);

    const download = await content(patient, incident.id, file.id);
    expect(download.statusCode, download.body).toBe(200);
    expect(download.rawPayload.equals(bytes)).toBe(true);
    expect(download.headers).toMatchObject({
      'content-type': 'application/pdf',
      'content-length': String(bytes.length),
      'content-disposition': `attachment; filename*=UTF-8''Factura%20corregida.pdf`,
      etag: `"${sha256(bytes)}"`,
      'x-content-type-options': 'nosniff',
    });
    expect(await audited('incident.attachment.upload', incident.id)).toEqual(['success']);
    expect(await audited('incident.attachment.download', incident.id)).toEqual(['denied', 'success']);
  });

  it('lets the reporter attach a file to their own reply; an agent downloads it', async () => {
    const incident = await report(patient);
    const text = FILES.text('Captura del cargo duplicado\n');
    const up = await attach(patient, incident.id, { bytes: text, name: 'cargo' });
    expect(up.statusCode, up.body).toBe(201);
    expect(up.json()).toMatchObject({ fileName: 'cargo.txt', contentType: 'text/plain' });
    // Before it is attached, its uploader sees it too.
    expect((await content(patient, incident.id, up.json().id)).body).toBe(text.toString('utf8'));
    // Another person's upload cannot be attached by someone else.
    const foreign = await post(agent, incident.id, { kind: 'reply', body: 'x', attachmentIds: [up.json().id] });
    expect(foreign.statusCode).toBe(400);
    const reply = await post(patient, incident.id, { kind: 'reply', body: 'Adjunto', attachmentIds: [up.json().id] });
    expect(reply.statusCode, reply.body).toBe(201);
    const read = await content(agent, incident.id, up.json().id);
    expect(read.statusCode).toBe(200);
    expect(read.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(read.body).toBe(text.toString('utf8'));
  });

  it('hides a file on an internal note from the reporter (404), not from agents', async () => {
    const incident = await report(patient);
    const up = await attach(agent, incident.id, { bytes: FILES.png(), name: 'pantalla.png' });
    expect(up.statusCode, up.body).toBe(201);
    const note = await post(agent, incident.id, { kind: 'note', body: 'Ver captura', attachmentIds: [up.json().id] });
    expect(note.statusCode, note.body).toBe(201);
    const hidden = await content(patient, incident.id, up.json().id);
    expect(hidden.statusCode).toBe(404);
    expect(hidden.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await content(agent, incident.id, up.json().id)).statusCode).toBe(200);
    const detail = await t.call({ method: 'GET', url: `/api/v1/incidents/${incident.id}`, token: patient.token });
    expect(JSON.stringify(detail.json())).not.toContain(up.json().id);
  });

  it('refuses a file of another type with 415 and one over DOCUMENT_MAX_BYTES with 413, keeping nothing', async () => {
    const incident = await report(patient);
    const rows = await countRows(t, 'incident_attachments');
    const keys = await storedKeys(t);
    const zip = await attach(patient, incident.id, { bytes: FILES.zip(), name: 'fotos.pdf', type: 'application/pdf' });
    expect(zip.statusCode, zip.body).toBe(415);
    expect(zip.headers['content-type']).toMatch(/^application\/problem\+json/);
    const big = await attach(patient, incident.id, { bytes: FILES.pdf(MAX_BYTES), name: 'grande.pdf' });
    expect(big.statusCode, big.body).toBe(413);
    expect(big.json().detail).toMatch(/larger than the 64 KiB allowed/);
    expect(await countRows(t, 'incident_attachments')).toBe(rows);
    expect(await storedKeys(t)).toEqual(keys);
    expect(await audited('incident.attachment.upload', incident.id)).toEqual([]);
  });

  it('refuses another patient: neither upload nor download, and nothing stored', async () => {
    const incident = await report(patient);
    const up = await attach(patient, incident.id, { bytes: FILES.text(), name: 'nota.txt' });
    await post(patient, incident.id, { kind: 'reply', body: 'Adjunto', attachmentIds: [up.json().id] });
    const rows = await countRows(t, 'incident_attachments');
    const keys = await storedKeys(t);
    expect((await attach(otherPatient, incident.id, { bytes: FILES.text(), name: 'x.txt' })).statusCode).toBe(404);
    expect((await content(otherPatient, incident.id, up.json().id)).statusCode).toBe(404);
    expect(await countRows(t, 'incident_attachments')).toBe(rows);
    expect(await storedKeys(t)).toEqual(keys);
    // The same file asked for under another incident is not found either.
    const mine = await report(otherPatient);
    expect((await content(otherPatient, mine.id, up.json().id)).statusCode).toBe(404);
  });

  it('refuses files for a closed incident with 409', async () => {
    const incident = await report(patient);
    const closed = await t.call({
      method: 'PUT',
      url: `/api/v1/incidents/${incident.id}`,
      token: agent.token,
      payload: { status: 'closed' },
    });
    expect(closed.statusCode, closed.body).toBe(200);
    const keys = await storedKeys(t);
    expect((await attach(agent, incident.id, { bytes: FILES.text(), name: 'tarde.txt' })).statusCode).toBe(409);
    expect(await storedKeys(t)).toEqual(keys);
  });
});

// Mail to a reporter invites replies (Reply-To: the inbound mailbox), so its footer must not forbid them.
describe('incident mail footer', () => {
  const context = { clinicName: 'Clínica Sur', publicUrl: 'https://clinica.test', timeZone: 'Europe/Madrid' };
  const data = { name: 'Lucía', number: 'INC00007', incidentId: '00000000-0000-4000-8000-000000000007' };

  it('invites a reply when Reply-To is set, and asks for none otherwise', () => {
    for (const language of ['es', 'en'] as const) {
      const inbound = renderMail('incident-reply', language, data, {
        ...context,
        inboundAddress: 'ayuda@clinica.test',
      });
      expect(inbound.headers).toEqual({ 'Reply-To': 'ayuda@clinica.test' });
      for (const part of [inbound.text, inbound.html]) {
        expect(part).not.toMatch(/do not reply|no responda/);
        expect(part).toMatch(language === 'es' ? /respondiendo a este correo/ : /replying to this e-mail/);
      }
      const plain = renderMail('incident-reply', language, data, context);
      expect(plain.headers).toBeUndefined();
      expect(plain.text).toMatch(language === 'es' ? /no responda a este correo/ : /please do not reply/);
      // Mail that sets no Reply-To keeps the notice, even with an inbound mailbox configured.
      const account = renderMail(
        'password-changed',
        language,
        { name: 'Lucía', changedAt: new Date().toISOString() },
        { ...context, inboundAddress: 'ayuda@clinica.test' },
      );
      expect(account.headers).toBeUndefined();
      expect(account.text).toMatch(language === 'es' ? /no responda a este correo/ : /please do not reply/);
    }
  });
});
