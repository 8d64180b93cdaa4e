import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../src/server.js';
import { countRows, createTestApp, type SignedIn, type TestApp } from './support/app.js';
import { DATABASES } from './support/databases.js';
import {
  bookAppointment,
  createPractitioner,
  createTreatment,
  everyDay,
  inHours,
  localDate,
  localInstant,
  slot,
} from './support/scheduling.js';

const TABLES = ['appointments', 'practitioner_bookings', 'outbox', 'audit_events'] as const;

describe.each(DATABASES)('scheduling on %s', (kind) => {
  let t: TestApp;
  let desk: SignedIn;
  let admin: SignedIn;

  beforeAll(async () => {
    t = await createTestApp(kind);
    [desk, admin] = await Promise.all([t.signIn(['admissions']), t.signIn(['admin'])]);
  });
  afterAll(() => t.close());

  const book = (payload: object, token = desk.token) =>
    t.call({ method: 'POST', url: '/api/v1/appointments', payload, token });
  const post = (id: string, action: string, token = desk.token, payload?: object) =>
    t.call({ method: 'POST', url: `/api/v1/appointments/${id}/${action}`, token, ...(payload ? { payload } : {}) });
  const availability = async (practitionerId: string, query: string, token = desk.token) => {
    const res = await t.call({
      method: 'GET',
      url: `/api/v1/practitioners/${practitionerId}/availability?${query}`,
      token,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().slots as { start: string; end: string }[];
  };
  const counts = async () => Object.fromEntries(await Promise.all(TABLES.map(async (n) => [n, await countRows(t, n)])));
  const lastEvent = async () =>
    (
      await t.database.db.query<{ type: string; patient_id: string; payload: Record<string, unknown> }>(
        'select type, patient_id, payload from outbox order by occurred_at desc, id desc limit 1',
      )
    ).rows[0];
  const eventsOf = async (appointmentId: string) =>
    (
      await t.database.db.query<{ type: string }>(
        `select type from outbox where aggregate_id = $1 order by occurred_at, type`,
        [appointmentId],
      )
    ).rows.map((r) => r.type);

  describe('catalogue and practitioners', () => {
    it('keeps treatment costs as exact decimal strings and refuses a taken code', async () => {
      const payload = { code: 'BLANQ-1', name: 'Blanqueamiento', durationMinutes: 60, cost: '199.9', isDental: true };
      const res = await t.call({ method: 'POST', url: '/api/v1/treatments', token: admin.token, payload });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ cost: '199.90', durationMinutes: 60, active: true });
      const again = await t.call({
        method: 'POST',
        url: '/api/v1/treatments',
        token: admin.token,
        payload: { ...payload, code: 'blanq-1' },
      });
      expect(again.statusCode).toBe(409);
      const float = await t.call({
        method: 'POST',
        url: '/api/v1/treatments',
        token: admin.token,
        payload: { ...payload, code: 'X2', cost: 19.99 },
      });
      expect(float.statusCode).toBe(400);
      const patient = await t.signIn(['patient'], { patientId: (await t.createPatient()).id });
      const list = await t.call({ method: 'GET', url: '/api/v1/treatments', token: patient.token });
      expect(list.json().items.find((i: { code: string }) => i.code === 'BLANQ-1')?.cost).toBe('199.90');
    });

    it('validates weekly hours: start before end, no overlap on a day', async () => {
      const p = await createPractitioner(t);
      const put = (workingHours: object[]) =>
        t.call({
          method: 'PUT',
          url: `/api/v1/practitioners/${p.id}/hours`,
          token: admin.token,
          payload: { workingHours },
        });
      const backwards = await put([{ dayOfWeek: 1, start: '13:00', end: '09:00' }]);
      expect(backwards.statusCode).toBe(400);
      expect(backwards.json().errors[0].path).toBe('body.workingHours.0.end');
      const overlap = await put([
        { dayOfWeek: 2, start: '09:00', end: '13:00' },
        { dayOfWeek: 2, start: '12:00', end: '15:00' },
      ]);
      expect(overlap.statusCode).toBe(400);
      expect(overlap.json().errors[0].path).toBe('body.workingHours.1');
      const ok = await put([
        { dayOfWeek: 2, start: '15:00', end: '19:00' },
        { dayOfWeek: 2, start: '09:00', end: '13:00' },
        { dayOfWeek: 5, start: '09:00', end: '13:00' },
      ]);
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json().workingHours).toEqual([
        { dayOfWeek: 2, start: '09:00', end: '13:00' },
        { dayOfWeek: 2, start: '15:00', end: '19:00' },
        { dayOfWeek: 5, start: '09:00', end: '13:00' },
      ]);
      expect(await lastEvent()).toMatchObject({ type: 'practitioner.updated', payload: { practitionerId: p.id } });
    });

    it('links an account to one practitioner only', async () => {
      const doctor = await t.signIn(['doctor']);
      const create = (name: string) =>
        t.call({
          method: 'POST',
          url: '/api/v1/practitioners',
          token: admin.token,
          payload: { name, userId: doctor.userId },
        });
      const first = await create('Dr. Enlazado');
      expect(first.statusCode, first.body).toBe(201);
      expect(first.json()).toMatchObject({ userId: doctor.userId, isDentist: false, workingHours: [] });
      const before = await counts();
      const second = await create('Dr. Repetido');
      expect(second.statusCode).toBe(409);
      expect(second.json().detail).toContain('Dr. Enlazado');
      expect(await counts()).toEqual(before);
    });
  });

  describe('availability', () => {
    it('is working hours minus appointments and exceptions, in slots as long as the treatment', async () => {
      const p = await createPractitioner(t, { hours: [...everyDay('09:00', '11:00'), ...everyDay('16:00', '17:00')] });
      const date = localDate(10);
      const at = (time: string) => localInstant(t, date, time);
      const all = await availability(p.id, `date=${date}`);
      expect(all.map((s) => s.start)).toEqual(
        await Promise.all(['09:00', '09:30', '10:00', '10:30', '16:00', '16:30'].map(at)),
      );
      const patient = await t.createPatient();
      await bookAppointment(t, {
        patientId: patient.id,
        practitionerId: p.id,
        start: await at('09:30'),
        end: await at('10:00'),
      });
      await t.app.clinica.practitioners.addException(
        p.id,
        { start: await at('16:15'), end: await at('16:45'), reason: 'Sesión clínica' },
        SYSTEM_CONTEXT,
      );
      const free = await availability(p.id, `date=${date}`);
      expect(free.map((s) => s.start)).toEqual(await Promise.all(['09:00', '10:00', '10:30'].map(at)));
      const treatment = await createTreatment(t, 60);
      const long = await availability(p.id, `date=${date}&treatmentId=${treatment.id}`);
      expect(long).toEqual([{ start: await at('10:00'), end: await at('11:00') }]);
      // 20-minute slots from 09:00: 09:20 and 09:40 touch the booking, the afternoon the exception.
      expect((await availability(p.id, `date=${date}&durationMinutes=20`)).map((s) => s.start)).toEqual(
        await Promise.all(['09:00', '10:00', '10:20', '10:40'].map(at)),
      );
    });

    it('offers nothing on a whole-day exception, and the slots again once it is removed', async () => {
      const p = await createPractitioner(t, { hours: everyDay('09:00', '10:00') });
      const date = localDate(12);
      const res = await t.call({
        method: 'POST',
        url: `/api/v1/practitioners/${p.id}/exceptions`,
        token: admin.token,
        payload: { startDate: date, endDate: date, reason: 'Vacaciones' },
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ startDate: date, endDate: date, start: await localInstant(t, date, '00:00') });
      expect(await availability(p.id, `date=${date}`)).toEqual([]);
      expect((await availability(p.id, `date=${localDate(13)}`)).length).toBe(2);
      const listed = await t.call({
        method: 'GET',
        url: `/api/v1/practitioners/${p.id}/exceptions`,
        token: desk.token,
      });
      expect(listed.json().items.map((x: { reason: string }) => x.reason)).toEqual(['Vacaciones']);
      const removed = await t.call({
        method: 'DELETE',
        url: `/api/v1/practitioners/${p.id}/exceptions/${res.json().id}`,
        token: admin.token,
      });
      expect(removed.statusCode).toBe(204);
      expect((await availability(p.id, `date=${date}`)).length).toBe(2);
    });

    it('follows the local clock on the days daylight saving time starts and ends', async () => {
      const p = await createPractitioner(t, { hours: everyDay('00:00', '04:00') });
      const [spring, autumn] = nextDstChanges();
      const springSlots = await availability(p.id, `date=${spring}&durationMinutes=60`);
      // 00:00 to 04:00 local is three hours when the clocks jump from 02:00 to 03:00.
      expect(springSlots.map((s) => s.start)).toEqual([
        await localInstant(t, spring, '00:00'),
        await localInstant(t, spring, '01:00'),
        await localInstant(t, spring, '03:00'),
      ]);
      expect(springSlots[0]?.start).toMatch(/T23:00:00.000Z$/);
      expect(springSlots[2]?.start).toMatch(/T01:00:00.000Z$/);
      // ... and five when they go back from 03:00 to 02:00.
      expect((await availability(p.id, `date=${autumn}&durationMinutes=60`)).length).toBe(5);
    });

    it('never offers a slot in the past', async () => {
      const p = await createPractitioner(t);
      const today = await availability(p.id, `date=${localDate(0)}`);
      const now = Date.now();
      expect(today.every((s) => Date.parse(s.start) >= now - 1000)).toBe(true);
      expect(today.length).toBeLessThanOrEqual(
        Math.ceil((Date.parse(await localInstant(t, localDate(1), '00:00')) - now) / 1_800_000),
      );
      expect(await availability(p.id, `date=${localDate(-1)}`)).toEqual([]);
      expect((await availability(p.id, `date=${localDate(2)}`)).length).toBeGreaterThanOrEqual(46);
    });
  });

  describe('booking', () => {
    it('books with the next number, the patient category, the booking user, its audit entry and its event', async () => {
      const p = await createPractitioner(t);
      const patient = await t.createPatient({ category: 'returning' });
      const treatment = await createTreatment(t);
      const before = await counts();
      const res = await book({
        patientId: patient.id,
        practitionerId: p.id,
        ...slot(3, 20),
        treatmentIds: [treatment.id, treatment.id],
        type: 'follow_up',
        notes: 'Revisión',
      });
      expect(res.statusCode, res.body).toBe(201);
      const a = res.json();
      expect(a).toMatchObject({
        number: expect.stringMatching(/^APT\/\d{5}$/),
        patientId: patient.id,
        practitionerId: p.id,
        ...slot(3, 20),
        status: 'booked',
        type: 'follow_up',
        patientCategory: 'returning',
        treatmentIds: [treatment.id],
        responsibleUserId: desk.userId,
        notes: 'Revisión',
      });
      expect(await counts()).toEqual({
        appointments: before.appointments + 1,
        practitioner_bookings: before.practitioner_bookings + 1,
        outbox: before.outbox + 1,
        audit_events: before.audit_events + 1,
      });
      expect(await lastEvent()).toEqual({
        type: 'appointment.booked',
        patient_id: patient.id,
        payload: { appointmentId: a.id, patientId: patient.id, practitionerId: p.id },
      });
      const next = await book({ patientId: patient.id, practitionerId: p.id, ...slot(3, 21) });
      expect(Number(next.json().number.slice(4))).toBe(Number(a.number.slice(4)) + 1);
      const read = await t.call({ method: 'GET', url: `/api/v1/appointments/${a.id}`, token: desk.token });
      expect(read.json()).toEqual(a);
    });

    it('refuses a taken slot, a time outside working hours or inside an exception, and a busy patient, writing nothing', async () => {
      const p = await createPractitioner(t, { hours: everyDay('09:00', '14:00'), input: { name: 'Dr. Ocupado' } });
      const date = localDate(5);
      const at = (time: string) => localInstant(t, date, time);
      const [ana, luis] = [await t.createPatient(), await t.createPatient()];
      const taken = { start: await at('10:00'), end: await at('10:30') };
      expect((await book({ patientId: ana.id, practitionerId: p.id, ...taken })).statusCode).toBe(201);
      await t.app.clinica.practitioners.addException(
        p.id,
        { start: await at('12:00'), end: await at('13:00'), reason: 'Formación' },
        SYSTEM_CONTEXT,
      );
      const other = await createPractitioner(t);
      const before = await counts();
      const overlapping = await book({
        patientId: luis.id,
        practitionerId: p.id,
        start: await at('10:15'),
        end: await at('10:45'),
      });
      expect(overlapping.statusCode).toBe(409);
      expect(overlapping.headers['content-type']).toContain('application/problem+json');
      expect(overlapping.json()).toMatchObject({ code: 'slot_taken', practitionerId: p.id });
      expect(overlapping.json().detail).toBe(
        `Dr. Ocupado is already booked between ${date} 10:15 and 10:45 (Europe/Madrid).`,
      );
      const late = await book({
        patientId: luis.id,
        practitionerId: p.id,
        start: await at('13:45'),
        end: await at('14:15'),
      });
      expect(late.json()).toMatchObject({ status: 409, code: 'outside_working_hours' });
      const away = await book({
        patientId: luis.id,
        practitionerId: p.id,
        start: await at('12:30'),
        end: await at('13:00'),
      });
      expect(away.json()).toMatchObject({ status: 409, code: 'practitioner_unavailable' });
      expect(away.json().detail).toContain('Formación');
      const busy = await book({
        patientId: ana.id,
        practitionerId: other.id,
        start: await at('10:20'),
        end: await at('10:40'),
      });
      expect(busy.json()).toMatchObject({ status: 409, code: 'patient_busy' });
      const free = { start: await at('11:00'), end: await at('11:30') };
      const unknownTreatment = await book({ patientId: luis.id, practitionerId: p.id, ...free, treatmentIds: [p.id] });
      expect(unknownTreatment.statusCode).toBe(400);
      expect(unknownTreatment.json().errors[0].path).toBe('body.treatmentIds.0');
      expect(await counts()).toEqual(before);
      // Meeting the taken slot end to start is not an overlap.
      expect(
        (await book({ patientId: luis.id, practitionerId: p.id, start: await at('10:30'), end: await at('11:00') }))
          .statusCode,
      ).toBe(201);
    });

    it('gives one of 50 concurrent bookings of one slot to one patient and answers 409 to the 49 others', async () => {
      const p = await createPractitioner(t, { input: { name: 'Dra. Concurrida' } });
      const patients = await Promise.all(Array.from({ length: 50 }, () => t.createPatient()));
      const sessions = await Promise.all(patients.map((pt) => t.signIn(['patient'], { patientId: pt.id })));
      const wanted = slot(4, 30);
      const before = await counts();
      const answers = await Promise.all(
        patients.map((pt, i) => book({ patientId: pt.id, practitionerId: p.id, ...wanted }, sessions[i]?.token)),
      );
      const statuses = answers.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(49);
      for (const refused of answers.filter((r) => r.statusCode === 409)) {
        expect(refused.json()).toMatchObject({ code: 'slot_taken', practitionerId: p.id, ...wanted });
        expect(refused.json().detail).toMatch(/^Dra\. Concurrida is already booked between/);
      }
      const after = await counts();
      expect(after.appointments - before.appointments).toBe(1);
      expect(after.practitioner_bookings - before.practitioner_bookings).toBe(1);
      expect(after.outbox - before.outbox).toBe(1);
      expect(after.audit_events - before.audit_events).toBe(1);
    });
  });

  describe('changes and transitions', () => {
    it('checks in, completes, and refuses transitions the status does not allow', async () => {
      const p = await createPractitioner(t);
      const patient = await t.createPatient();
      const a = await bookAppointment(t, { patientId: patient.id, practitionerId: p.id, ...slot(2, 10) });
      expect((await post(a.id, 'done')).statusCode).toBe(409);
      expect((await post(a.id, 'no-show')).json().detail).toMatch(/not started yet/);
      expect((await post(a.id, 'confirm')).json().status).toBe('confirmed');
      const checkedIn = await post(a.id, 'check-in');
      expect(checkedIn.json()).toMatchObject({ status: 'checked_in', checkedInAt: expect.any(String) });
      expect((await post(a.id, 'cancel', desk.token, { reason: 'x' })).statusCode).toBe(409);
      const done = await post(a.id, 'done');
      expect(done.json().status).toBe('done');
      const before = await counts();
      for (const action of ['check-in', 'no-show', 'done', 'confirm']) {
        const res = await post(a.id, action);
        expect(res.statusCode, action).toBe(409);
        expect(res.json().detail).toContain('is done');
      }
      expect(await counts()).toEqual(before);
      expect(await eventsOf(a.id)).toEqual([
        'appointment.booked',
        'appointment.confirmed',
        'appointment.checked_in',
        'appointment.completed',
      ]);
    });

    it('marks a past appointment as a no-show', async () => {
      const p = await createPractitioner(t);
      const patient = await t.createPatient();
      const a = await bookAppointment(t, { patientId: patient.id, practitionerId: p.id, ...slot(-1, 20) });
      const res = await post(a.id, 'no-show');
      expect(res.json().status).toBe('no_show');
      expect(await lastEvent()).toMatchObject({ type: 'appointment.no_show', payload: { appointmentId: a.id } });
    });

    it('cancelling frees the time; rescheduling moves the booking and books it again', async () => {
      const p = await createPractitioner(t);
      const [ana, luis] = [await t.createPatient(), await t.createPatient()];
      const first = await bookAppointment(t, { patientId: ana.id, practitionerId: p.id, ...slot(6, 10) });
      await post(first.id, 'confirm');
      const moved = await t.call({
        method: 'PATCH',
        url: `/api/v1/appointments/${first.id}`,
        token: desk.token,
        payload: { ...slot(6, 12), notes: 'Cambio' },
      });
      expect(moved.statusCode, moved.body).toBe(200);
      expect(moved.json()).toMatchObject({ ...slot(6, 12), status: 'booked', notes: 'Cambio' });
      expect(await lastEvent()).toMatchObject({ type: 'appointment.changed', payload: { appointmentId: first.id } });
      // The old time is free, the new one is taken.
      expect((await book({ patientId: luis.id, practitionerId: p.id, ...slot(6, 12) })).json().code).toBe('slot_taken');
      const second = await book({ patientId: luis.id, practitionerId: p.id, ...slot(6, 10) });
      expect(second.statusCode).toBe(201);
      const clash = await t.call({
        method: 'PATCH',
        url: `/api/v1/appointments/${first.id}`,
        token: desk.token,
        payload: slot(6, 10),
      });
      expect(clash.json().code).toBe('slot_taken');
      const cancelled = await post(second.json().id, 'cancel', desk.token, { reason: 'Enfermo' });
      expect(cancelled.json()).toMatchObject({
        status: 'cancelled',
        cancellationReason: 'Enfermo',
        cancelledBy: 'staff',
      });
      expect(await lastEvent()).toMatchObject({ type: 'appointment.cancelled', payload: { cancelledBy: 'staff' } });
      const rebooked = await book({ patientId: ana.id, practitionerId: p.id, ...slot(6, 10) });
      expect(rebooked.statusCode, rebooked.body).toBe(201);
      const again = await t.call({
        method: 'PATCH',
        url: `/api/v1/appointments/${second.json().id}`,
        token: desk.token,
        payload: { notes: 'x' },
      });
      expect(again.statusCode).toBe(409);
    });

    it('lists by practitioner, patient, status and time, page by page', async () => {
      const p = await createPractitioner(t);
      const patient = await t.createPatient();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await bookAppointment(t, { patientId: patient.id, practitionerId: p.id, ...slot(8, 40 - i) })).id);
      }
      await post(ids[0] as string, 'cancel', desk.token, { reason: 'x' });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/v1/appointments?practitionerId=${p.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const body: { items: { id: string }[]; nextCursor: string | null } = (
          await t.call({ method: 'GET', url, token: desk.token })
        ).json();
        seen.push(...body.items.map((a) => a.id));
        cursor = body.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
      const booked = await t.call({
        method: 'GET',
        url: `/api/v1/appointments?patientId=${patient.id}&status=booked&from=${slot(8, 37).start}&to=${slot(8, 40).start}`,
        token: desk.token,
      });
      expect(booked.json().items.map((a: { id: string }) => a.id)).toEqual([ids[3], ids[2], ids[1]]);
      const cancelled = await t.call({
        method: 'GET',
        url: `/api/v1/appointments?practitionerId=${p.id}&status=cancelled`,
        token: desk.token,
      });
      expect(cancelled.json().items.map((a: { id: string }) => a.id)).toEqual([ids[0]]);
    });
  });

  describe('patients', () => {
    it('see, book and cancel only their own appointments, not in the past nor after the cut-off', async () => {
      const p = await createPractitioner(t);
      const [own, other] = [await t.createPatient(), await t.createPatient()];
      const me = await t.signIn(['patient'], { patientId: own.id });
      const theirs = await bookAppointment(t, { patientId: other.id, practitionerId: p.id, ...slot(9, 2) });
      const mine = await book({ patientId: own.id, practitionerId: p.id, ...slot(9, 4) }, me.token);
      expect(mine.statusCode, mine.body).toBe(201);
      expect(mine.json().responsibleUserId).toBe(me.userId);

      const list = await t.call({ method: 'GET', url: '/api/v1/appointments', token: me.token });
      expect(list.json().items.map((a: { id: string }) => a.id)).toEqual([mine.json().id]);
      const denied = await counts();
      expect(
        (await t.call({ method: 'GET', url: `/api/v1/appointments?patientId=${other.id}`, token: me.token }))
          .statusCode,
      ).toBe(403);
      expect(
        (await t.call({ method: 'GET', url: `/api/v1/appointments/${theirs.id}`, token: me.token })).statusCode,
      ).toBe(403);
      expect((await post(theirs.id, 'cancel', me.token, { reason: 'x' })).statusCode).toBe(403);
      expect((await book({ patientId: other.id, practitionerId: p.id, ...slot(9, 8) }, me.token)).statusCode).toBe(403);
      const after = await counts();
      // Each refusal is audited, and nothing else is written.
      expect(after).toEqual({ ...denied, audit_events: denied.audit_events + 4 });
      const { rows } = await t.database.db.query<{ action: string; outcome: string }>(
        `select action, outcome from audit_events where patient_id = $1 and outcome = 'denied' order by id`,
        [other.id],
      );
      expect(rows.map((r) => r.action)).toEqual([
        'appointment.search',
        'appointment.read',
        'appointment.cancel',
        'appointment.create',
      ]);

      const past = await book({ patientId: own.id, practitionerId: p.id, ...slot(-1, 4) }, me.token);
      expect(past.statusCode).toBe(422);
      const soon = await bookAppointment(t, {
        patientId: own.id,
        practitionerId: p.id,
        start: inHours(3),
        end: inHours(3.5),
      });
      const late = await post(soon.id, 'cancel', me.token, { reason: 'No puedo' });
      expect(late.statusCode).toBe(409);
      expect(late.json()).toMatchObject({ code: 'cancel_cutoff' });
      expect(late.json().detail).toContain('24 hours');
      const cancelled = await post(mine.json().id, 'cancel', me.token, { reason: 'No puedo' });
      expect(cancelled.json()).toMatchObject({ status: 'cancelled', cancelledBy: 'patient' });
      expect(await lastEvent()).toMatchObject({
        type: 'appointment.cancelled',
        payload: { appointmentId: mine.json().id, cancelledBy: 'patient' },
      });
      // Staff may still cancel within the cut-off.
      expect((await post(soon.id, 'cancel', desk.token, { reason: 'Llamó' })).statusCode).toBe(200);
    });

    it('audits reads of appointments with the patient they concern', async () => {
      const p = await createPractitioner(t);
      const patient = await t.createPatient();
      const a = await bookAppointment(t, { patientId: patient.id, practitionerId: p.id, ...slot(9, 30) });
      await t.call({ method: 'GET', url: `/api/v1/appointments/${a.id}`, token: desk.token });
      const { rows } = await t.database.db.query<{ action: string; actor_id: string; resource_id: string }>(
        `select action, actor_id, resource_id from audit_events where patient_id = $1 order by id desc limit 1`,
        [patient.id],
      );
      expect(rows[0]).toEqual({ action: 'appointment.read', actor_id: desk.userId, resource_id: a.id });
    });
  });

  it('moves appointments, with their hold on the diary, when their patient is merged', async () => {
    const p = await createPractitioner(t);
    const [survivor, duplicate, third] = [await t.createPatient(), await t.createPatient(), await t.createPatient()];
    const a = await bookAppointment(t, { patientId: duplicate.id, practitionerId: p.id, ...slot(7, 6) });
    const merged = await t.call({
      method: 'POST',
      url: `/api/v1/patients/${survivor.id}/merge`,
      token: desk.token,
      payload: { duplicateId: duplicate.id },
    });
    expect(merged.statusCode, merged.body).toBe(200);
    const read = await t.call({ method: 'GET', url: `/api/v1/appointments/${a.id}`, token: desk.token });
    expect(read.json()).toMatchObject({ id: a.id, number: a.number, patientId: survivor.id });
    const listed = await t.call({
      method: 'GET',
      url: `/api/v1/appointments?patientId=${survivor.id}`,
      token: desk.token,
    });
    expect(listed.json().items.map((x: { id: string }) => x.id)).toEqual([a.id]);
    const left = await t.database.db.query('select 1 from appointments where patient_id = $1', [duplicate.id]);
    expect(left.rows).toEqual([]);
    expect((await book({ patientId: third.id, practitionerId: p.id, ...slot(7, 6) })).json().code).toBe('slot_taken');
    expect((await post(a.id, 'cancel', desk.token, { reason: 'Duplicado' })).statusCode).toBe(200);
  });

  describe('reminders', () => {
    it('emits one reminder per due appointment, once, however often and however concurrently it runs', async () => {
      // Reminders look at every appointment: start from a diary without due ones.
      await t.app.clinica.scheduling.emitDueReminders(new Date(), 48);
      const p = await createPractitioner(t);
      const due = [];
      for (let i = 0; i < 6; i++) {
        const patient = await t.createPatient();
        due.push(
          await bookAppointment(t, {
            patientId: patient.id,
            practitionerId: p.id,
            start: inHours(2 + i),
            end: inHours(2.5 + i),
          }),
        );
      }
      const later = await bookAppointment(t, {
        patientId: (await t.createPatient()).id,
        practitionerId: p.id,
        start: inHours(40),
        end: inHours(40.5),
      });
      const cancelled = due.pop() as { id: string };
      await post(cancelled.id, 'cancel', desk.token, { reason: 'x' });
      const reminders = () => countRows(t, `outbox where type = 'appointment.reminder'`);
      const before = await reminders();

      const scheduling = t.app.clinica.scheduling;
      const runs = await Promise.all([1, 2, 3].map(() => scheduling.emitDueReminders(new Date(), 24)));
      expect(runs.reduce((a, b) => a + b, 0)).toBe(5);
      expect(await scheduling.emitDueReminders(new Date(), 24)).toBe(0);
      expect((await reminders()) - before).toBe(5);
      const { rows } = await t.database.db.query<{
        aggregate_id: string;
        patient_id: string;
        payload: { practitionerId: string };
      }>(
        `select aggregate_id, patient_id, payload from outbox where type = 'appointment.reminder' order by occurred_at desc limit 5`,
      );
      expect(rows.map((r) => r.aggregate_id).sort()).toEqual(due.map((a) => a.id).sort());
      expect(rows.every((r) => r.payload.practitionerId === p.id)).toBe(true);
      const reminded = await t.call({ method: 'GET', url: `/api/v1/appointments/${due[0]?.id}`, token: desk.token });
      expect(reminded.json().reminderSentAt).toEqual(expect.any(String));

      // A moved appointment is reminded again; the later one when its time comes.
      await t.call({
        method: 'PATCH',
        url: `/api/v1/appointments/${due[0]?.id}`,
        token: desk.token,
        payload: { start: inHours(10), end: inHours(10.5) },
      });
      expect(await scheduling.emitDueReminders(new Date(), 24)).toBe(1);
      expect(await scheduling.emitDueReminders(new Date(Date.now() + 20 * 3_600_000), 24)).toBe(1);
      expect(await eventsOf(later.id)).toEqual(['appointment.booked', 'appointment.reminder']);
    });
  });
});

/** The next spring and autumn days on which Europe/Madrid changes its clocks (last Sundays of March and October). */
function nextDstChanges(): [string, string] {
  const lastSunday = (year: number, month: number) => {
    const d = new Date(Date.UTC(year, month + 1, 0));
    d.setUTCDate(d.getUTCDate() - d.getUTCDay());
    return d.toISOString().slice(0, 10);
  };
  const today = new Date().toISOString().slice(0, 10);
  const year = new Date().getUTCFullYear();
  const next = (month: number) => [year, year + 1].map((y) => lastSunday(y, month)).find((d) => d > today) as string;
  return [next(2), next(9)];
}
