import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, createTestApp, patientInput, type SignedIn, type TestApp, uniqueDocument } from './support/app.js';
import { DATABASES } from './support/databases.js';

describe.each(DATABASES)('patient registry on %s', (kind) => {
  let t: TestApp;
  let desk: SignedIn;

  beforeAll(async () => {
    t = await createTestApp(kind);
    desk = await t.signIn(['admissions']);
  });
  afterAll(() => t.close());

  const create = (payload: object, token = desk.token) =>
    t.call({ method: 'POST', url: '/api/v1/patients', payload, token });

  it('registers a patient with the next patient number and derived age', async () => {
    const res = await create(patientInput({ firstName: 'Ana', lastName: 'Prieto', birthDate: '2000-01-01' }));
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.patientNumber).toMatch(/^PT\d{5}$/);
    expect(body.age).toBeGreaterThanOrEqual(26);
    const second = await create(patientInput());
    expect(Number(second.json().patientNumber.slice(2))).toBe(Number(body.patientNumber.slice(2)) + 1);
  });

  it('refuses a second patient with the same document number, naming the existing one, and writes nothing', async () => {
    const documentNumber = uniqueDocument();
    const first = (await create(patientInput({ documentNumber }))).json();
    const before = await countRows(t, 'patients');
    const events = await countRows(t, 'outbox');
    // Same document written differently: lower case, dots and dashes.
    const spaced = `${documentNumber.slice(0, 3)}.${documentNumber.slice(3, -1)}-${documentNumber.slice(-1).toLowerCase()}`;
    const res = await create(patientInput({ documentNumber: spaced }));
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().detail).toContain(first.patientNumber);
    expect(res.json().existingPatientNumber).toBe(first.patientNumber);
    expect(await countRows(t, 'patients')).toBe(before);
    expect(await countRows(t, 'outbox')).toBe(events);
  });

  it('finds patients by partial name regardless of accents and case, by phone and by document', async () => {
    const jose = (
      await create(patientInput({ firstName: 'José', lastName: 'Ibáñez Quiñones', phone: '+34 611 222 333' }))
    ).json();
    const search = async (q: string) => {
      const res = await t.call({
        method: 'GET',
        url: `/api/v1/patients?q=${encodeURIComponent(q)}`,
        token: desk.token,
      });
      expect(res.statusCode).toBe(200);
      return res.json().items.map((p: { id: string }) => p.id);
    };
    expect(await search('jose')).toContain(jose.id);
    expect(await search('JOSÉ ibañ')).toContain(jose.id);
    expect(await search('quinon')).toContain(jose.id);
    expect(await search('611222')).toContain(jose.id);
    expect(await search(jose.documentNumber.toLowerCase())).toEqual([jose.id]);
    expect(await search(jose.patientNumber)).toEqual([jose.id]);
    expect(await search('zzzz-no-such-name')).toEqual([]);
    // LIKE wildcards are literal text, not patterns.
    expect(await search('%')).toEqual([]);
  });

  it('pages through results with a cursor, without repeats or gaps', async () => {
    const lastName = `Paginado${Date.now()}`;
    for (let i = 0; i < 5; i++) await create(patientInput({ firstName: `Nombre${i}`, lastName }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url = `/api/v1/patients?q=${lastName}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.call({ method: 'GET', url, token: desk.token });
      const body = res.json();
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((p: { firstName: string }) => p.firstName));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['Nombre0', 'Nombre1', 'Nombre2', 'Nombre3', 'Nombre4']);
    const bad = await t.call({ method: 'GET', url: '/api/v1/patients?cursor=not-a-cursor', token: desk.token });
    expect(bad.statusCode).toBe(400);
  });

  it('reports likely duplicates (similar name, same birth date) on create', async () => {
    const original = (
      await create(patientInput({ firstName: 'María José', lastName: 'Echeverría Gil', birthDate: '1975-03-09' }))
    ).json();
    const res = await create(
      patientInput({ firstName: 'Maria Jose', lastName: 'Echeverria', birthDate: '1975-03-09' }),
    );
    expect(res.statusCode).toBe(201);
    expect(res.json().possibleDuplicates.map((d: { id: string }) => d.id)).toContain(original.id);
    const otherBirthday = await create(
      patientInput({ firstName: 'María José', lastName: 'Echeverría Gil', birthDate: '1975-03-10' }),
    );
    expect(otherBirthday.json().possibleDuplicates.map((d: { id: string }) => d.id)).not.toContain(original.id);
  });

  it('updates a record, keeps document numbers unique, and records what changed', async () => {
    const a = (await create(patientInput())).json();
    const b = (await create(patientInput())).json();
    const { id, patientNumber, age, createdAt, updatedAt, possibleDuplicates, allergies, category, ...input } = a;
    const res = await t.call({
      method: 'PUT',
      url: `/api/v1/patients/${a.id}`,
      token: desk.token,
      payload: { ...input, phone: '+34 699 000 111', allergies: ['Penicilina'] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ phone: '+34 699 000 111', allergies: ['Penicilina'] });
    const taken = await t.call({
      method: 'PUT',
      url: `/api/v1/patients/${a.id}`,
      token: desk.token,
      payload: { ...input, documentNumber: b.documentNumber },
    });
    expect(taken.statusCode).toBe(409);
    const { rows } = await t.database.db.query<{ details: { changedFields: string[] } }>(
      `select details from audit_events where action = 'patient.update' and patient_id = $1`,
      [a.id],
    );
    expect(rows.map((r) => r.details.changedFields.sort())).toEqual([['allergies', 'phone']]);
  });

  it('merges a duplicate into a survivor: links, identifiers and gaps move over', async () => {
    const survivor = (await create(patientInput({ firstName: 'Raúl', lastName: 'Sanz', allergies: ['Látex'] }))).json();
    const duplicate = (
      await create(
        patientInput({ firstName: 'Raul', lastName: 'Sanz', phone: '+34 622 333 444', allergies: ['Polen'] }),
      )
    ).json();
    const portal = await t.signIn(['patient'], { patientId: duplicate.id });
    const admin = await t.signIn(['admin']);
    const res = await t.call({
      method: 'POST',
      url: `/api/v1/patients/${survivor.id}/merge`,
      token: admin.token,
      payload: { duplicateId: duplicate.id },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().phone).toBe('+34 622 333 444');
    expect(res.json().allergies.sort()).toEqual(['Látex', 'Polen']);
    // The duplicate's document number now finds the survivor; the duplicate is out of lists.
    const found = await t.call({
      method: 'GET',
      url: `/api/v1/patients?q=${duplicate.documentNumber}`,
      token: desk.token,
    });
    expect(found.json().items.map((p: { id: string }) => p.id)).toEqual([survivor.id]);
    const read = await t.call({ method: 'GET', url: `/api/v1/patients/${duplicate.id}`, token: desk.token });
    expect(read.json().mergedInto).toBe(survivor.id);
    // The portal account now belongs to the survivor.
    const user = await t.call({ method: 'GET', url: `/api/v1/users/${portal.userId}`, token: admin.token });
    expect(user.json().patientId).toBe(survivor.id);
    const audited = await t.database.db.query(
      `select patient_id from audit_events where action = 'patient.merge' order by patient_id`,
    );
    expect(audited.rows.map((r) => r.patient_id).sort()).toEqual([survivor.id, duplicate.id].sort());
    const again = await t.call({
      method: 'POST',
      url: `/api/v1/patients/${survivor.id}/merge`,
      token: admin.token,
      payload: { duplicateId: duplicate.id },
    });
    expect(again.statusCode).toBe(409);
  });

  describe('a patient reaches only their own record', () => {
    let own: { id: string }, other: { id: string }, portal: SignedIn;
    beforeAll(async () => {
      own = await t.createPatient({ firstName: 'Propia', lastName: 'Paciente Portal' });
      other = await t.createPatient({ firstName: 'Ajena', lastName: 'Paciente Portal' });
      portal = await t.signIn(['patient'], { patientId: own.id });
    });

    it('reads their own record but not another', async () => {
      expect((await t.call({ method: 'GET', url: `/api/v1/patients/${own.id}`, token: portal.token })).statusCode).toBe(
        200,
      );
      const res = await t.call({ method: 'GET', url: `/api/v1/patients/${other.id}`, token: portal.token });
      expect(res.statusCode).toBe(403);
      const denied = await t.database.db.query(
        `select 1 from audit_events where action = 'patient.read' and outcome = 'denied' and patient_id = $1`,
        [other.id],
      );
      expect(denied.rows).toHaveLength(1);
    });

    it('lists and searches only their own record', async () => {
      const list = await t.call({ method: 'GET', url: '/api/v1/patients', token: portal.token });
      expect(list.json().items.map((p: { id: string }) => p.id)).toEqual([own.id]);
      const search = await t.call({ method: 'GET', url: '/api/v1/patients?q=Ajena', token: portal.token });
      expect(search.json().items).toEqual([]);
    });

    it('changes their contact details but nothing else, and never another record', async () => {
      const current = (await t.call({ method: 'GET', url: `/api/v1/patients/${own.id}`, token: portal.token })).json();
      const { id, patientNumber, age, createdAt, updatedAt, ...input } = current;
      const ok = await t.call({
        method: 'PUT',
        url: `/api/v1/patients/${own.id}`,
        token: portal.token,
        payload: { ...input, phone: '+34 644 555 666' },
      });
      expect(ok.statusCode).toBe(200);
      const renamed = await t.call({
        method: 'PUT',
        url: `/api/v1/patients/${own.id}`,
        token: portal.token,
        payload: { ...input, firstName: 'Otra' },
      });
      expect(renamed.statusCode).toBe(403);
      expect(renamed.json().detail).toContain('firstName');
      const foreign = await t.call({
        method: 'PUT',
        url: `/api/v1/patients/${other.id}`,
        token: portal.token,
        payload: { ...input, documentNumber: uniqueDocument() },
      });
      expect(foreign.statusCode).toBe(403);
    });
  });
});
