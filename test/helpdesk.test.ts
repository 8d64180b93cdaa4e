import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventDelivery, startServerDelivery } from '../src/events.js';
import { createTestApp, type SignedIn, type TestApp } from './support/app.js';
import { DATABASES } from './support/databases.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { eventually } from './support/wait.js';

const SECRET = 'inbound-secret-for-tests';

describe.each(DATABASES)('helpdesk (%s)', (kind) => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let delivery: EventDelivery;
  let patient: SignedIn;
  let otherPatient: SignedIn;
  let agent: SignedIn;
  let admin: SignedIn;
  let doctor: SignedIn;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp(kind, {
      SMTP_URL: smtp.url,
      OUTBOX_POLL_MS: '20',
      EVENTS_RETRY_BASE_MS: '20',
      INBOUND_MAIL_SECRET: SECRET,
      INBOUND_MAIL_ADDRESS: 'ayuda@clinica.test',
    });
    delivery = await startServerDelivery(t.config, t.database.db, t.app.clinica.consumers, t.app.log);
    const own = await t.createPatient({ firstName: 'Lucía' });
    patient = await t.signIn(['patient'], { patientId: own.id });
    otherPatient = await t.signIn(['patient'], { patientId: (await t.createPatient()).id });
    agent = await t.signIn(['agent']);
    admin = await t.signIn(['admin']);
    doctor = await t.signIn(['doctor']);
  });

  afterAll(async () => {
    await delivery?.stop();
    await t?.close();
    await smtp?.close();
  });

  const report = async (who: SignedIn, body: Record<string, unknown> = {}) => {
    const res = await t.call({
      method: 'POST',
      url: '/api/v1/incidents',
      token: who.token,
      payload: {
        subject: 'No puedo entrar',
        description: 'Me dice contraseña incorrecta',
        category: 'access',
        ...body,
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };
  const post = (who: SignedIn, id: string, payload: object) =>
    t.call({ method: 'POST', url: `/api/v1/incidents/${id}/articles`, token: who.token, payload });
  const put = (who: SignedIn, id: string, payload: object) =>
    t.call({ method: 'PUT', url: `/api/v1/incidents/${id}`, token: who.token, payload });
  const get = (who: SignedIn, id: string) =>
    t.call({ method: 'GET', url: `/api/v1/incidents/${id}`, token: who.token });
  const list = async (who: SignedIn, query = '') =>
    (await t.call({ method: 'GET', url: `/api/v1/incidents${query}`, token: who.token })).json();
  const mailTo = (email: string, subject: RegExp) =>
    eventually(
      () => smtp.received.find((m) => m.to.toLowerCase() === email.toLowerCase() && subject.test(m.subject)),
      `e-mail to ${email} matching ${subject}`,
    );

  it('numbers incidents INC00001, links a patient’s to their record and computes the SLA due times', async () => {
    const incident = await report(patient, { priority: 'urgent' });
    expect(incident.number).toMatch(/^INC\d{5}$/);
    expect(incident).toMatchObject({ status: 'new', priority: 'urgent', reporter: { userId: patient.userId } });
    expect(incident.patientId).not.toBeNull();
    const created = Date.parse(incident.createdAt);
    expect(Date.parse(incident.sla.firstResponseDueAt) - created).toBe(3_600_000);
    expect(Date.parse(incident.sla.resolutionDueAt) - created).toBe(8 * 3_600_000);
    const second = await report(doctor);
    expect(Number(second.number.slice(3))).toBe(Number(incident.number.slice(3)) + 1);

    const changed = await put(agent, incident.id, { priority: 'low' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(Date.parse(changed.json().sla.firstResponseDueAt) - created).toBe(24 * 3_600_000);
  });

  it('shows a patient their own incidents and public replies, never notes; agents the queue; other staff only theirs', async () => {
    const incident = await report(patient);
    const staff = await t.signIn(['results']);
    const mine = await report(staff, { subject: 'Impresora rota', category: 'technical' });
    expect((await post(agent, incident.id, { kind: 'note', body: 'Nota interna secreta' })).statusCode).toBe(201);
    expect((await post(agent, incident.id, { kind: 'reply', body: 'Ya puede entrar' })).statusCode).toBe(201);

    const seen = (await get(patient, incident.id)).json();
    expect(seen.articles.map((a: { body: string }) => a.body)).toEqual(['Ya puede entrar']);
    const byAgent = (await get(agent, incident.id)).json();
    expect(byAgent.articles.map((a: { kind: string }) => a.kind)).toEqual(['note', 'reply']);
    expect((await get(admin, incident.id)).statusCode).toBe(200);

    expect((await get(otherPatient, incident.id)).statusCode).toBe(404);
    expect((await get(staff, incident.id)).statusCode).toBe(404);
    expect((await post(patient, incident.id, { kind: 'note', body: 'x' })).statusCode).toBe(403);

    const ids = (items: { id: string }[]) => items.map((i) => i.id);
    expect(ids((await list(patient)).items)).toContain(incident.id);
    expect(ids((await list(patient)).items)).not.toContain(mine.id);
    expect(ids((await list(otherPatient)).items)).not.toContain(incident.id);
    expect(ids((await list(staff)).items)).toEqual([mine.id]);
    const queue = ids((await list(agent, '?limit=100')).items);
    expect(queue).toEqual(expect.arrayContaining([incident.id, mine.id]));
    const audited = await t.database.db.query(
      `select 1 from audit_events where action = 'incident.read' and resource_id = $1`,
      [incident.id],
    );
    expect(audited.rows.length).toBeGreaterThan(0);
  });

  it('allows every listed transition and refuses the others with 409 naming the allowed ones', async () => {
    const allowed: [string, string][] = [
      ['new', 'open'],
      ['new', 'pending'],
      ['new', 'resolved'],
      ['new', 'closed'],
      ['open', 'pending'],
      ['open', 'resolved'],
      ['open', 'closed'],
      ['pending', 'open'],
      ['pending', 'resolved'],
      ['pending', 'closed'],
      ['resolved', 'open'],
      ['resolved', 'closed'],
    ];
    const path: Record<string, string[]> = { new: [], open: ['open'], pending: ['pending'], resolved: ['resolved'] };
    for (const [from, to] of allowed) {
      const incident = await report(doctor);
      for (const step of path[from] ?? [])
        expect((await put(agent, incident.id, { status: step })).statusCode).toBe(200);
      const res = await put(agent, incident.id, { status: to });
      expect(res.statusCode, `${from} → ${to}: ${res.body}`).toBe(200);
      expect(res.json().status).toBe(to);
    }
    const closed = await report(doctor);
    await put(agent, closed.id, { status: 'closed' });
    const refused = await put(agent, closed.id, { status: 'open' });
    expect(refused.statusCode).toBe(409);
    const resolved = await report(doctor);
    await put(agent, resolved.id, { status: 'resolved' });
    const back = await put(agent, resolved.id, { status: 'pending' });
    expect(back.statusCode).toBe(409);
    expect(back.json()).toMatchObject({ allowed: ['open', 'closed'] });
    expect(back.json().detail).toContain('open, closed');
    expect((await post(agent, closed.id, { kind: 'reply', body: 'tarde' })).statusCode).toBe(409);
  });

  it('lets the reporter close or reopen a resolved incident, and nothing else', async () => {
    const incident = await report(patient);
    expect((await put(patient, incident.id, { status: 'closed' })).statusCode).toBe(403);
    await put(agent, incident.id, { status: 'resolved' });
    expect((await put(patient, incident.id, { priority: 'urgent' })).statusCode).toBe(403);
    expect((await put(patient, incident.id, { status: 'open' })).json().status).toBe('open');
    await put(agent, incident.id, { status: 'resolved' });
    expect((await put(patient, incident.id, { status: 'closed' })).json().status).toBe('closed');
  });

  it('assigns only active agents and e-mails the assignee', async () => {
    const incident = await report(patient);
    const notAgent = await put(agent, incident.id, { assigneeId: doctor.userId });
    expect(notAgent.statusCode).toBe(400);
    expect(notAgent.json().errors[0].path).toBe('body.assigneeId');
    const other = await t.signIn(['agent']);
    const res = await put(admin, incident.id, { assigneeId: other.userId });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().assignee).toMatchObject({ id: other.userId });
    const mail = await mailTo(other.email, new RegExp(`\\[${incident.number}\\]`));
    expect(mail.text).toContain(`/helpdesk/incidents/${incident.id}`);
    expect(mail.text).not.toContain('contraseña');
    const mine = await list(other, '?assignee=me');
    expect(mine.items.map((i: { id: string }) => i.id)).toEqual([incident.id]);
  });

  it('lists the active agents an agent can route an incident to, and no one else', async () => {
    const colleague = await t.signIn(['agent']);
    const leaving = await t.signIn(['agent']);
    const off = await t.call({
      method: 'PATCH',
      url: `/api/v1/users/${leaving.userId}`,
      token: admin.token,
      payload: { active: false },
    });
    expect(off.statusCode, off.body).toBe(200);
    const res = await t.call({ method: 'GET', url: '/api/v1/incidents/agents', token: agent.token });
    expect(res.statusCode, res.body).toBe(200);
    const ids = res.json().items.map((a: { id: string }) => a.id);
    expect(ids).toContain(colleague.userId);
    expect(ids).not.toContain(leaving.userId);
    expect(ids).not.toContain(doctor.userId);
    expect(res.json().items.find((a: { id: string }) => a.id === colleague.userId).name).toBe(colleague.email);
    expect((await put(agent, (await report(patient)).id, { assigneeId: colleague.userId })).statusCode).toBe(200);
    expect((await t.call({ method: 'GET', url: '/api/v1/incidents/agents', token: patient.token })).statusCode).toBe(
      403,
    );
  });

  it('records the first response, moves new to open, and a reporter reply reopens a pending incident', async () => {
    const incident = await report(patient);
    await post(agent, incident.id, { kind: 'note', body: 'mirando' });
    expect((await get(agent, incident.id)).json().firstResponseAt).toBeNull();
    await post(agent, incident.id, { kind: 'reply', body: '¿Qué navegador usa?' });
    const answered = (await get(agent, incident.id)).json();
    expect(answered.firstResponseAt).not.toBeNull();
    expect(answered.status).toBe('open');
    await put(agent, incident.id, { status: 'pending' });
    expect((await post(patient, incident.id, { kind: 'reply', body: 'Firefox' })).statusCode).toBe(201);
    expect((await get(patient, incident.id)).json().status).toBe('open');
  });

  it('e-mails the reporter on creation and on each public reply (never on notes), and the agents on a new incident', async () => {
    const incident = await report(patient);
    const created = await mailTo(patient.email, new RegExp(`^\\[${incident.number}\\]`));
    expect(created.parsed.replyTo?.text).toContain('ayuda@clinica.test');
    expect(created.text).toContain(`http://clinica.test/portal/incidents/${incident.id}`);
    expect(created.text).not.toContain('No puedo entrar');
    await mailTo(agent.email, new RegExp(`\\[${incident.number}\\]`));

    await post(agent, incident.id, { kind: 'note', body: 'NOTA-INTERNA' });
    await post(agent, incident.id, { kind: 'reply', body: 'Hemos restablecido su acceso' });
    const reply = await mailTo(patient.email, new RegExp(`^\\[${incident.number}\\] Nueva respuesta`));
    expect(reply.subject).toContain(`[${incident.number}]`);
    expect(reply.text).toContain('Hemos restablecido su acceso');
    const all = smtp.received.filter((m) => m.text.includes('NOTA-INTERNA'));
    expect(all).toEqual([]);
  });

  it('tells the assignee when the reporter replies', async () => {
    const incident = await report(patient);
    const assignee = await t.signIn(['agent']);
    await put(agent, incident.id, { assigneeId: assignee.userId });
    await post(patient, incident.id, { kind: 'reply', body: 'Sigue sin funcionar' });
    const mail = await mailTo(assignee.email, /respondido|replied/i);
    expect(mail.subject).toContain(`[${incident.number}]`);
    expect(mail.text).not.toContain('Sigue sin funcionar');
  });

  it('emits incident.sla_breached once per target, even with two runners', async () => {
    const incident = await report(doctor, { priority: 'urgent' });
    const later = new Date(Date.now() + 9 * 3_600_000);
    const counts = await Promise.all([
      t.app.clinica.helpdesk.emitSlaBreaches(later),
      t.app.clinica.helpdesk.emitSlaBreaches(later),
    ]);
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2);
    await t.app.clinica.helpdesk.emitSlaBreaches(later);
    const { rows } = await t.database.db.query<{ target: string }>(
      `select payload->>'target' as target from outbox where type = 'incident.sla_breached' and aggregate_id = $1
        order by 1`,
      [incident.id],
    );
    expect(rows.map((r) => r.target)).toEqual(['first_response', 'resolution']);
    const seen = (await get(agent, incident.id)).json();
    expect(seen.sla).toMatchObject({ firstResponseBreached: true, resolutionBreached: true });
    const summary = await t.call({ method: 'GET', url: '/api/v1/incidents/summary', token: agent.token });
    expect(summary.json().breached).toBeGreaterThan(0);
  });

  it('adds an e-mailed reply from the reporter, once per Message-ID, and refuses a wrong secret or sender', async () => {
    const incident = await report(patient);
    const inbound = (payload: object, secret = SECRET) =>
      t.call({
        method: 'POST',
        url: '/api/v1/incidents/inbound-email',
        headers: { 'x-clinica-inbound-secret': secret },
        payload,
      });
    const mail = {
      from: `Lucía <${patient.email.toUpperCase()}>`,
      subject: `Re: [${incident.number}] Hemos recibido su incidencia`,
      text: 'Gracias, ya funciona\n\n> texto citado',
      messageId: `<${incident.id}@mail.test>`,
    };
    expect((await inbound(mail, 'wrong-secret')).statusCode).toBe(401);
    const first = await inbound(mail);
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json()).toEqual({ incident: incident.number, accepted: true });
    expect((await inbound(mail)).json()).toEqual({ incident: incident.number, accepted: true });
    const stranger = await inbound({ ...mail, from: 'someone@else.test', messageId: '<x@mail.test>' });
    expect(stranger.json()).toEqual({ incident: incident.number, accepted: false });
    const articles = (await get(patient, incident.id)).json().articles;
    expect(articles).toHaveLength(1);
    expect(articles[0]).toMatchObject({ body: 'Gracias, ya funciona', via: 'email', author: { role: 'reporter' } });
  });

  it('takes public reports by e-mail address only', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/api/v1/incidents/public',
      payload: {
        name: 'Ana',
        email: 'ana@example.test',
        subject: 'Factura',
        description: 'Duplicada',
        category: 'billing',
      },
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().number).toMatch(/^INC\d{5}$/);
    await mailTo('ana@example.test', new RegExp(`\\[${res.json().number}\\]`));
  });
});
