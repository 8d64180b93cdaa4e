import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Language,
  type MailContext,
  renderMail,
  TEMPLATE_NAMES,
  type TemplateData,
  type TemplateName,
} from '../src/modules/notifications/templates.js';
import { html } from '../src/platform/mail/html.js';
import { createMailTransport, type MailMessage, MailSendError } from '../src/platform/mail/transport.js';

const CONTEXT: MailContext = {
  clinicName: 'Clínica Universitaria',
  publicUrl: 'https://clinica.example.org',
  timeZone: 'Europe/Madrid',
};
const FROM = 'Clínica Universitaria <no-reply@clinica.local>';
const LANGUAGES: Language[] = ['es', 'en'];

const appointment = {
  name: 'Lucía',
  number: 'APT/00012',
  startsAt: '2026-03-02T09:30:00Z',
  endsAt: '2026-03-02T10:00:00Z',
  practitioner: 'Dra. Marta Núñez',
};

const SAMPLES: { [T in TemplateName]: TemplateData[T] } = {
  'account-created': { name: 'Lucía', email: 'lucia@example.org' },
  'password-changed': { name: 'Lucía', changedAt: '2026-03-02T09:30:00Z' },
  'password-reset': {
    name: null,
    resetUrl: 'https://clinica.example.org/reset-password#token=abc.def',
    expiresMinutes: 30,
  },
  'mfa-changed': { name: 'Lucía', enabled: true, changedAt: '2026-03-02T09:30:00Z' },
  'appointment-booked': appointment,
  'appointment-changed': appointment,
  'appointment-cancelled': appointment,
  'appointment-reminder': appointment,
  'backup-failed': {
    name: null,
    startedAt: '2026-03-02T02:00:00Z',
    trigger: 'schedule',
    destination: 'https://***@cloud.example.org/remote.php/dav/files/backup/clinica',
    error: 'the archive could not be written to the destination: the storage is full',
  },
  'incident-created': { name: 'Lucía', number: 'INC00012', incidentId: '0b7e1f2a-4c1d-4e5f-9a6b-7c8d9e0f1a2b' },
  'incident-reply': {
    name: 'Lucía',
    number: 'INC00012',
    incidentId: '0b7e1f2a-4c1d-4e5f-9a6b-7c8d9e0f1a2b',
    reply: 'Hemos revisado su cuenta <b>y ya puede entrar</b>.',
  },
  'incident-new': { name: null, number: 'INC00012', incidentId: '0b7e1f2a-4c1d-4e5f-9a6b-7c8d9e0f1a2b' },
  'incident-assigned': { name: null, number: 'INC00012', incidentId: '0b7e1f2a-4c1d-4e5f-9a6b-7c8d9e0f1a2b' },
  'incident-reporter-replied': { name: null, number: 'INC00012', incidentId: '0b7e1f2a-4c1d-4e5f-9a6b-7c8d9e0f1a2b' },
  'purchase-order-confirmed': {
    name: 'Distribuciones Farmacéuticas Núñez',
    number: 'P00012',
    expectedOn: '2026-06-15',
    lines: [
      {
        product: 'Ibuprofeno 600 mg',
        unit: 'caja',
        quantity: '3.000',
        unitCost: '2.3350',
        taxRate: '15.00',
        total: '8.06',
      },
      {
        product: 'Gasas <estériles>',
        unit: 'paquete',
        quantity: '2.500',
        unitCost: '1.0000',
        taxRate: '0.00',
        total: '2.50',
      },
    ],
    subtotal: '9.51',
    taxTotal: '1.05',
    total: '10.56',
  },
  'invoice-issued': { name: 'Lucía', number: 'F2026/00042', issuedOn: '2026-03-02', total: '1234.5' },
  'stock-low': { name: null, productName: 'Ibuprofeno 600 mg', onHand: '12.500', minStock: '20.000', unit: 'caja' },
  'stock-expiring': {
    name: 'Begoña',
    productName: 'Amoxicilina 500 mg',
    lotNumber: 'L-2026-Ñ1',
    expiresOn: '2026-05-01',
    quantity: '30.000',
    unit: 'caja',
  },
};

let sequence = 0;
const newMessageId = () => `<${Date.now()}.${++sequence}.test@clinica.local>`;

