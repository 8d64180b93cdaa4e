import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventDelivery, startServerDelivery } from '../src/events.js';
import { createTestApp, type SignedIn, type TestApp } from './support/app.js';
import { DATABASES } from './support/databases.js';
import { FILES, storedKeys, upload } from './support/documents.js';
import { pdfText } from './support/pdf.js';
import { eventually } from './support/wait.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Doc {
  id: string;
  category: string;
  title: string;
  fileName: string;
  sha256: string;
  sizeBytes: number;
  author: { id: string; name: string } | null;
  source: { type: string; id: string } | null;
}

describe.each(DATABASES)('documents filed through the outbox on %s', (kind) => {
  let t: TestApp;
  let delivery: EventDelivery;
  let doctor: SignedIn;
  let desk: SignedIn;
  let admin: SignedIn;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EVENTS_MAX_ATTEMPTS: '20',
      EVENTS_RETRY_BASE_MS: '20',
      OUTBOX_POLL_MS: '20',
    });
    delivery = await startServerDelivery(t.config, t.database.db, t.app.clinica.consumers, t.app.log);
    [doctor, desk, admin] = await Promise.all([t.signIn(['doctor']), t.signIn(['results']), t.signIn(['admin'])]);
  });
  afterAll(async () => {
    await delivery?.stop();
    await t?.close();
  });

  const documentsOf = async (patientId: string, query = ''): Promise<Doc[]> => {
    const res = await t.call({
      method: 'GET',
      url: `/api/v1/patients/${patientId}/documents${query}`,
      token: desk.token,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items;
  };
  const contentOf = async (patientId: string, id: string) =>
    (await t.call({ method: 'GET', url: `/api/v1/patients/${patientId}/documents/${id}/content`, token: desk.token }))
      .rawPayload;
  const count = async (sql: string, params: unknown[]) =>
    (await t.database.db.query<{ n: number }>(`select count(*)::int as n from ${sql}`, params)).rows[0]?.n;
  const signPrescription = async (patientId: string) => {
    const line = {
      medicament: 'Amoxicilina',
      form: 'capsule',
      quantity: 21,
      foodTiming: 'after',
      morning: true,
      days: 7,
    };
    const draft = await t.call({
      method: 'POST',
      url: '/api/v1/prescriptions',
      token: doctor.token,
      payload: { patientId, lines: [line] },
    });
    expect(draft.statusCode, draft.body).toBe(201);
    const signed = await t.call({
      method: 'POST',
      url: `/api/v1/prescriptions/${draft.json().id}/sign`,
      token: doctor.token,
    });
    expect(signed.statusCode, signed.body).toBe(200);
    return signed.json() as { id: string; number: string };
  };
  /** Every event of these aggregates handed to the consumers again, as a broker redelivery would. */
  const redeliver = async (aggregateIds: string[], types: string[]) => {
    const { rows } = await t.database.db.query<{ id: string }>(
      'select id from outbox where aggregate_id = any($1::text[]) and type = any($2::text[])',
      [aggregateIds, types],
    );
    const ids = rows.map((r) => r.id);
    await t.database.db.query('delete from processed_events where event_id = any($1::uuid[])', [ids]);
    await t.database.db.query(
      'update outbox set published_at = null, available_at = now(), locked_until = null where id = any($1::uuid[])',
      [ids],
    );
    await eventually(
      async () => (await count('outbox where id = any($1::uuid[]) and published_at is null', [ids])) === 0,
      'the redelivered events to be handled',
    );
    return ids.length;
  };
  /** The storage made unusable for real: its folder replaced by a file, as when a mount disappears. */
  const root = () => path.join(t.config.DATA_DIR, 'documents');
  const breakStorage = () => {
    fs.renameSync(root(), `${root()}.away`);
    fs.writeFileSync(root(), 'not a folder');
  };
  const repairStorage = () => {
    fs.rmSync(root());
    fs.renameSync(`${root()}.away`, root());
  };

  it('files a signed prescription as its PDF, exactly once even when the events are delivered again', async () => {
    const patient = await t.createPatient({ firstName: 'Receta' });
    const prescription = await signPrescription(patient.id);
    const [filed] = await eventually(async () => {
      const docs = await documentsOf(patient.id);
      return docs.length > 0 && docs;
    }, 'the prescription to be filed');
    expect(filed).toMatchObject({
      category: 'prescription',
      title: `Receta ${prescription.number}`,
      fileName: `${prescription.number}.pdf`,
      author: { id: doctor.userId },
      source: { type: 'prescription', id: prescription.id },
    });
    const pdf = await contentOf(patient.id, filed?.id ?? '');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(sha256(pdf)).toBe(filed?.sha256);
    const text = pdfText(pdf);
    expect(text).toContain(prescription.number);
    expect(text).toContain('Amoxicilina');
    expect(await count('document_staging where patient_id = $1', [patient.id])).toBe(0);

    const keys = await storedKeys(t);
    // prescription.signed, document.staged and document.filed, all handed out again.
    expect(
      await redeliver([prescription.id, filed?.id ?? ''], ['prescription.signed', 'document.staged', 'document.filed']),
    ).toBe(3);
    expect(await documentsOf(patient.id)).toEqual([filed]);
    expect(await storedKeys(t)).toEqual(keys);
    expect(await count(`outbox where type = 'document.filed' and aggregate_id = $1`, [filed?.id])).toBe(1);
    expect(await count(`audit_events where action = 'document.file' and resource_id = $1`, [filed?.id])).toBe(1);
  });

  it('files each clinical-history export with the exact bytes downloaded', async () => {
    const patient = await t.createPatient({ firstName: 'Historia' });
    const exported = await t.call({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}/history.pdf`,
      token: desk.token,
    });
    expect(exported.statusCode).toBe(200);
    const again = await t.call({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}/history.pdf?lang=en`,
      token: doctor.token,
    });
    expect(again.statusCode).toBe(200);
    const docs = await eventually(async () => {
      const found = await documentsOf(patient.id, '?category=history_export');
      return found.length === 2 && found;
    }, 'both exports to be filed');
    const [second, first] = docs as [Doc, Doc];
    expect(first).toMatchObject({
      title: `Historia clínica · ${patient.patientNumber}`,
      fileName: `clinical-history-${patient.patientNumber}.pdf`,
      author: { id: desk.userId },
      source: null,
      sha256: sha256(exported.rawPayload),
      sizeBytes: exported.rawPayload.length,
    });
    expect(second).toMatchObject({ author: { id: doctor.userId }, sha256: sha256(again.rawPayload) });
    expect((await contentOf(patient.id, first.id)).equals(exported.rawPayload)).toBe(true);
  });

  it('keeps produced files while the storage is down, refuses uploads clearly, and files them once it is back', async () => {
    const patient = await t.createPatient({ firstName: 'Caída' });
    const before = await t.database.db.query<{ n: number }>('select count(*)::int as n from documents');
    breakStorage();
    try {
      const refused = await upload(t, patient.id, desk.token, { bytes: FILES.text(), name: 'nota.txt' });
      expect(refused.statusCode, refused.body).toBe(503);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.json().detail).toMatch(/cannot be reached.*Nothing was saved/);
      const prescription = await signPrescription(patient.id);
      const exported = await t.call({
        method: 'GET',
        url: `/api/v1/patients/${patient.id}/history.pdf`,
        token: desk.token,
      });
      expect(exported.statusCode).toBe(200);
      // Tried and failed, more than once: the staged files wait in the database.
      await eventually(
        async () =>
          (await count(
            `outbox where type = 'document.staged' and patient_id = $1 and attempts >= 2 and last_error is not null
               and published_at is null and dead_at is null`,
            [patient.id],
          )) === 2,
        'the filing to fail twice for both files',
      );
      expect(await count('document_staging where patient_id = $1', [patient.id])).toBe(2);
      expect((await t.database.db.query<{ n: number }>('select count(*)::int as n from documents')).rows[0]).toEqual(
        before.rows[0],
      );
      expect(prescription.number).toMatch(/^PRN/);
    } finally {
      repairStorage();
    }
    const docs = await eventually(async () => {
      const found = await documentsOf(patient.id);
      return found.length === 2 && found;
    }, 'both files to be filed after the outage');
    expect(docs.map((d) => d.category).sort()).toEqual(['history_export', 'prescription']);
    expect(await count('document_staging where patient_id = $1', [patient.id])).toBe(0);
    for (const d of docs) expect(sha256(await contentOf(patient.id, d.id))).toBe(d.sha256);
    expect(await count(`outbox where type = 'document.filed' and patient_id = $1`, [patient.id])).toBe(2);
  });

  it('moves document rows, and files still waiting, to the survivor of a merge; the files stay where they are', async () => {
    const survivor = await t.createPatient({ firstName: 'Superviviente' });
    const duplicate = await t.createPatient({ firstName: 'Duplicado' });
    const uploaded = (await upload(t, duplicate.id, desk.token, { bytes: FILES.png(), name: 'rx.png' })).json();
    const deleted = (await upload(t, duplicate.id, desk.token, { bytes: FILES.text(), name: 'mal.txt' })).json();
    await t.call({
      method: 'DELETE',
      url: `/api/v1/patients/${duplicate.id}/documents/${deleted.id}`,
      token: desk.token,
      payload: { reason: 'Duplicado' },
    });
    breakStorage();
    let staged: string | null;
    try {
      staged = await t.database.db.transaction((tx) =>
        t.app.clinica.documents.stage(tx, {
          patientId: duplicate.id,
          category: 'incident_report',
          title: 'Incidencia INC00001',
          fileName: 'INC00001.pdf',
          contentType: 'application/pdf',
          content: FILES.pdf(100),
          source: null,
          authorId: null,
        }),
      );
      const merged = await t.call({
        method: 'POST',
        url: `/api/v1/patients/${survivor.id}/merge`,
        token: admin.token,
        payload: { duplicateId: duplicate.id },
      });
      expect(merged.statusCode, merged.body).toBe(200);
      expect(await count('document_staging where patient_id = $1 and id = $2', [survivor.id, staged])).toBe(1);
    } finally {
      repairStorage();
    }
    expect(await documentsOf(duplicate.id, '?includeDeleted=true')).toEqual([]);
    const moved = await eventually(async () => {
      const found = await documentsOf(survivor.id, '?includeDeleted=true');
      return found.length === 3 && found;
    }, 'the staged file to be filed under the survivor');
    expect(moved.map((d) => d.id).sort()).toEqual([uploaded.id, deleted.id, staged].sort());
    expect(moved.find((d) => d.id === deleted.id)).toMatchObject({ deleteReason: 'Duplicado' });
    // The uploaded file kept its key under the duplicate's folder, and still downloads.
    const { rows } = await t.database.db.query<{ storage_key: string }>(
      'select storage_key from documents where id = $1',
      [uploaded.id],
    );
    expect(rows[0]?.storage_key).toBe(`patients/${duplicate.patientNumber}/${uploaded.id}.png`);
    expect((await contentOf(survivor.id, uploaded.id)).equals(FILES.png())).toBe(true);
    // A file produced for the merged record later goes to the survivor too.
    const late = await t.database.db.transaction((tx) =>
      t.app.clinica.documents.stage(tx, {
        patientId: duplicate.id,
        category: 'invoice',
        title: 'Factura F00001',
        fileName: 'F00001.pdf',
        contentType: 'application/pdf',
        content: FILES.pdf(10),
        source: { type: 'invoice', id: duplicate.id },
        authorId: null,
      }),
    );
    await eventually(async () => (await documentsOf(survivor.id)).some((d) => d.id === late), 'the late file');
  });
});