function messageFor<T extends TemplateName>(template: T, language: Language, data: TemplateData[T]): MailMessage {
  return {
    from: FROM,
    to: 'lucia@example.org',
    messageId: newMessageId(),
    language,
    headers: { 'Auto-Submitted': 'auto-generated' },
    ...renderMail(template, language, data, CONTEXT),
  };
}

const firstAddress = (to: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(to) ? to[0] : to)?.value[0]?.address;

/** A local port nothing listens on: bound once, then released. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

interface Refusal {
  at: 'rcpt' | 'data';
  code: number;
  text: string;
}

/** A real SMTP server on a random local port, keeping every message it accepts. */
async function startSmtpServer() {
  const received: { raw: Buffer; user: unknown }[] = [];
  let refusal: Refusal | null = null;
  const refuse = (at: Refusal['at']) =>
    refusal?.at === at ? Object.assign(new Error(refusal.text), { responseCode: refusal.code }) : null;
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'clinica' && auth.password === 's3cret') callback(null, { user: auth.username });
      else callback(new Error('Invalid credentials'));
    },
    onRcptTo(_address, _session, callback) {
      callback(refuse('rcpt'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const error = refuse('data');
        if (!error) received.push({ raw: Buffer.concat(chunks), user: session.user });
        callback(error);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    received,
    setRefusal: (value: Refusal | null) => {
      refusal = value;
    },
    last: async (): Promise<ParsedMail> => simpleParser(received.at(-1)!.raw),
    close: () => new Promise<void>((resolve) => server.close(resolve)),
  };
}

describe('smtp transport against a real SMTP server', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let transport: ReturnType<typeof createMailTransport>;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    transport = createMailTransport({
      smtpUrl: `smtp://clinica:s3cret@127.0.0.1:${smtp.port}`,
      dataDir: '/nonexistent',
    });
  });
  afterAll(async () => {
    await transport.close();
    await smtp.close();
  });

  const cases = TEMPLATE_NAMES.flatMap((template) => LANGUAGES.map((language) => [template, language] as const));

  it.each(cases)(
    'sends %s in %s: addresses, subject, both parts, accents, Message-ID, Content-Language',
    async (template, language) => {
      const message = messageFor(template, language, SAMPLES[template] as never);
      const sent = await transport.send(message);
      expect(sent.providerMessageId).toMatch(/^250/);

      const mail = await smtp.last();
      expect(smtp.received.at(-1)!.user).toBe('clinica');
      expect(mail.from?.value[0]).toEqual({ name: 'Clínica Universitaria', address: 'no-reply@clinica.local' });
      expect(firstAddress(mail.to)).toBe('lucia@example.org');
      expect(mail.subject).toBe(message.subject);
      expect(mail.subject).toContain('Clínica Universitaria');
      expect(mail.messageId).toBe(message.messageId);
      expect(mail.headers.get('content-language')).toBe(language);
      expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
      expect(mail.text).toBe(message.text);
      expect(mail.text).toContain('Clínica Universitaria');
      expect(mail.html).toBe(message.html);
      expect(mail.html).toContain(`<html lang="${language}">`);
      if (template === 'appointment-cancelled' && language === 'es') {
        expect(mail.text).toContain('cancelación');
        expect(mail.html).toContain('cancelación');
      }
    },
  );

  it('refused with 451 at RCPT: send rejects with the reply, without the message; accepted again once the server is', async () => {
    smtp.setRefusal({ at: 'rcpt', code: 451, text: 'Mailbox busy, try again later' });
    const message = messageFor('appointment-reminder', 'es', appointment);
    const error = await transport.send(message).then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(MailSendError);
    const text = (error as MailSendError).message;
    expect(text).toContain('451');
    expect(text).toContain('Mailbox busy, try again later');
    expect(text).not.toContain(appointment.practitioner);
    expect(text).not.toContain(message.subject);
    expect((error as MailSendError).permanent).toBe(false);

    smtp.setRefusal(null);
    const count = smtp.received.length;
    await transport.send(message);
    expect(smtp.received.length).toBe(count + 1);
    expect((await smtp.last()).messageId).toBe(message.messageId);
  });

  it('refused with 451 after DATA, then 550: rejects with each reply, 550 marked permanent', async () => {
    smtp.setRefusal({ at: 'data', code: 451, text: 'Temporary local problem' });
    const message = messageFor('appointment-booked', 'en', appointment);
    await expect(transport.send(message)).rejects.toThrow(/451.*Temporary local problem/);

    smtp.setRefusal({ at: 'data', code: 550, text: 'Message rejected as spam' });
    const refused = await transport.send(message).catch((err: MailSendError) => err);
    expect(refused).toMatchObject({ permanent: true, transport: 'smtp' });
    expect(String(refused)).toMatch(/550.*Message rejected as spam/);

    smtp.setRefusal(null);
    await expect(transport.send(message)).resolves.toMatchObject({ providerMessageId: expect.stringMatching(/^250/) });
  });

  it('escapes a hostile name in the HTML part and keeps it intact in the text part', async () => {
    const name = '<script>alert(1)</script> & "Ana"';
    const message = messageFor('appointment-booked', 'es', { ...appointment, name, practitioner: 'Dr. <b>House</b>' });
    await transport.send(message);
    const mail = await smtp.last();
    expect(mail.html).toContain('Hola, &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Ana&quot;:');
    expect(mail.html).toContain('Dr. &lt;b&gt;House&lt;/b&gt;');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<b>House');
    expect(mail.text).toContain(`Hola, ${name}:`);
    expect(mail.text).toContain('Dr. <b>House</b>');
  });

  it('fails fast with the connection error when nothing listens', async () => {
    const closed = await closedPort();
    const dead = createMailTransport({ smtpUrl: `smtp://127.0.0.1:${closed}`, dataDir: '/nonexistent' });
    try {
      await expect(dead.send(messageFor('password-reset', 'en', SAMPLES['password-reset']))).rejects.toThrow(
        /ECONNREFUSED/,
      );
    } finally {
      await dead.close();
    }
  });

  it('gives up on a server that accepts the connection but never greets within seconds', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const mute = createMailTransport({ smtpUrl: `smtp://127.0.0.1:${port}`, dataDir: '/nonexistent' });
    const started = Date.now();
    try {
      await expect(mute.send(messageFor('password-reset', 'es', SAMPLES['password-reset']))).rejects.toThrow(
        /ETIMEDOUT|greeting/i,
      );
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await mute.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('templates', () => {
  it('appointment mails give number, local time, practitioner and portal link, and how to switch them off', () => {
    const es = renderMail('appointment-reminder', 'es', appointment, CONTEXT);
    expect(es.text).toContain('Número: APT/00012');
    // 09:30Z is 10:30 in Madrid in March (CET).
    expect(es.text).toContain('Fecha y hora: lunes, 2 de marzo de 2026, 10:30–11:00');
    expect(es.text).toContain('Profesional: Dra. Marta Núñez');
    expect(es.text).toContain('https://clinica.example.org/portal/appointments');
    expect(es.text).toContain('configuración de su cuenta: https://clinica.example.org/account');
    expect(es.html).toContain('href="https://clinica.example.org/account"');
    const en = renderMail('appointment-booked', 'en', appointment, { ...CONTEXT, timeZone: 'America/New_York' });
    expect(en.text).toContain('Date and time: Monday, 2 March 2026, 04:30–05:00');
    expect(en.text).toContain('account settings: https://clinica.example.org/account');
  });

  it('account security mail has no opt-out line and says what to do if it was not you', () => {
    for (const language of LANGUAGES) {
      for (const template of ['account-created', 'password-changed', 'password-reset', 'mfa-changed'] as const) {
        const mail = renderMail(template, language, SAMPLES[template] as never, CONTEXT);
        expect(mail.text).not.toContain('/account');
      }
      const changed = renderMail('password-changed', language, SAMPLES['password-changed'], CONTEXT);
      expect(changed.text).toContain('https://clinica.example.org/forgot-password');
      expect(changed.html).toContain('href="https://clinica.example.org/forgot-password"');
    }
    const created = renderMail('account-created', 'es', SAMPLES['account-created'], CONTEXT);
    expect(created.text).toContain('lucia@example.org');
    expect(created.text).toContain('https://clinica.example.org/\n');
    const reset = renderMail('password-reset', 'en', SAMPLES['password-reset'], CONTEXT);
    expect(reset.text).toContain('Hello,\n');
    expect(reset.text).toContain('expires in 30 minutes');
    expect(reset.html).toContain('href="https://clinica.example.org/reset-password#token=abc.def"');
  });

  it('a purchase order gives the vendor every line, the totals and the expected date, in both languages', () => {
    const order = SAMPLES['purchase-order-confirmed'];
    const es = renderMail('purchase-order-confirmed', 'es', order, CONTEXT);
    expect(es.subject).toBe('Pedido P00012 · Clínica Universitaria');
    expect(es.text).toContain('Hola, Distribuciones Farmacéuticas Núñez:');
    expect(es.text).toContain('Entrega prevista: 15 de junio de 2026');
    expect(es.text).toContain('1. Ibuprofeno 600 mg: 3 caja × 2,3350 + IVA 15,00 % = 8,06');
    expect(es.text).toContain('2. Gasas <estériles>: 2,5 paquete × 1,0000 + IVA 0,00 % = 2,50');
    expect(es.text).toContain('Base imponible: 9,51\nImpuestos: 1,05\nTotal: 10,56');
    expect(es.html).toContain('Gasas &lt;estériles&gt;');
    // The vendor has no account: no line about switching notices off.
    expect(es.text).not.toContain('/account');
    const en = renderMail('purchase-order-confirmed', 'en', { ...order, expectedOn: null }, CONTEXT);
    expect(en.subject).toBe('Purchase order P00012 · Clínica Universitaria');
    expect(en.text).toContain('Expected delivery: No date agreed');
    expect(en.text).toContain('1. Ibuprofeno 600 mg: 3 caja × 2.3350 + tax 15.00 % = 8.06');
    expect(en.text).toContain('Subtotal: 9.51\nTax: 1.05\nTotal: 10.56');
  });

  it('an issued invoice tells the patient its number, date and total with the portal link, never its lines', () => {
    const invoice = SAMPLES['invoice-issued'];
    const es = renderMail('invoice-issued', 'es', invoice, CONTEXT);
    expect(es.subject).toBe('Factura F2026/00042 · Clínica Universitaria');
    expect(es.text).toContain('Factura: F2026/00042');
    expect(es.text).toContain('Fecha: 2 de marzo de 2026');
    expect(es.text).toMatch(/Total: 1234,50\s€/);
    expect(es.text).toContain('https://clinica.example.org/portal/invoices');
    // Optional mail: the patient may switch it off.
    expect(es.text).toContain('https://clinica.example.org/account');
    const en = renderMail('invoice-issued', 'en', invoice, CONTEXT);
    expect(en.subject).toBe('Invoice F2026/00042 · Clínica Universitaria');
    expect(en.text).toContain('Total: €1,234.50');
    expect(en.text).toContain('Date: 2 March 2026');
  });

  it('html`` escapes values, joins arrays and nests templates without escaping them twice', () => {
    const items = ['a<b', html`<i>${'c&d'}</i>`, null, 3];
    const out = html`<p title="${'"x"'}">${items}${undefined}</p>`;
    expect(out.value).toBe('<p title="&quot;x&quot;">a&lt;b<i>c&amp;d</i>3</p>');
  });
});

describe('file transport', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'clinica-mail-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('writes each message as a complete .eml in DATA_DIR/mail, named by time and Message-ID, nothing else', async () => {
    const transport = createMailTransport({ dataDir });
    expect(transport.kind).toBe('file');
    const first = messageFor('appointment-cancelled', 'es', appointment);
    const second = messageFor('password-changed', 'en', SAMPLES['password-changed']);
    const sent = [await transport.send(first), await transport.send(second)];
    await transport.close();

    const files = (await readdir(path.join(dataDir, 'mail'))).sort();
    expect(files).toEqual(sent.map((s) => s.providerMessageId).sort());
    expect(files.every((f) => /^\d{8}T\d{6}-[A-Za-z0-9._@-]+\.eml$/.test(f))).toBe(true);
    const name = sent[0]!.providerMessageId;
    expect(name).toContain(first.messageId.slice(1, -1));

    const raw = await readFile(path.join(dataDir, 'mail', name));
    expect(raw.includes('\r\n')).toBe(false);
    const mail = await simpleParser(raw);
    expect(mail.messageId).toBe(first.messageId);
    expect(mail.subject).toBe(first.subject);
    expect(mail.text).toContain('cancelación');
    expect(mail.html).toBe(first.html);
    expect(mail.headers.get('content-language')).toBe('es');
  });

  it('rejects when the folder cannot be written, naming the path and not the message', async () => {
    const blocked = path.join(dataDir, 'blocked');
    await writeFile(blocked, 'not a folder');
    const transport = createMailTransport({ dataDir: blocked });
    const message = messageFor('password-reset', 'es', SAMPLES['password-reset']);
    const error = await transport.send(message).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(MailSendError);
    expect(String(error)).toContain(path.join(blocked, 'mail'));
    expect(String(error)).not.toContain(SAMPLES['password-reset'].resetUrl);
  });
});

interface Captured {
  method?: string;
  url?: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** A stand-in mail API: records each request and answers with the status and body it is told to. */
async function startMailApi() {
  const requests: Captured[] = [];
  let answer = { status: 202, body: '{"id":"api-123"}' };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/send`,
    requests,
    answer: (status: number, body: string) => {
      answer = { status, body };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('http transport', () => {
  let api: Awaited<ReturnType<typeof startMailApi>>;
  beforeAll(async () => {
    api = await startMailApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it('POSTs the message as JSON with the bearer key and takes the id from the answer', async () => {
    const transport = createMailTransport({ apiUrl: api.url, apiKey: 'key-456', dataDir: '/nonexistent' });
    expect(transport.kind).toBe('http');
    const message = messageFor('appointment-changed', 'es', appointment);
    message.headers = { ...message.headers, 'Message-ID': '<forged@elsewhere>' };
    const sent = await transport.send(message);
    expect(sent.providerMessageId).toBe('api-123');

    const request = api.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/send');
    expect(request.headers.authorization).toBe('Bearer key-456');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.body).toEqual({
      from: FROM,
      to: 'lucia@example.org',
      subject: message.subject,
      text: message.text,
      html: message.html,
      headers: { 'Message-ID': message.messageId, 'Content-Language': 'es', 'Auto-Submitted': 'auto-generated' },
    });
  });

  it('falls back to the Message-ID when the answer names no id', async () => {
    api.answer(200, 'queued');
    const transport = createMailTransport({ apiUrl: api.url, apiKey: 'key-456', dataDir: '/nonexistent' });
    const message = messageFor('password-reset', 'en', SAMPLES['password-reset']);
    await expect(transport.send(message)).resolves.toEqual({ providerMessageId: message.messageId });
  });

  it('rejects on a non-2xx answer with the status and an excerpt of the answer', async () => {
    api.answer(503, '{"error":"upstream relay unavailable"}');
    const transport = createMailTransport({ apiUrl: api.url, apiKey: 'key-456', dataDir: '/nonexistent' });
    const message = messageFor('appointment-booked', 'en', appointment);
    const error = await transport.send(message).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(MailSendError);
    expect(String(error)).toMatch(/503: \{"error":"upstream relay unavailable"\}/);
    expect(String(error)).not.toContain('key-456');
    expect((error as MailSendError).permanent).toBe(false);

    api.answer(422, '{"error":"bad sender"}');
    await expect(transport.send(message)).rejects.toMatchObject({ permanent: true });
  });

  it('rejects with the network error when the API cannot be reached', async () => {
    const closed = await closedPort();
    const transport = createMailTransport({ apiUrl: `http://127.0.0.1:${closed}/send`, dataDir: '/nonexistent' });
    await expect(transport.send(messageFor('password-reset', 'en', SAMPLES['password-reset']))).rejects.toThrow(
      /unreachable: ECONNREFUSED/,
    );
  });
});

describe('createMailTransport', () => {
  it('refuses SMTP_URL and MAIL_API_URL together rather than pick one', () => {
    expect(() =>
      createMailTransport({ smtpUrl: 'smtp://127.0.0.1:25', apiUrl: 'http://127.0.0.1/send', dataDir: '/tmp' }),
    ).toThrow(/not both/);
  });
});
