import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSession } from '../src/modules/identity/identity.repository.js';
import { newExchangeCode } from '../src/modules/identity/oidc.js';
import { passwordResetLink } from '../src/modules/identity/password-reset.js';
import { SYSTEM_CONTEXT } from '../src/server.js';
import {
  createTestApp,
  patientInput,
  type SignedIn,
  TEST_PASSWORD,
  type TestApp,
  uniqueDocument,
} from './support/app.js';
import { DATABASES } from './support/databases.js';
import { FILES, storedKeys, upload } from './support/documents.js';
import { bookAppointment, createPractitioner, createTreatment, localDate, slot } from './support/scheduling.js';

/** Tables a write may touch; a refused write must leave them as they were. */
const TABLES = [
  'patients',
  'patient_identifiers',
  'users',
  'outbox',
  'audit_events',
  'treatments',
  'practitioners',
  'practitioner_exceptions',
  'appointments',
  'practitioner_bookings',
  'password_resets',
  'dental_chart_entries',
  'prescriptions',
  'prescription_lines',
  'encounters',
  'clinical_notes',
  'diagnoses',
  'vital_signs',
  'results',
  'documents',
  'document_staging',
  'oidc_identities',
  'oidc_logins',
  'oidc_sessions',
  'oidc_exchange_codes',
  'oidc_logout_tokens',
  'backup_runs',
  'incidents',
  'incident_articles',
  'incident_attachments',
  'incident_inbound_messages',
  'products',
  'lots',
  'stock_moves',
  'lot_stock',
  'vendors',
  'purchase_orders',
  'purchase_order_lines',
  'invoices',
  'invoice_lines',
  'invoice_payments',
] as const;
type Counts = Record<(typeof TABLES)[number], number>;
const NONE = Object.fromEntries(TABLES.map((n) => [n, 0])) as Counts;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Body = Record<string, Json>;

interface WriteRoute {
  /** `METHOD /url` as registered. */
  name: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: () => string;
  token: () => string | undefined;
  /** A fresh valid body: sent unchanged, the call succeeds. */
  base: () => Promise<Body> | Body;
  required: string[];
  /** Exactly how many rows a successful call adds to each table (for some routes, depending on the body). */
  success: Partial<Counts> | ((body: unknown) => Partial<Counts>);
  /** For routes that answer 2xx without writing (a reset asked for an unknown address): whether this body writes. */
  writes?: (body: unknown) => boolean;
  /** Rows that a refused call must leave exactly as they were. */
  watch?: () => Promise<unknown>;
  /** Keeps the fixture usable after a successful call (e.g. the next refresh token). */
  afterSuccess?: (res: LightMyRequestResponse, body: unknown) => Promise<void> | void;
  /** Headers every call carries (e.g. a shared secret), so that the body is what is judged. */
  headers?: () => Record<string, string>;
}

const INBOUND_SECRET = 'inbound-secret-for-bad-input';

const PRESCRIPTION_LINE = {
  medicament: 'Ibuprofeno Cinfa',
  form: 'tablet' as const,
  quantity: 20,
  foodTiming: 'after' as const,
  morning: true,
  afternoon: false,
  night: true,
  days: 5,
};

const INVOICE_LINE = { description: 'Informe médico', quantity: '1', unitPrice: '25.00', taxRate: '21' };

const BODY_LIMIT = 2048;
const RUNS = 60;

function isProblem(res: LightMyRequestResponse) {
  expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, res.body).toBeLessThan(500);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = res.json();
  expect(problem).toMatchObject({ type: expect.any(String), title: expect.any(String), status: res.statusCode });
  expect(typeof problem.detail === 'string' && problem.detail.trim().length > 0, res.body).toBe(true);
  if (problem.type === 'urn:clinica:problem:validation') {
    expect(problem.errors.length, res.body).toBeGreaterThan(0);
  }
  for (const e of problem.errors ?? []) {
    expect(e.path, res.body).toMatch(/^(body|params|querystring|headers)\b/);
    expect(e.message.length, res.body).toBeGreaterThan(0);
    // A machine-readable reason, for clients to translate.
    expect(e.code, res.body).toMatch(/^[a-z_]+$/);
  }
  return problem as {
    status: number;
    detail: string;
    type: string;
    errors?: { path: string; message: string; code: string }[];
  };
}

/** A 400 whose `errors` name this field (or something inside it). */
function namesField(res: LightMyRequestResponse, path: string) {
  expect(res.statusCode, res.body).toBe(400);
  const problem = isProblem(res);
  const paths = (problem.errors ?? []).map((e) => e.path);
  expect(
    paths.some((p) => p === path || p.startsWith(`${path}.`)),
    `${path} in ${JSON.stringify(paths)}`,
  ).toBe(true);
  if (problem.type === 'urn:clinica:problem:validation') expect(problem.detail).toContain(path);
}

/** A value of another JSON type than `v`. */
function wrongType(v: Json): Json {
  if (typeof v === 'string') return 12345;
  if (typeof v === 'number') return 'twelve';
  if (typeof v === 'boolean') return 'yes';
  if (v === null) return 12;
  if (Array.isArray(v)) return 'not a list';
  return ['not', 'an', 'object'];
}

// Near-valid bodies ----------------------------------------------------------------------------

/** Characters that break storage or display: NUL, unpaired surrogates, controls, bidi overrides. */
const nastyChar = fc.oneof(
  { weight: 3, arbitrary: fc.constant('\u0000') },
  { weight: 2, arbitrary: fc.constantFrom('\ud800', '\udfff') },
  { weight: 2, arbitrary: fc.constantFrom('\u0001', '\n', '\u202e', '\ufeff', '\\', '"', "'", '%') },
);

/** Strings a client might send: ordinary text with a nasty character inside, any code point, long runs. */
const nastyText = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.string(), nastyChar, fc.string()).map(([a, c, b]) => `${a}${c}${b}`) },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  {
    weight: 1,
    arbitrary: fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      maxLength: 12,
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'é', '0', '-1', 'null', 'x'.repeat(300)) },
);
const anyJson: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  nastyText,
  fc.constantFrom<Json>(null, true, false, 0, -1, 1e308, 2 ** 53, [], {}, ['a'], { a: 1 }),
  fc.uuid(),
  fc.emailAddress(),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
);
const anyKey = fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('__proto__', 'constructor', 'id', 'extra'));

type Mutation =
  | { kind: 'replace'; pick: number; value: Json }
  | { kind: 'retext'; pick: number; at: number; char: string }
  | { kind: 'delete'; pick: number }
  | { kind: 'add'; pick: number; key: string; value: Json };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), value: anyJson }),
  fc.record({ kind: fc.constant('retext' as const), pick: fc.nat(), at: fc.nat(), char: nastyChar }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('add' as const), pick: fc.nat(), key: anyKey, value: anyJson }),
);

/** What is sent: a valid body changed a little, any JSON at all, or text that may not be JSON. */
type Input = { kind: 'near'; mutations: Mutation[] } | { kind: 'json'; value: Json } | { kind: 'text'; text: string };

const input: fc.Arbitrary<Input> = fc.oneof(
  // Unchanged now and then, so the success side (exact row counts) is checked too.
  { weight: 1, arbitrary: fc.constant<Input>({ kind: 'near', mutations: [] }) },
  // One text value with an awkward character inside: the rest stays valid, so it reaches the database.
  {
    weight: 5,
    arbitrary: fc
      .record({ kind: fc.constant('retext' as const), pick: fc.nat(), at: fc.nat(), char: nastyChar })
      .map((m): Input => ({ kind: 'near', mutations: [m] })),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('near' as const),
      mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue() as fc.Arbitrary<Json> }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), text: fc.string({ unit: 'binary' }) }) },
);

/** Every place in a body: [parent, key] pairs, the root's fields first. */
function places(root: Json): [Record<string, Json> | Json[], string | number][] {
  const out: [Record<string, Json> | Json[], string | number][] = [];
  const walk = (node: Json) => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => {
        out.push([node, i]);
        walk(v);
      });
    } else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        out.push([node, k]);
        walk(v);
      }
    }
  };
  walk(root);
  return out;
}

function objects(root: Json): Record<string, Json>[] {
  const out: Record<string, Json>[] = [];
  const walk = (node: Json) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      out.push(node);
      Object.values(node).forEach(walk);
    }
  };
  walk(root);
  return out;
}

function mutate(base: Body, mutations: Mutation[]): Json {
  const body = structuredClone(base) as Json;
  for (const m of mutations) {
    if (m.kind === 'add') {
      const targets = objects(body);
      const target = targets[m.pick % targets.length];
      // defineProperty, so that "__proto__" becomes a real key of the JSON text.
      if (target)
        Object.defineProperty(target, m.key, {
          value: structuredClone(m.value),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      continue;
    }
    if (m.kind === 'retext') {
      const texts = places(body).filter(([parent, key]) => typeof (parent as Record<string, Json>)[key] === 'string');
      const place = texts[m.pick % Math.max(texts.length, 1)];
      if (!place) continue;
      const [parent, key] = place as [Record<string, Json>, string];
      const text = parent[key] as string;
      const at = m.at % (text.length + 1);
      parent[key] = `${text.slice(0, at)}${m.char}${text.slice(at)}`;
      continue;
    }
    const all = places(body);
    const place = all[m.pick % Math.max(all.length, 1)];
    if (!place) continue;
    const [parent, key] = place;
    // Copies: generated values may be shared (constants), and later mutations change the body in place.
    if (m.kind === 'replace') (parent as Record<string, Json>)[key as string] = structuredClone(m.value);
    else if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
  }
  return body;
}

// ---------------------------------------------------------------------------------------------

describe.each(DATABASES)('bad input on %s', (kind) => {
  let t: TestApp;
  let admin: SignedIn;
  let loginUser: SignedIn;
  let passwordUser: SignedIn;
  let mfaSetupUser: SignedIn;
  let mfaOnUser: SignedIn;
  /** Its sessions end with each successful password reset: used by no other route. */
  let resetUser: SignedIn;
  let refreshToken: string;
  let knownPasswordHash: string;
  let putTarget: { id: string; body: Body };
  let survivorId: string;
  let linkablePatientId: string;
  let patchTargetId: string;
  /** Scheduling fixtures: a practitioner per route, so that one route's bookings never block another's. */
  let treatmentTarget: { id: string; body: Body };
  let practitionerTargetId: string;
  let bookingPractitionerId: string;
  let bookingPatientId: string;
  let movedAppointment: { id: string; practitionerId: string; start: string; end: string };
  let cancelPractitionerId: string;
  let cancelPatientId: string;
  let cancelTargetId: string;
  /** Dental chart and prescriptions: written by a doctor, on fixtures no other route touches. */
  let dentist: SignedIn;
  let chartPatientId: string;
  let rxPatientId: string;
  let rxTreatmentId: string;
  let rxDentistId: string;
  let rxDraftId: string;
  /** Each booking fixture on its own day: no mutation of one can reach the next. */
  let day = 30;
  let documented: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  /** Clinical record fixtures: one patient, an encounter in progress, a draft and a signed note by `clinician`. */
  let clinician: SignedIn;
  let clinical: {
    patientId: string;
    practitionerId: string;
    appointmentId: string;
    encounterId: string;
    draftNoteId: string;
    signedNoteId: string;
    diagnosisId: string;
    resultId: string;
  };
  /** Each discharge gets an encounter of its own (a discharged one cannot be discharged again). */
  let dischargeTargetId: string;
  /** Documents: a patient of their own, and the document the next successful delete removes. */
  let archivist: SignedIn;
  let docPatientId: string;
  let docTargetId: string;
  /** Helpdesk: an incident that takes notes; each change goes to a fresh one (its status moves on). */
  let noteIncidentId: string;
  let changeIncidentId: string;
  /**
   * Pharmacy: a product whose replacement changes nothing; one with a lot holding plenty (moves
   * and dispenses never run out); a signed prescription line prescribing the most a line can.
   */
  let pharmacist: SignedIn;
  let productTarget: { id: string; body: Body };
  let stockProductId: string;
  let stockLotId: string;
  /** Receipts go to a product of their own: their earlier-expiring lots would come first in dispenses. */
  let receiptProductId: string;
  /**
   * A receipt opens a lot only for a lot number new to its product: near-valid bodies can
   * repeat one (e.g. "0"), which then goes into the lot already there. Called on successes only.
   */
  const lotsSeen = new Set<string>();
  const newLot = (productId: string, body: unknown) => {
    const lotNumber = String((body as { lines: { lotNumber: string }[] }).lines[0]?.lotNumber).trim();
    const key = `${productId} ${lotNumber}`;
    if (lotsSeen.has(key)) return {};
    lotsSeen.add(key);
    return { lots: 1, lot_stock: 1 };
  };
  let rxSignedId: string;
  /**
   * Purchasing: a vendor whose replacement changes nothing; a vendor and a product orders name;
   * a draft each PUT replaces and one each cancel ends (both made again after a success); a
   * confirmed order of the most a line can order, that receipts never complete.
   */
  let vendorTarget: { id: string; body: Body };
  let poVendorId: string;
  let poProductId: string;
  let poDraftId: string;
  let poCancelId: string;
  let poReceiveId: string;
  /** Billing: a patient of its own; a draft PUT rebuilds; an issued invoice taking payments; the next one to void. */
  let biller: SignedIn;
  let billPatientId: string;
  let billDraftId: string;
  let billPayableId: string;
  let billVoidTargetId: string;
  /** Message-IDs already received: a second delivery is answered without writing. */
  const inboundSeen = new Set<string>();
  const newIncident = async () => {
    const res = await t.call({
      method: 'POST',
      url: '/api/v1/incidents',
      token: admin.token,
      payload: { subject: 'No puedo entrar', description: 'Contraseña', category: 'access' },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const asBiller = () => ({
    ...SYSTEM_CONTEXT,
    actor: {
      userId: biller.userId,
      email: biller.email,
      roles: ['admissions' as const],
      patientId: null,
      sessionId: null,
    },
  });
  const newInvoice = (line = INVOICE_LINE) =>
    t.app.clinica.billing.create(
      { patientId: billPatientId, appointmentIds: [], prescriptionIds: [], lines: [line] },
      asBiller(),
    );
  const issuedInvoice = async (line = INVOICE_LINE) =>
    (await t.app.clinica.billing.issue((await newInvoice(line)).id, asBiller())).id;
  const newDocument = async () => {
    const res = await upload(t, docPatientId, archivist.token, { bytes: FILES.text(), name: 'nota.txt' });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };

  beforeAll(async () => {
    t = await createTestApp(kind, {
      BODY_LIMIT_BYTES: String(BODY_LIMIT),
      LOGIN_MAX_FAILURES: '100',
      INBOUND_MAIL_SECRET: INBOUND_SECRET,
    });
    [admin, loginUser, passwordUser, mfaSetupUser, mfaOnUser, resetUser] = await Promise.all([
      t.signIn(['admin']),
      t.signIn(['doctor']),
      t.signIn(['results']),
      t.signIn(['agent']),
      t.signIn(['pharmacist']),
      t.signIn(['patient']),
    ]);
    refreshToken = loginUser.refreshToken;
    knownPasswordHash = ((await row('users', passwordUser.userId)) as { password_hash: string }).password_hash;
    const setup = await t.call({ method: 'POST', url: '/api/v1/auth/mfa/setup', token: mfaSetupUser.token });
    expect(setup.statusCode).toBe(200);
    const on = await t.call({ method: 'POST', url: '/api/v1/auth/mfa/setup', token: mfaOnUser.token });
    const enabled = await t.call({
      method: 'POST',
      url: '/api/v1/auth/mfa/enable',
      token: mfaOnUser.token,
      payload: { code: await generate({ secret: on.json().secret }) },
    });
    expect(enabled.statusCode).toBe(200);

    const target = await t.createPatient({ firstName: 'Destino', lastName: 'Edición' });
    const read = await t.call({ method: 'GET', url: `/api/v1/patients/${target.id}`, token: admin.token });
    const { id, patientNumber, age, createdAt, updatedAt, ...body } = read.json();
    putTarget = { id: target.id, body };
    survivorId = (await t.createPatient({ firstName: 'Superviviente', lastName: 'Fusión' })).id;
    linkablePatientId = (await t.createPatient({ firstName: 'Enlazable', lastName: 'Portal' })).id;
    patchTargetId = (
      await t.app.clinica.users.create(
        { email: `patch-${randomUUID().slice(0, 8)}@clinica.test`, roles: ['agent'] },
        SYSTEM_CONTEXT,
      )
    ).id;
    const { id: treatmentId, ...treatmentBody } = await createTreatment(t);
    treatmentTarget = { id: treatmentId, body: treatmentBody };
    practitionerTargetId = (await createPractitioner(t)).id;
    bookingPractitionerId = (await createPractitioner(t)).id;
    bookingPatientId = (await t.createPatient({ firstName: 'Reserva' })).id;
    const moved = await createPractitioner(t);
    const movedPatient = await t.createPatient({ firstName: 'Cambio' });
    movedAppointment = {
      id: (await bookAppointment(t, { patientId: movedPatient.id, practitionerId: moved.id, ...slot(25, 20) })).id,
      practitionerId: moved.id,
      ...slot(25, 22),
    };
    cancelPractitionerId = (await createPractitioner(t)).id;
    cancelPatientId = (await t.createPatient({ firstName: 'Anulación' })).id;
    dentist = await t.signIn(['doctor']);
    chartPatientId = (await t.createPatient({ firstName: 'Odontograma' })).id;
    rxPatientId = (await t.createPatient({ firstName: 'Receta' })).id;
    rxTreatmentId = (await createTreatment(t)).id;
    rxDentistId = (await createPractitioner(t, { input: { name: 'Dr. Remitido', isDentist: true } })).id;
    rxDraftId = (
      await t.app.clinica.prescriptions.create(
        { patientId: rxPatientId, teeth: [], lines: [PRESCRIPTION_LINE] },
        {
          ...SYSTEM_CONTEXT,
          actor: { userId: dentist.userId, email: dentist.email, roles: ['doctor'], patientId: null, sessionId: null },
        },
      )
    ).id;
    clinician = await t.signIn(['doctor']);
    {
      const asClinician = {
        ...SYSTEM_CONTEXT,
        actor: {
          userId: clinician.userId,
          email: clinician.email,
          roles: ['doctor' as const],
          patientId: null,
          sessionId: null,
        },
      };
      const service = t.app.clinica.clinical;
      const patientId = (await t.createPatient({ firstName: 'Historia' })).id;
      const practitionerId = (await createPractitioner(t)).id;
      const appointmentId = (await bookAppointment(t, { patientId, practitionerId, ...slot(60, 18) })).id;
      const encounterId = (await service.encounters.open(patientId, { kind: 'outpatient' }, asClinician)).id;
      const note = { encounterId, subjective: 'Dolor', objective: 'Caries en 36' };
      const draftNoteId = (await service.notes.create(patientId, note, asClinician)).id;
      const signedNoteId = (await service.notes.create(patientId, note, asClinician)).id;
      await service.notes.sign(patientId, signedNoteId, asClinician);
      const diagnosisId = (await service.diagnoses.record(patientId, { code: 'K02.9', status: 'active' }, asClinician))
        .id;
      const resultId = (
        await service.results.record(
          patientId,
          { testName: 'Glucosa', valueQuantity: 90, status: 'final', observedAt: new Date().toISOString() },
          asClinician,
        )
      ).id;
      clinical = {
        patientId,
        practitionerId,
        appointmentId,
        encounterId,
        draftNoteId,
        signedNoteId,
        diagnosisId,
        resultId,
      };
    }
    archivist = await t.signIn(['results']);
    docPatientId = (await t.createPatient({ firstName: 'Archivo' })).id;
    docTargetId = await newDocument();
    noteIncidentId = await newIncident();
    pharmacist = await t.signIn(['pharmacist']);
    {
      const product = async (body: Body) => {
        const res = await t.call({ method: 'POST', url: '/api/v1/products', token: pharmacist.token, payload: body });
        expect(res.statusCode, res.body).toBe(201);
        return res.json().id as string;
      };
      const receive = async (productId: string) => {
        const res = await t.call({
          method: 'POST',
          url: '/api/v1/stock/receipts',
          token: pharmacist.token,
          payload: { lines: [{ productId, lotNumber: 'L-BIG', expiresOn: '2099-12-31', quantity: '999999999' }] },
        });
        expect(res.statusCode, res.body).toBe(201);
        return res.json().moves[0].lotId as string;
      };
      // On hand far above any minimum a mutated replacement may set: no stock.low from it.
      productTarget = { id: await product(productBody()), body: productBody() };
      await receive(productTarget.id);
      stockProductId = await product(productBody());
      stockLotId = await receive(stockProductId);
      receiptProductId = await product(productBody());
      const asDentist = {
        ...SYSTEM_CONTEXT,
        actor: {
          userId: dentist.userId,
          email: dentist.email,
          roles: ['doctor' as const],
          patientId: null,
          sessionId: null,
        },
      };
      rxSignedId = (
        await t.app.clinica.prescriptions.create(
          { patientId: rxPatientId, teeth: [], lines: [{ ...PRESCRIPTION_LINE, quantity: 10_000 }] },
          asDentist,
        )
      ).id;
      await t.app.clinica.prescriptions.sign(rxSignedId, asDentist);
    }
    {
      const vendor = async (body: Body) => {
        const res = await t.call({ method: 'POST', url: '/api/v1/vendors', token: pharmacist.token, payload: body });
        expect(res.statusCode, res.body).toBe(201);
        return res.json().id as string;
      };
      vendorTarget = { id: await vendor(vendorBody()), body: vendorBody() };
      poVendorId = await vendor(vendorBody());
      const product = await t.call({
        method: 'POST',
        url: '/api/v1/products',
        token: pharmacist.token,
        payload: productBody(),
      });
      expect(product.statusCode, product.body).toBe(201);
      poProductId = product.json().id;
      poDraftId = await newDraft();
      poCancelId = await newDraft();
      poReceiveId = await newDraft('999999999');
      const confirmed = await t.call({
        method: 'POST',
        url: `/api/v1/purchase-orders/${poReceiveId}/confirm`,
        token: pharmacist.token,
      });
      expect(confirmed.statusCode, confirmed.body).toBe(200);
    }
    biller = await t.signIn(['admissions']);
    billPatientId = (await t.createPatient({ firstName: 'Facturación' })).id;
    billDraftId = (await newInvoice()).id;
    billPayableId = await issuedInvoice({ ...INVOICE_LINE, unitPrice: '9999999.00' });
    billVoidTargetId = await issuedInvoice();
    documented = (await t.call({ method: 'GET', url: '/api/v1/openapi.json' })).json().paths;
  });
  afterAll(() => t.close());

  const counts = async (): Promise<Counts> => {
    const { rows } = await t.database.db.query<Counts>(
      `select ${TABLES.map((n) => `(select count(*) from ${n})::int as ${n}`).join(', ')}`,
    );
    return rows[0] as Counts;
  };
  const delta = (before: Counts, after: Counts) =>
    Object.fromEntries(TABLES.map((n) => [n, after[n] - before[n]])) as Counts;
  const row = async (table: string, id: string) =>
    (await t.database.db.query(`select * from ${table} where id = $1`, [id])).rows[0];

  const uniqueEmail = (what: string) => `${what}-${randomUUID().slice(0, 8)}@clinica.test`;
  const practitionerBody: Body = {
    name: 'Dra. Ana Gil',
    specialty: 'Ortodoncia',
    email: 'ana.gil@clinica.test',
    mobile: '+34 600 123 456',
    isDentist: true,
    userId: null,
    active: true,
  };

  const prescriptionBody = (): Body => ({
    treatmentId: rxTreatmentId,
    teeth: [11, 21],
    referredPractitionerId: rxDentistId,
    date: '2026-05-04',
    nextAppointmentDate: '2026-05-18',
    notes: 'Control en dos semanas',
    lines: [
      { ...PRESCRIPTION_LINE, genericName: 'Ibuprofeno', strength: '600 mg', price: '2.35', instructions: 'Con agua' },
    ],
  });

  const vendorBody = (): Body => ({
    name: 'Distribuciones Farmacéuticas Gil',
    email: 'pedidos@gil.test',
    phone: '+34 600 123 456',
    taxId: 'B12345678',
    address: 'Calle Mayor 1, Madrid',
    language: 'es',
    active: true,
  });

  const orderBody = (): Body => ({
    vendorId: poVendorId,
    expectedOn: '2030-06-30',
    notes: 'Entregar por la mañana',
    lines: [{ productId: poProductId, quantity: '12.5', unitCost: '0.1200' }],
  });

  /** A draft order of one line. */
  const newDraft = async (quantity = '12.5') => {
    const res = await t.call({
      method: 'POST',
      url: '/api/v1/purchase-orders',
      token: pharmacist.token,
      payload: { ...orderBody(), lines: [{ productId: poProductId, quantity, unitCost: '0.1200' }] },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };

  const orderLines = async (id: string) =>
    (
      await t.database.db.query('select * from purchase_order_lines where purchase_order_id = $1 order by line_no', [
        id,
      ])
    ).rows;

  const productBody = (): Body => ({
    kind: 'medicine',
    name: 'Amoxicilina 500',
    genericName: 'Amoxicilina',
    dosageStrength: '500 mg',
    form: 'capsule',
    category: 'Antibióticos',
    unit: 'capsule',
    salePrice: '0.35',
    taxRate: '15.00',
    cost: '0.1200',
    maxStock: '500',
    active: true,
  });

  const ROUTES: WriteRoute[] = [
    {
      name: 'POST /api/v1/patients',
      method: 'POST',
      url: () => '/api/v1/patients',
      token: () => admin.token,
      base: () =>
        patientInput({
          phone: '+34 600 111 222',
          email: 'paciente@example.com',
          address: { street: 'Calle Mayor 1', city: 'Madrid', postalCode: '28013', country: 'ES' },
          emergencyContact: { name: 'Ana', phone: '+34 600 333 444', relationship: 'madre' },
          allergies: ['Penicilina'],
          bloodType: 'O+',
        }) as Body,
      required: ['documentNumber', 'firstName', 'lastName', 'birthDate', 'sex'],
      success: { patients: 1, patient_identifiers: 2, outbox: 1, audit_events: 1 },
    },
    {
      name: 'PUT /api/v1/patients/:id',
      method: 'PUT',
      url: () => `/api/v1/patients/${putTarget.id}`,
      token: () => admin.token,
      base: () => putTarget.body,
      required: ['documentNumber', 'firstName', 'lastName', 'birthDate', 'sex'],
      success: { outbox: 1, audit_events: 1 },
      watch: () => row('patients', putTarget.id),
    },
    {
      name: 'POST /api/v1/patients/:id/merge',
      method: 'POST',
      url: () => `/api/v1/patients/${survivorId}/merge`,
      token: () => admin.token,
      base: async () => ({ duplicateId: (await t.createPatient({ firstName: 'Duplicado' })).id }),
      required: ['duplicateId'],
      success: { outbox: 1, audit_events: 2 },
      watch: () => row('patients', survivorId),
    },
    {
      name: 'POST /api/v1/users',
      method: 'POST',
      url: () => '/api/v1/users',
      token: () => admin.token,
      base: () => ({ email: uniqueEmail('new'), roles: ['patient'], patientId: linkablePatientId, language: 'en' }),
      required: ['email', 'roles'],
      success: { users: 1, outbox: 1, audit_events: 1 },
    },
    {
      name: 'PATCH /api/v1/users/:id',
      method: 'PATCH',
      url: () => `/api/v1/users/${patchTargetId}`,
      token: () => admin.token,
      base: () => ({ roles: ['agent'], active: true, patientId: null, language: 'es' }),
      required: [],
      success: { outbox: 1, audit_events: 1 },
      watch: () => row('users', patchTargetId),
    },
    {
      name: 'POST /api/v1/auth/login',
      method: 'POST',
      url: () => '/api/v1/auth/login',
      token: () => undefined,
      base: () => ({ email: loginUser.email, password: TEST_PASSWORD }),
      required: ['email', 'password'],
      success: { audit_events: 1 },
    },
    {
      name: 'POST /api/v1/auth/register',
      method: 'POST',
      url: () => '/api/v1/auth/register',
      token: () => undefined,
      base: () => ({
        email: uniqueEmail('register'),
        password: TEST_PASSWORD,
        firstName: 'Nueva',
        lastName: 'Paciente',
        documentNumber: uniqueDocument(),
        birthDate: '1995-05-05',
        sex: 'female',
        language: 'es',
      }),
      required: ['email', 'password', 'firstName', 'lastName', 'documentNumber', 'birthDate'],
      success: { patients: 1, patient_identifiers: 2, users: 1, outbox: 2, audit_events: 2 },
    },
    {
      name: 'PATCH /api/v1/auth/me',
      method: 'PATCH',
      url: () => '/api/v1/auth/me',
      token: () => loginUser.token,
      base: () => ({ language: 'es', emailNotifications: true }),
      required: [],
      success: { outbox: 1, audit_events: 1 },
      watch: () => row('users', loginUser.userId),
    },
    {
      name: 'POST /api/v1/auth/password-reset',
      method: 'POST',
      url: () => '/api/v1/auth/password-reset',
      token: () => undefined,
      base: () => ({ email: resetUser.email }),
      required: ['email'],
      success: { password_resets: 1, outbox: 1, audit_events: 1 },
      // Any other address gets the same 202 and nothing written.
      writes: (body) =>
        String((body as { email?: unknown })?.email)
          .trim()
          .toLowerCase() === resetUser.email.toLowerCase(),
    },
    {
      name: 'POST /api/v1/auth/password-reset/confirm',
      method: 'POST',
      url: () => '/api/v1/auth/password-reset/confirm',
      token: () => undefined,
      // A fresh link each time: a successful call spends it.
      base: async () => {
        await t.app.clinica.passwordResets.request(resetUser.email, SYSTEM_CONTEXT);
        const { rows } = await t.database.db.query<{ id: string }>(
          'select id from password_resets where user_id = $1 order by created_at desc limit 1',
          [resetUser.userId],
        );
        const link = await passwordResetLink(t.database.db, rows[0]?.id ?? '', 'http://clinica.test');
        return { token: new URL(link?.url ?? 'http://x').searchParams.get('token'), password: TEST_PASSWORD };
      },
      required: ['token', 'password'],
      success: { outbox: 1, audit_events: 1 },
      watch: async () => (await row('users', resetUser.userId))?.password_hash,
    },
    {
      name: 'POST /api/v1/auth/refresh',
      method: 'POST',
      url: () => '/api/v1/auth/refresh',
      token: () => undefined,
      base: () => ({ refreshToken }),
      required: ['refreshToken'],
      success: {},
      afterSuccess: (res) => {
        refreshToken = res.json().refreshToken;
      },
    },
    {
      name: 'POST /api/v1/auth/oidc/exchange',
      method: 'POST',
      url: () => '/api/v1/auth/oidc/exchange',
      token: () => undefined,
      // A session as single sign-on leaves it, and its one-time code: a successful call spends it.
      base: async () => {
        const sessionId = randomUUID();
        await insertSession(t.database.db, {
          id: sessionId,
          userId: loginUser.userId,
          tokenHash: randomUUID(),
          expiresAt: new Date(Date.now() + 3_600_000),
          ip: '127.0.0.1',
          userAgent: null,
        });
        return { code: await newExchangeCode(t.database.db, sessionId) };
      },
      required: ['code'],
      success: {},
    },
    {
      name: 'POST /api/v1/auth/password',
      method: 'POST',
      url: () => '/api/v1/auth/password',
      token: () => passwordUser.token,
      base: () => ({ currentPassword: TEST_PASSWORD, newPassword: TEST_PASSWORD }),
      required: ['currentPassword', 'newPassword'],
      success: { outbox: 1, audit_events: 1 },
      watch: async () => (await row('users', passwordUser.userId))?.password_hash,
      afterSuccess: async () => {
        // Back to the known password (its stored hash), so the next runs can change it again.
        await t.database.db.query('update users set password_hash = $2 where id = $1', [
          passwordUser.userId,
          knownPasswordHash,
        ]);
      },
    },
    {
      name: 'POST /api/v1/auth/mfa/enable',
      method: 'POST',
      url: () => '/api/v1/auth/mfa/enable',
      token: () => mfaSetupUser.token,
      base: () => ({ code: '123456' }),
      required: ['code'],
      success: { outbox: 1, audit_events: 1 },
      watch: () => row('users', mfaSetupUser.userId),
    },
    {
      name: 'POST /api/v1/auth/mfa/disable',
      method: 'POST',
      url: () => '/api/v1/auth/mfa/disable',
      token: () => mfaOnUser.token,
      base: () => ({ password: TEST_PASSWORD, code: '123456' }),
      required: ['password', 'code'],
      success: { outbox: 1, audit_events: 1 },
      watch: () => row('users', mfaOnUser.userId),
    },
    {
      name: 'POST /api/v1/treatments',
      method: 'POST',
      url: () => '/api/v1/treatments',
      token: () => admin.token,
      base: () => ({
        code: `ORT-${randomUUID().slice(0, 8)}`,
        name: 'Ortodoncia',
        durationMinutes: 45,
        cost: '120.50',
        isDental: true,
        active: true,
      }),
      required: ['code', 'name', 'durationMinutes', 'cost'],
      success: { treatments: 1, audit_events: 1 },
    },
    {
      name: 'PUT /api/v1/treatments/:id',
      method: 'PUT',
      url: () => `/api/v1/treatments/${treatmentTarget.id}`,
      token: () => admin.token,
      base: () => treatmentTarget.body,
      required: ['code', 'name', 'durationMinutes', 'cost'],
      success: { audit_events: 1 },
      watch: () => row('treatments', treatmentTarget.id),
    },
    {
      name: 'POST /api/v1/practitioners',
      method: 'POST',
      url: () => '/api/v1/practitioners',
      token: () => admin.token,
      base: () => practitionerBody,
      required: ['name'],
      success: { practitioners: 1, outbox: 1, audit_events: 1 },
    },
    {
      name: 'PUT /api/v1/practitioners/:id',
      method: 'PUT',
      url: () => `/api/v1/practitioners/${practitionerTargetId}`,
      token: () => admin.token,
      base: () => practitionerBody,
      required: ['name'],
      success: { outbox: 1, audit_events: 1 },
      watch: () => row('practitioners', practitionerTargetId),
    },
    {
      name: 'PUT /api/v1/practitioners/:id/hours',
      method: 'PUT',
      url: () => `/api/v1/practitioners/${practitionerTargetId}/hours`,
      token: () => admin.token,
      base: () => ({
        workingHours: [
          { dayOfWeek: 1, start: '09:00', end: '14:00' },
          { dayOfWeek: 1, start: '15:00', end: '18:30' },
          { dayOfWeek: 7, start: '00:00', end: '24:00' },
        ],
      }),
      required: ['workingHours'],
      success: { outbox: 1, audit_events: 1 },
      watch: async () =>
        (
          await t.database.db.query(
            'select * from practitioner_hours where practitioner_id = $1 order by day_of_week, starts',
            [practitionerTargetId],
          )
        ).rows,
    },
    {
      name: 'POST /api/v1/practitioners/:id/exceptions',
      method: 'POST',
      url: () => `/api/v1/practitioners/${practitionerTargetId}/exceptions`,
      token: () => admin.token,
      base: () => ({ start: slot(40, 16).start, end: slot(40, 20).start, reason: 'Congreso' }),
      required: ['start', 'end', 'reason'],
      success: { practitioner_exceptions: 1, outbox: 1, audit_events: 1 },
    },
    {
      name: 'POST /api/v1/appointments',
      method: 'POST',
      url: () => '/api/v1/appointments',
      token: () => admin.token,
      base: () => ({
        patientId: bookingPatientId,
        practitionerId: bookingPractitionerId,
        ...slot(day++, 18),
        treatmentIds: [treatmentTarget.id],
        type: 'consultation',
        patientCategory: 'new',
        notes: 'Primera visita',
      }),
      required: ['patientId', 'practitionerId', 'start', 'end'],
      success: { appointments: 1, practitioner_bookings: 1, outbox: 1, audit_events: 1 },
    },
    {
      name: 'PATCH /api/v1/appointments/:id',
      method: 'PATCH',
      url: () => `/api/v1/appointments/${movedAppointment.id}`,
      token: () => admin.token,
      base: () => ({
        practitionerId: movedAppointment.practitionerId,
        start: movedAppointment.start,
        end: movedAppointment.end,
        treatmentIds: [treatmentTarget.id],
        type: 'follow_up',
        notes: 'Control',
      }),
      required: [],
      success: { outbox: 1, audit_events: 1 },
      watch: () => row('appointments', movedAppointment.id),
    },
    {
      name: 'POST /api/v1/appointments/:id/cancel',
      method: 'POST',
      url: () => `/api/v1/appointments/${cancelTargetId}/cancel`,
      token: () => admin.token,
      base: async () => {
        const fresh = { patientId: cancelPatientId, practitionerId: cancelPractitionerId, ...slot(day++, 18) };
        cancelTargetId = (await bookAppointment(t, fresh)).id;
        return { reason: 'El paciente no puede venir' };
      },
      required: ['reason'],
      // The cancelled appointment gives its time back.
      success: { outbox: 1, audit_events: 1, practitioner_bookings: -1 },
      watch: () => row('appointments', cancelTargetId),
    },
    ...clinicalRoutes(),
    {
      name: 'POST /api/v1/patients/:id/dental-chart/entries',
      method: 'POST',
      url: () => `/api/v1/patients/${chartPatientId}/dental-chart/entries`,
      token: () => dentist.token,
      base: () => ({
        tooth: 36,
        surfaces: ['occlusal', 'mesial'],
        kind: 'finding',
        finding: 'caries',
        note: 'Profunda',
      }),
      required: ['tooth', 'kind', 'finding'],
      success: { dental_chart_entries: 1, outbox: 1, audit_events: 1 },
    },
    {
      name: 'POST /api/v1/prescriptions',
      method: 'POST',
      url: () => '/api/v1/prescriptions',
      token: () => dentist.token,
      base: () => ({ patientId: rxPatientId, ...prescriptionBody() }),
      required: ['patientId', 'lines'],
      success: { prescriptions: 1, prescription_lines: 1, outbox: 1, audit_events: 1 },
    },
    {
      name: 'PUT /api/v1/prescriptions/:id',
      method: 'PUT',
      url: () => `/api/v1/prescriptions/${rxDraftId}`,
      token: () => dentist.token,
      base: prescriptionBody,
      required: ['lines'],
      success: { outbox: 1, audit_events: 1 },
      watch: async () => [
        await row('prescriptions', rxDraftId),
        (
          await t.database.db.query('select * from prescription_lines where prescription_id = $1 order by line_no', [
            rxDraftId,
          ])
        ).rows,
      ],
    },
    {
      name: 'POST /api/v1/products',
      method: 'POST',
      url: () => '/api/v1/products',
      token: () => pharmacist.token,
      base: productBody,
      required: ['kind', 'name', 'salePrice'],
      success: { products: 1, audit_events: 1 },
    },
    {
      name: 'PUT /api/v1/products/:id',
      method: 'PUT',
      url: () => `/api/v1/products/${productTarget.id}`,
      token: () => pharmacist.token,
      base: () => productTarget.body,
      required: ['kind', 'name', 'salePrice'],
      success: { audit_events: 1 },
      watch: () => row('products', productTarget.id),
    },
    {
      name: 'POST /api/v1/stock/receipts',
      method: 'POST',
      url: () => '/api/v1/stock/receipts',
      token: () => pharmacist.token,
      base: () => ({
        lines: [
          {
            productId: receiptProductId,
            lotNumber: `L-${randomUUID().slice(0, 8)}`,
            expiresOn: '2030-06-30',
            quantity: '12.5',
          },
        ],
        note: 'Albarán 123',
      }),
      required: ['lines'],
      success: (body) => ({
        ...newLot(receiptProductId, body),
        stock_moves: 1,
        outbox: 1,
        audit_events: 1,
      }),
    },
    {
      name: 'POST /api/v1/stock/moves',
      method: 'POST',
      url: () => '/api/v1/stock/moves',
      token: () => pharmacist.token,
      base: () => ({ kind: 'adjustment', lotId: stockLotId, quantity: '-1.5', note: 'Recuento' }),
      required: ['kind', 'lotId', 'quantity'],
      success: { stock_moves: 1, outbox: 1, audit_events: 1 },
      watch: async () => (await t.database.db.query('select * from lot_stock where lot_id = $1', [stockLotId])).rows,
    },
    {
      name: 'POST /api/v1/prescriptions/:id/lines/:lineNo/dispense',
      method: 'POST',
      url: () => `/api/v1/prescriptions/${rxSignedId}/lines/1/dispense`,
      token: () => pharmacist.token,
      base: () => ({ productId: stockProductId, quantity: '1', note: 'Mostrador' }),
      required: ['productId', 'quantity'],
      success: { stock_moves: 1, outbox: 1, audit_events: 1 },
      watch: async () => (await t.database.db.query('select * from lot_stock where lot_id = $1', [stockLotId])).rows,
    },
    {
      name: 'POST /api/v1/invoices',
      method: 'POST',
      url: () => '/api/v1/invoices',
      token: () => biller.token,
      base: () => ({ patientId: billPatientId, lines: [INVOICE_LINE], notes: 'Pago en recepción' }),
      required: ['patientId'],
      success: { invoices: 1, invoice_lines: 1, audit_events: 1 },
    },
    {
      name: 'PUT /api/v1/invoices/:id',
      method: 'PUT',
      url: () => `/api/v1/invoices/${billDraftId}`,
      token: () => biller.token,
      base: () => ({ lines: [{ ...INVOICE_LINE, quantity: '2.5' }], notes: 'Revisada' }),
      required: [],
      success: { audit_events: 1 },
      watch: () => row('invoices', billDraftId),
    },
    {
      name: 'POST /api/v1/invoices/:id/payments',
      method: 'POST',
      url: () => `/api/v1/invoices/${billPayableId}/payments`,
      token: () => biller.token,
      base: () => ({ amount: '0.01', method: 'card', paidOn: '2026-01-15', reference: 'TPV 1234' }),
      required: ['amount', 'method'],
      success: { invoice_payments: 1, audit_events: 1 },
      watch: () => row('invoices', billPayableId),
    },
    {
      name: 'POST /api/v1/invoices/:id/void',
      method: 'POST',
      url: () => `/api/v1/invoices/${billVoidTargetId}/void`,
      token: () => biller.token,
      base: () => ({ reason: 'Emitida por error' }),
      required: ['reason'],
      success: { outbox: 1, audit_events: 1 },
      watch: () => row('invoices', billVoidTargetId),
      // A void invoice cannot be voided again: the next success needs another one.
      afterSuccess: async () => {
        billVoidTargetId = await issuedInvoice();
      },
    },
    {
      name: 'POST /api/v1/vendors',
      method: 'POST',
      url: () => '/api/v1/vendors',
      token: () => pharmacist.token,
      base: vendorBody,
      required: ['name', 'email'],
      success: { vendors: 1, audit_events: 1 },
    },
    {
      name: 'PUT /api/v1/vendors/:id',
      method: 'PUT',
      url: () => `/api/v1/vendors/${vendorTarget.id}`,
      token: () => pharmacist.token,
      base: () => vendorTarget.body,
      required: ['name', 'email'],
      success: { audit_events: 1 },
      watch: () => row('vendors', vendorTarget.id),
    },
    {
      name: 'POST /api/v1/purchase-orders',
      method: 'POST',
      url: () => '/api/v1/purchase-orders',
      token: () => pharmacist.token,
      base: orderBody,
      required: ['vendorId', 'lines'],
      // A draft may have no lines yet: a body whose line was taken out still writes the order.
      success: (body) => ({
        purchase_orders: 1,
        purchase_order_lines: (body as { lines: unknown[] }).lines.length,
        audit_events: 1,
      }),
    },
    {
      name: 'PUT /api/v1/purchase-orders/:id',
      method: 'PUT',
      url: () => `/api/v1/purchase-orders/${poDraftId}`,
      token: () => pharmacist.token,
      base: orderBody,
      required: ['vendorId', 'lines'],
      // The draft's one line is replaced by the body's.
      success: (body) => ({ purchase_order_lines: (body as { lines: unknown[] }).lines.length - 1, audit_events: 1 }),
      watch: async () => [await row('purchase_orders', poDraftId), await orderLines(poDraftId)],
      afterSuccess: async () => {
        poDraftId = await newDraft();
      },
    },
    {
      name: 'POST /api/v1/purchase-orders/:id/receive',
      method: 'POST',
      url: () => `/api/v1/purchase-orders/${poReceiveId}/receive`,
      token: () => pharmacist.token,
      base: () => ({
        lines: [{ lineNo: 1, lotNumber: `L-${randomUUID().slice(0, 8)}`, expiresOn: '2030-06-30', quantity: '2.5' }],
        note: 'Albarán 456',
      }),
      required: ['lines'],
      // stock.received for the line, purchase_order.received for the order.
      success: (body) => ({ ...newLot(poProductId, body), stock_moves: 1, outbox: 2, audit_events: 1 }),
      watch: async () => [await row('purchase_orders', poReceiveId), await orderLines(poReceiveId)],
    },
    {
      name: 'POST /api/v1/purchase-orders/:id/cancel',
      method: 'POST',
      url: () => `/api/v1/purchase-orders/${poCancelId}/cancel`,
      token: () => pharmacist.token,
      base: () => ({ reason: 'Pedido duplicado' }),
      required: ['reason'],
      success: { outbox: 1, audit_events: 1 },
      watch: () => row('purchase_orders', poCancelId),
      // A cancelled order cannot be cancelled again: the next success needs another draft.
      afterSuccess: async () => {
        poCancelId = await newDraft();
      },
    },
    {
      name: 'DELETE /api/v1/patients/:id/documents/:documentId',
      method: 'DELETE',
      url: () => `/api/v1/patients/${docPatientId}/documents/${docTargetId}`,
      token: () => archivist.token,
      base: () => ({ reason: 'Subido por error' }),
      required: ['reason'],
      success: { outbox: 1, audit_events: 1 },
      watch: () => row('documents', docTargetId),
      // A deleted document cannot be deleted again: the next success needs another one.
      afterSuccess: async () => {
        docTargetId = await newDocument();
      },
    },
  ];

  /** The clinical record's write routes (fixtures in beforeAll). */
  function clinicalRoutes(): WriteRoute[] {
    const patientUrl = (rest: string) => `/api/v1/patients/${clinical.patientId}/${rest}`;
    const recently = () => new Date(Date.now() - 60_000).toISOString();
    return [
      {
        name: 'POST /api/v1/patients/:id/encounters',
        method: 'POST',
        url: () => patientUrl('encounters'),
        token: () => clinician.token,
        base: () => ({
          kind: 'inpatient',
          reason: 'Neumonía',
          service: 'Neumología',
          practitionerId: clinical.practitionerId,
          appointmentId: clinical.appointmentId,
          admittedAt: new Date(Date.now() - 3_600_000).toISOString(),
        }),
        required: ['kind'],
        success: { encounters: 1, outbox: 1, audit_events: 1 },
      },
      {
        name: 'PATCH /api/v1/patients/:id/encounters/:encounterId',
        method: 'PATCH',
        url: () => patientUrl(`encounters/${clinical.encounterId}`),
        token: () => clinician.token,
        base: () => ({
          kind: 'outpatient',
          reason: 'Control',
          service: 'Odontología',
          practitionerId: clinical.practitionerId,
          appointmentId: clinical.appointmentId,
          admittedAt: new Date(Date.now() - 7_200_000).toISOString(),
        }),
        required: [],
        success: { outbox: 1, audit_events: 1 },
        watch: () => row('encounters', clinical.encounterId),
      },
      {
        name: 'POST /api/v1/patients/:id/encounters/:encounterId/discharge',
        method: 'POST',
        url: () => patientUrl(`encounters/${dischargeTargetId}/discharge`),
        token: () => clinician.token,
        base: async () => {
          const admittedAt = recently();
          const encounters = t.app.clinica.clinical.encounters;
          dischargeTargetId = (
            await encounters.open(clinical.patientId, { kind: 'emergency', admittedAt }, SYSTEM_CONTEXT)
          ).id;
          return { dischargedAt: new Date().toISOString(), summary: 'Alta a domicilio' };
        },
        required: [],
        success: { outbox: 1, audit_events: 1 },
        watch: () => row('encounters', dischargeTargetId),
      },
      {
        name: 'POST /api/v1/patients/:id/notes',
        method: 'POST',
        url: () => patientUrl('notes'),
        token: () => clinician.token,
        base: () => ({
          encounterId: clinical.encounterId,
          subjective: 'Dolor al masticar',
          objective: 'Caries profunda en 36',
          assessment: 'Pulpitis irreversible',
          plan: 'Endodoncia',
        }),
        required: ['encounterId'],
        success: { clinical_notes: 1, outbox: 1, audit_events: 1 },
      },
      {
        name: 'PATCH /api/v1/patients/:id/notes/:noteId',
        method: 'PATCH',
        url: () => patientUrl(`notes/${clinical.draftNoteId}`),
        token: () => clinician.token,
        base: () => ({ subjective: 'Dolor', objective: 'Caries', assessment: 'Pulpitis', plan: 'Endodoncia' }),
        required: [],
        success: { outbox: 1, audit_events: 1 },
        watch: () => row('clinical_notes', clinical.draftNoteId),
      },
      {
        name: 'POST /api/v1/patients/:id/notes/:noteId/addenda',
        method: 'POST',
        url: () => patientUrl(`notes/${clinical.signedNoteId}/addenda`),
        token: () => clinician.token,
        base: () => ({
          subjective: 'Corrección',
          objective: 'Caries en 37, no 36',
          assessment: 'Igual',
          plan: 'Igual',
        }),
        required: [],
        success: { clinical_notes: 1, outbox: 1, audit_events: 1 },
        watch: () => row('clinical_notes', clinical.signedNoteId),
      },
      {
        name: 'POST /api/v1/patients/:id/diagnoses',
        method: 'POST',
        url: () => patientUrl('diagnoses'),
        token: () => clinician.token,
        base: () => ({
          code: 'K04.02',
          display: 'Pulpitis irreversible',
          status: 'active',
          onsetDate: '2024-01-10',
          notes: 'Pieza 36',
          encounterId: clinical.encounterId,
        }),
        required: ['code'],
        success: { diagnoses: 1, outbox: 1, audit_events: 1 },
      },
      {
        name: 'PATCH /api/v1/patients/:id/diagnoses/:diagnosisId',
        method: 'PATCH',
        url: () => patientUrl(`diagnoses/${clinical.diagnosisId}`),
        token: () => clinician.token,
        base: () => ({ status: 'active', display: 'Caries dental', onsetDate: '2023-05-01', notes: 'Varias piezas' }),
        required: [],
        success: { outbox: 1, audit_events: 1 },
        watch: () => row('diagnoses', clinical.diagnosisId),
      },
      {
        name: 'POST /api/v1/incidents',
        method: 'POST',
        url: () => '/api/v1/incidents',
        token: () => admin.token,
        base: () => ({ subject: 'No puedo entrar', description: 'Contraseña', category: 'access', priority: 'high' }),
        required: ['subject', 'description', 'category'],
        success: { incidents: 1, audit_events: 1, outbox: 1 },
      },
      {
        name: 'PUT /api/v1/incidents/:id',
        method: 'PUT',
        url: () => `/api/v1/incidents/${changeIncidentId}`,
        token: () => admin.token,
        // A new incident each time: every field below differs from its current value, so a success always changes it.
        base: async () => {
          changeIncidentId = await newIncident();
          return {
            subject: 'Sigo sin poder entrar',
            priority: 'urgent',
            category: 'technical',
            status: 'open',
            assigneeId: null,
          };
        },
        required: [],
        success: { audit_events: 1, outbox: 1 },
        watch: () => row('incidents', changeIncidentId),
      },
      {
        name: 'POST /api/v1/incidents/:id/articles',
        method: 'POST',
        url: () => `/api/v1/incidents/${noteIncidentId}/articles`,
        token: () => admin.token,
        // A note: it never moves the incident's status, so a success always writes the same rows.
        base: () => ({ kind: 'note', body: 'Revisado con el usuario', attachmentIds: [] }),
        required: ['kind', 'body'],
        success: { incident_articles: 1, audit_events: 1, outbox: 1 },
        watch: () => row('incidents', noteIncidentId),
      },
      {
        name: 'POST /api/v1/incidents/public',
        method: 'POST',
        url: () => '/api/v1/incidents/public',
        token: () => undefined,
        base: () => ({
          name: 'Ana Gil',
          email: 'ana@example.test',
          subject: 'Factura duplicada',
          description: 'Me cobraron dos veces',
          category: 'billing',
        }),
        required: ['name', 'email', 'subject', 'description', 'category'],
        success: { incidents: 1, audit_events: 1, outbox: 1 },
      },
      {
        name: 'POST /api/v1/incidents/inbound-email',
        method: 'POST',
        url: () => '/api/v1/incidents/inbound-email',
        token: () => undefined,
        headers: () => ({ 'x-clinica-inbound-secret': INBOUND_SECRET }),
        // No incident number in the subject: the message is recorded as received, and adds nothing else.
        base: () => ({
          from: 'Ana <ana@example.test>',
          subject: 'Re: su consulta',
          text: 'Gracias',
          messageId: `<${randomUUID()}@example.test>`,
        }),
        required: ['from', 'subject', 'text', 'messageId'],
        success: { incident_inbound_messages: 1 },
        writes: (body) => {
          const id = String((body as { messageId: string }).messageId).trim();
          const first = !inboundSeen.has(id);
          inboundSeen.add(id);
          return first;
        },
      },
      {
        name: 'POST /api/v1/patients/:id/vital-signs',
        method: 'POST',
        url: () => patientUrl('vital-signs'),
        token: () => clinician.token,
        base: () => ({
          measuredAt: recently(),
          encounterId: clinical.encounterId,
          systolic: 120,
          diastolic: 80,
          heartRate: 70,
          respiratoryRate: 14,
          temperatureC: 36.5,
          spo2: 98,
          weightKg: 70.5,
          heightCm: 170,
        }),
        required: [],
        success: { vital_signs: 1, outbox: 1, audit_events: 1 },
      },
      {
        name: 'POST /api/v1/patients/:id/results',
        method: 'POST',
        url: () => patientUrl('results'),
        token: () => clinician.token,
        base: () => ({
          testName: 'Potasio',
          testCode: '2823-3',
          valueQuantity: 4.2,
          unit: 'mmol/L',
          referenceLow: 3.5,
          referenceHigh: 5.1,
          referenceText: '3.5-5.1',
          criticalLow: 2.5,
          criticalHigh: 6.5,
          status: 'final',
          observedAt: recently(),
          performer: 'Laboratorio central',
          encounterId: clinical.encounterId,
        }),
        required: ['testName', 'observedAt'],
        success: { results: 1, outbox: 1, audit_events: 1 },
      },
      {
        name: 'PATCH /api/v1/patients/:id/results/:resultId',
        method: 'PATCH',
        url: () => patientUrl(`results/${clinical.resultId}`),
        token: () => clinician.token,
        base: () => ({
          valueQuantity: 95,
          unit: 'mg/dL',
          referenceLow: 70,
          referenceHigh: 110,
          criticalLow: 40,
          criticalHigh: 400,
          status: 'amended',
          observedAt: recently(),
          performer: 'Laboratorio central',
        }),
        required: [],
        success: { outbox: 1, audit_events: 1 },
        watch: () => row('results', clinical.resultId),
      },
    ];
  }

  const send = (
    route: WriteRoute,
    options: { payload?: string | Json; headers?: Record<string, string>; url?: string },
  ) =>
    t.call({
      method: route.method,
      url: options.url ?? route.url(),
      token: route.token(),
      headers: { ...route.headers?.(), ...options.headers },
      ...(options.payload !== undefined ? { payload: options.payload as string } : {}),
    });

  /** Sends, expects a problem, and checks that not a single row was written (not even an audit entry). */
  const refused = async (
    route: WriteRoute,
    options: { payload?: string | Json; headers?: Record<string, string>; url?: string },
  ) => {
    const before = await counts();
    const watched = await route.watch?.();
    const res = await send(route, options);
    isProblem(res);
    expect(delta(before, await counts()), `${route.name}: ${res.body}`).toEqual(NONE);
    expect(await route.watch?.()).toEqual(watched);
    return res;
  };

  describe.each(ROUTES.map((r) => [r.name, r] as const))('%s', (_name, route) => {
    it('refuses malformed JSON, an empty or missing body, JSON that is not an object, and other media types', async () => {
      const json = { 'content-type': 'application/json' };
      const body = JSON.stringify(await route.base());
      expect((await refused(route, { payload: body.slice(0, -1), headers: json })).json().detail).toMatch(/JSON/);
      expect((await refused(route, { payload: '{"a":', headers: json })).statusCode).toBe(400);
      expect((await refused(route, { payload: '', headers: json })).json().detail).toMatch(/empty/);
      namesField(await refused(route, {}), 'body');
      namesField(await refused(route, { payload: 'null', headers: json }), 'body');
      namesField(await refused(route, { payload: '[]', headers: json }), 'body');
      namesField(await refused(route, { payload: '"text"', headers: json }), 'body');
      const plain = await refused(route, { payload: body, headers: { 'content-type': 'text/plain' } });
      expect([400, 415]).toContain(plain.statusCode);
      if (plain.statusCode === 400) namesField(plain, 'body');
      const xml = await refused(route, { payload: '<patient/>', headers: { 'content-type': 'application/xml' } });
      expect(xml.statusCode).toBe(415);
      expect(xml.json().detail).toContain('application/json');
    });

    it(`refuses a body over BODY_LIMIT_BYTES (${BODY_LIMIT}) with 413`, async () => {
      const big = { ...(await route.base()), padding: 'x'.repeat(BODY_LIMIT) };
      const res = await refused(route, { payload: big });
      expect(res.statusCode).toBe(413);
      expect(res.json().detail).toMatch(/too large/);
    });

    it('refuses unknown fields, naming them', async () => {
      const base = await route.base();
      const nickname = await refused(route, { payload: { ...base, nickname: 'x' } });
      namesField(nickname, 'body.nickname');
      expect(isProblem(nickname).errors).toContainEqual({
        path: 'body.nickname',
        message: 'is not a known field',
        code: 'unknown_field',
      });
      namesField(await refused(route, { payload: { ...base, id: randomUUID() } }), 'body.id');
    });

    it('refuses a wrong type or a missing value in every field, naming the field', async () => {
      const base = await route.base();
      for (const [field, value] of Object.entries(base)) {
        namesField(await refused(route, { payload: { ...base, [field]: wrongType(value) } }), `body.${field}`);
      }
      for (const field of route.required) {
        const { [field]: _, ...rest } = base;
        const res = await refused(route, { payload: rest });
        namesField(res, `body.${field}`);
        expect(isProblem(res).errors).toContainEqual({
          path: `body.${field}`,
          message: 'is required',
          code: 'required',
        });
      }
    });

    if (route.name.includes(':id')) {
      it('refuses ids that are not ids, naming params.id, and answers 404 for an unknown one', async () => {
        const base = await route.base();
        for (const id of ['abc', '123', '6f9619ff-8b86-4d11-b42d-00c04fc964fg', "1' or '1'='1"]) {
          const url = route.url().replace(/[0-9a-f-]{36}/, encodeURIComponent(id));
          namesField(await refused(route, { url, payload: base }), 'params.id');
        }
        // Unknown ids that sort before and after every real one (rows are locked in id order).
        for (const id of ['00000000-0000-4000-8000-000000000000', 'ffffffff-ffff-4fff-bfff-ffffffffffff']) {
          const unknown = route.url().replace(/[0-9a-f-]{36}/, id);
          expect((await refused(route, { url: unknown, payload: base })).statusCode, id).toBe(404);
        }
      });
    }

    it(`never answers 5xx nor half-writes, for arbitrary and near-valid bodies (${RUNS} runs)`, async () => {
      const [method, url] = route.name.split(' ') as [string, string];
      const operation = documented[url.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
      const statuses = new Set([...Object.keys(operation?.responses ?? {}).map(Number), 413, 415]);
      const seen = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(input, async (sent) => {
          const base = await route.base();
          const body = sent.kind === 'near' ? mutate(base, sent.mutations) : sent.kind === 'json' ? sent.value : null;
          const payload = sent.kind === 'text' ? sent.text : JSON.stringify(body);
          const before = await counts();
          const watched = await route.watch?.();
          const res = await send(route, { payload, headers: { 'content-type': 'application/json' } });
          const after = await counts();
          seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
          const context = `${route.name} ${payload.slice(0, 300)} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
          expect(res.statusCode, context).toBeLessThan(500);
          expect(statuses.has(res.statusCode), `undocumented status: ${context}`).toBe(true);
          if (res.statusCode < 300) {
            const success = typeof route.success === 'function' ? route.success(body) : route.success;
            const written = route.writes?.(body) === false ? {} : success;
            expect(delta(before, after), context).toEqual({ ...NONE, ...written });
            await route.afterSuccess?.(res, body);
            return;
          }
          isProblem(res);
          const { audit_events: audited, ...written } = delta(before, after);
          expect({ ...written, audit_events: 0 }, context).toEqual(NONE);
          expect(await route.watch?.(), context).toEqual(watched);
          if (route.name === 'POST /api/v1/auth/login' && [401, 429].includes(res.statusCode)) {
            // A refused sign-in that got past validation is itself recorded, once.
            const { rows } = await t.database.db.query<{ action: string; outcome: string }>(
              'select action, outcome from audit_events order by id desc limit 1',
            );
            expect(audited, context).toBe(1);
            expect(rows[0], context).toEqual({
              action: 'auth.login',
              outcome: res.statusCode === 401 ? 'failure' : 'denied',
            });
          } else {
            expect(audited, context).toBe(0);
          }
        }),
        { numRuns: RUNS },
      );
      // The generator reaches both sides: some calls succeed, some are refused.
      expect(
        [...seen.keys()].some((s) => s >= 400),
        JSON.stringify([...seen]),
      ).toBe(true);
    });
  });

  describe('POST /api/v1/patients/:id/documents (multipart)', () => {
    const url = () => `/api/v1/patients/${docPatientId}/documents`;
    const raw = (payload: string, contentType: string) =>
      t.call({ method: 'POST', url: url(), token: archivist.token, headers: { 'content-type': contentType }, payload });
    /** Sends, expects a problem, and checks that neither a row nor a stored object was left. */
    const refusedUpload = async (send: () => Promise<LightMyRequestResponse>) => {
      const before = await counts();
      const objects = await storedKeys(t);
      const res = await send();
      isProblem(res);
      expect(delta(before, await counts()), res.body).toEqual(NONE);
      expect(await storedKeys(t)).toEqual(objects);
      const documentedStatuses = Object.keys(documented['/api/v1/patients/{id}/documents']?.post?.responses ?? {}).map(
        Number,
      );
      expect(documentedStatuses, `undocumented status: ${res.statusCode}`).toContain(res.statusCode);
      return res;
    };
    const file = { bytes: FILES.text(), name: 'nota.txt' };
    const send = (fields: Record<string, string>, f: typeof file | null = file, patientId = docPatientId) =>
      refusedUpload(() => upload(t, patientId, archivist.token, f, fields));

    it('refuses a body that is not multipart/form-data with 415, naming what to send', async () => {
      for (const [payload, type] of [
        ['{"file":"aGVsbG8="}', 'application/json'],
        ['<document/>', 'application/xml'],
        ['hola', 'text/plain'],
      ] as const) {
        const res = await refusedUpload(() => raw(payload, type));
        expect(res.statusCode, type).toBe(415);
        expect(res.json().detail).toMatch(/multipart\/form-data/);
      }
      expect(
        (await refusedUpload(() => t.call({ method: 'POST', url: url(), token: archivist.token }))).statusCode,
      ).toBe(415);
    });

    it('refuses a missing, empty, doubled or misnamed file part, naming it', async () => {
      namesField(await send({ title: 'Sin fichero' }, null), 'body.file');
      expect(isProblem(await send({}, null)).errors).toContainEqual({
        path: 'body.file',
        message: 'is required',
        code: 'required',
      });
      namesField(await send({}, { bytes: Buffer.alloc(0), name: 'vacio.txt' }), 'body.file');
      const two = new FormData();
      two.append('file', new Blob(['uno']), 'uno.txt');
      two.append('file', new Blob(['dos']), 'dos.txt');
      namesField(
        await refusedUpload(() =>
          t.call({ method: 'POST', url: url(), token: archivist.token, payload: two as unknown as string }),
        ),
        'body.file',
      );
      const misnamed = new FormData();
      misnamed.append('document', new Blob(['uno']), 'uno.txt');
      namesField(
        await refusedUpload(() =>
          t.call({ method: 'POST', url: url(), token: archivist.token, payload: misnamed as unknown as string }),
        ),
        'body.document',
      );
    });

    it('refuses unknown, repeated, empty, too long or invalid fields, naming them', async () => {
      expect(isProblem(await send({ nickname: 'x' })).errors).toContainEqual({
        path: 'body.nickname',
        message: 'is not a known field',
        code: 'unknown_field',
      });
      namesField(await send({ category: 'invoice' }), 'body.category');
      namesField(await send({ category: 'prescription' }), 'body.category');
      namesField(await send({ title: '   ' }), 'body.title');
      namesField(await send({ title: 'Informe\u0000' }), 'body.title');
      namesField(await send({ title: 'x'.repeat(201) }), 'body.title');
      namesField(await send({ title: 'x'.repeat(5000) }), 'body.title');
      const twice = new FormData();
      twice.append('title', 'uno');
      twice.append('title', 'dos');
      twice.append('file', new Blob(['hola']), 'hola.txt');
      namesField(
        await refusedUpload(() =>
          t.call({ method: 'POST', url: url(), token: archivist.token, payload: twice as unknown as string }),
        ),
        'body.title',
      );
      // Fields after the file are checked too, and the file already stored is removed.
      const late = new FormData();
      late.append('file', new Blob(['hola']), 'hola.txt');
      late.append('category', 'nonsense');
      namesField(
        await refusedUpload(() =>
          t.call({ method: 'POST', url: url(), token: archivist.token, payload: late as unknown as string }),
        ),
        'body.category',
      );
    });

    it('refuses malformed or cut-short multipart bodies with 400', async () => {
      const boundary = 'XyZ123';
      const part = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhola`;
      for (const [payload, type] of [
        [part, `multipart/form-data; boundary=${boundary}`],
        [`${part}\r\n--${boundary}--\r\n`, 'multipart/form-data'],
        ['garbage', `multipart/form-data; boundary=${boundary}`],
        [
          `--${boundary}\r\nContent-Disposition: form-data; name="__proto__"\r\n\r\nx\r\n--${boundary}--\r\n`,
          `multipart/form-data; boundary=${boundary}`,
        ],
      ] as const) {
        const res = await refusedUpload(() => raw(payload, type));
        expect(res.statusCode, payload).toBe(400);
      }
    });

    it('refuses ids that are not ids, naming params.id, and answers 404 for an unknown patient', async () => {
      for (const id of ['abc', '123', "1' or '1'='1"]) {
        namesField(await send({}, file, encodeURIComponent(id)), 'params.id');
      }
      expect((await send({}, file, randomUUID())).statusCode).toBe(404);
    });
  });

  describe('POST /api/v1/incidents/:id/attachments (multipart)', () => {
    const url = (id = noteIncidentId) => `/api/v1/incidents/${id}/attachments`;
    const post = (payload: unknown, headers: Record<string, string> = {}, id?: string) =>
      t.call({ method: 'POST', url: url(id), token: admin.token, headers, payload: payload as string });
    /** Sends, expects a documented problem, and checks that neither a row nor a stored object was left. */
    const refusedAttachment = async (send: () => Promise<LightMyRequestResponse>) => {
      const before = await counts();
      const objects = await storedKeys(t);
      const res = await send();
      isProblem(res);
      expect(delta(before, await counts()), res.body).toEqual(NONE);
      expect(await storedKeys(t)).toEqual(objects);
      const statuses = Object.keys(documented['/api/v1/incidents/{id}/attachments']?.post?.responses ?? {}).map(Number);
      expect(statuses, `undocumented status: ${res.statusCode}`).toContain(res.statusCode);
      return res;
    };
    const form = (...parts: [name: string, value: string, fileName?: string][]) => {
      const body = new FormData();
      for (const [name, value, fileName] of parts) {
        if (fileName) body.append(name, new Blob([value]), fileName);
        else body.append(name, value);
      }
      return body;
    };

    it('refuses a body that is not multipart/form-data with 415, naming what to send', async () => {
      for (const [payload, type] of [
        ['{"file":"aGVsbG8="}', 'application/json'],
        ['<file/>', 'application/xml'],
        ['hola', 'text/plain'],
      ] as const) {
        const res = await refusedAttachment(() => post(payload, { 'content-type': type }));
        expect(res.statusCode, type).toBe(415);
        expect(res.json().detail).toMatch(/multipart\/form-data/);
      }
    });

    it('refuses a missing, empty, doubled or misnamed file part, and any other field, naming it', async () => {
      expect(isProblem(await refusedAttachment(() => post(form(['note', 'x'])))).errors).toContainEqual({
        path: 'body.note',
        message: 'is not a known field',
        code: 'unknown_field',
      });
      namesField(await refusedAttachment(() => post(form())), 'body');
      namesField(await refusedAttachment(() => post(form(['file', '', 'vacio.txt']))), 'body.file');
      namesField(
        await refusedAttachment(() => post(form(['file', 'uno', 'uno.txt'], ['file', 'dos', 'dos.txt']))),
        'body.file',
      );
      namesField(await refusedAttachment(() => post(form(['document', 'uno', 'uno.txt']))), 'body.document');
      // A field after the file: the file already stored is removed.
      namesField(await refusedAttachment(() => post(form(['file', 'hola', 'hola.txt'], ['title', 'x']))), 'body.title');
    });

    it('refuses malformed or cut-short multipart bodies with 400', async () => {
      const boundary = 'XyZ123';
      const part = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhola`;
      for (const [payload, type] of [
        [part, `multipart/form-data; boundary=${boundary}`],
        [`${part}\r\n--${boundary}--\r\n`, 'multipart/form-data'],
        ['garbage', `multipart/form-data; boundary=${boundary}`],
      ] as const) {
        expect((await refusedAttachment(() => post(payload, { 'content-type': type }))).statusCode, payload).toBe(400);
      }
    });

    it('refuses ids that are not ids, naming params.id, and answers 404 for an unknown incident', async () => {
      for (const id of ['abc', '123', "1' or '1'='1"]) {
        namesField(
          await refusedAttachment(() => post(form(['file', 'hola', 'hola.txt']), {}, encodeURIComponent(id))),
          'params.id',
        );
      }
      const unknown = await refusedAttachment(() => post(form(['file', 'hola', 'hola.txt']), {}, randomUUID()));
      expect(unknown.statusCode).toBe(404);
    });
  });

  describe('query parameters', () => {
    const get = (url: string) => t.call({ method: 'GET', url, token: admin.token });
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

    it('GET /api/v1/patients refuses a bad limit, cursor, search text or unknown parameter, naming it', async () => {
      for (const limit of ['0', 'abc', '1000', '1.5', '-1', '']) {
        namesField(await get(`/api/v1/patients?limit=${limit}`), 'querystring.limit');
      }
      namesField(await get('/api/v1/patients?limit=1&limit=2'), 'querystring.limit');
      for (const cursor of ['garbage', b64(['a', 'b']), b64(['a\u0000', randomUUID()]), b64([1, 2]), 'x'.repeat(600)]) {
        namesField(await get(`/api/v1/patients?cursor=${cursor}`), 'querystring.cursor');
      }
      namesField(await get('/api/v1/patients?q=%00'), 'querystring.q');
      namesField(await get(`/api/v1/patients?q=${'a'.repeat(101)}`), 'querystring.q');
      namesField(await get('/api/v1/patients?sort=name'), 'querystring.sort');
      // A real cursor still works.
      const first = (await get('/api/v1/patients?limit=1')).json();
      expect((await get(`/api/v1/patients?limit=1&cursor=${first.nextCursor}`)).statusCode).toBe(200);
    });

    it('GET /api/v1/audit-events refuses bad instants, ids, filters and cursors, naming them', async () => {
      for (const from of [
        'yesterday',
        '2026-01-01',
        '2026-02-31T00:00:00Z',
        '0000-01-01T00:00:00Z',
        '0001-01-01T00:00:00%2B01:00',
      ]) {
        namesField(await get(`/api/v1/audit-events?from=${from}`), 'querystring.from');
      }
      namesField(await get('/api/v1/audit-events?to=2026-13-01T00:00:00Z'), 'querystring.to');
      namesField(await get('/api/v1/audit-events?userId=1'), 'querystring.userId');
      namesField(await get('/api/v1/audit-events?patientId=abc'), 'querystring.patientId');
      namesField(await get('/api/v1/audit-events?outcome=maybe'), 'querystring.outcome');
      namesField(await get("/api/v1/audit-events?action=x'%20or%201=1"), 'querystring.action');
      namesField(await get('/api/v1/audit-events?limit=0'), 'querystring.limit');
      for (const cursor of ['garbage', b64(['abc']), b64(['1e400']), b64(['99999999999999999999'])]) {
        namesField(await get(`/api/v1/audit-events?cursor=${cursor}`), 'querystring.cursor');
      }
      namesField(await get('/api/v1/audit-events?verbose=1'), 'querystring.verbose');
      // Valid instants with an offset still work, and are read as the same instant in UTC.
      for (const from of ['2026-01-01T00:00:00-15:59', '2026-01-01T00:00:00%2B20:00', '0001-01-01T00:00:00Z']) {
        expect((await get(`/api/v1/audit-events?from=${from}&limit=1`)).statusCode, from).toBe(200);
      }
      const ok = await get('/api/v1/audit-events?from=2026-01-01T00:00:00.123456Z&to=9999-12-31T23:59:59Z&limit=1');
      expect(ok.statusCode).toBe(200);
      expect((await get(`/api/v1/audit-events?limit=1&cursor=${ok.json().nextCursor}`)).statusCode).toBe(200);
    });

    it('GET /api/v1/users refuses a bad cursor or search text, naming it', async () => {
      namesField(await get(`/api/v1/users?cursor=${b64(['a\u0000'])}`), 'querystring.cursor');
      namesField(await get('/api/v1/users?q=%00'), 'querystring.q');
    });

    it('GET /api/v1/appointments refuses bad filters, instants, statuses and cursors, naming them', async () => {
      namesField(await get('/api/v1/appointments?practitionerId=abc'), 'querystring.practitionerId');
      namesField(await get('/api/v1/appointments?patientId=1'), 'querystring.patientId');
      for (const from of [
        'tomorrow',
        '2026-01-01',
        '2026-02-31T00:00:00Z',
        '1999-12-31T23:59:59Z',
        '2200-01-01T00:00:00Z',
      ]) {
        namesField(await get(`/api/v1/appointments?from=${from}`), 'querystring.from');
      }
      namesField(await get('/api/v1/appointments?to=x'), 'querystring.to');
      namesField(await get('/api/v1/appointments?status=lost'), 'querystring.status');
      namesField(await get('/api/v1/appointments?limit=0'), 'querystring.limit');
      for (const cursor of [
        'garbage',
        b64(['2026-01-01T00:00:00Z']),
        b64(['yesterday', randomUUID()]),
        b64(['2026-01-01T00:00:00Z', 'x']),
      ]) {
        namesField(await get(`/api/v1/appointments?cursor=${cursor}`), 'querystring.cursor');
      }
      namesField(await get('/api/v1/appointments?sort=start'), 'querystring.sort');
      const first = await get(`/api/v1/appointments?limit=1&from=2026-01-01T00:00:00%2B01:00`);
      expect(first.statusCode, first.body).toBe(200);
      expect((await get(`/api/v1/appointments?limit=1&cursor=${first.json().nextCursor}`)).statusCode).toBe(200);
    });

    it('GET /api/v1/practitioners/:id/availability refuses a bad date, length or treatment, naming it', async () => {
      const url = `/api/v1/practitioners/${bookingPractitionerId}/availability`;
      namesField(await get(url), 'querystring.date');
      for (const date of ['2026-02-30', 'tomorrow', '26-01-01', '1899-01-01', '%00']) {
        namesField(await get(`${url}?date=${date}`), 'querystring.date');
      }
      const date = localDate(3);
      for (const minutes of ['0', '4', '721', '1.5', 'abc']) {
        namesField(await get(`${url}?date=${date}&durationMinutes=${minutes}`), 'querystring.durationMinutes');
      }
      namesField(await get(`${url}?date=${date}&treatmentId=x`), 'querystring.treatmentId');
      namesField(await get(`${url}?date=${date}&treatmentId=${randomUUID()}`), 'querystring.treatmentId');
      namesField(
        await get(`${url}?date=${date}&treatmentId=${treatmentTarget.id}&durationMinutes=30`),
        'querystring.durationMinutes',
      );
      expect((await get(`/api/v1/practitioners/${randomUUID()}/availability?date=${date}`)).statusCode).toBe(404);
      expect((await get(`${url}?date=${date}&durationMinutes=60`)).json().slots).toHaveLength(24);
    });
  });

  describe('POST /api/v1/backups, which takes no body', () => {
    it('refuses a malformed body or another media type before starting anything', async () => {
      const backups: WriteRoute = {
        name: 'POST /api/v1/backups',
        method: 'POST',
        url: () => '/api/v1/backups',
        token: () => admin.token,
        base: () => ({}),
        required: [],
        success: {},
      };
      const json = { 'content-type': 'application/json' };
      expect((await refused(backups, { payload: '{"now":', headers: json })).json().detail).toMatch(/JSON/);
      expect(
        (await refused(backups, { payload: '<now/>', headers: { 'content-type': 'application/xml' } })).statusCode,
      ).toBe(415);
      // Without BACKUP_KEY (this app has none) a well-formed request is refused too, saying what to set.
      expect((await refused(backups, {})).json().detail).toMatch(/BACKUP_KEY/);
    });
  });

  describe('text the database cannot keep as sent', () => {
    it('is refused with a 400 naming the field, never a 500 or an altered record', async () => {
      const create = (payload: Json) =>
        refused(ROUTES[0] as WriteRoute, { payload: { ...(patientInput() as Body), ...(payload as Body) } });
      namesField(await create({ firstName: 'Ana\u0000' }), 'body.firstName');
      namesField(await create({ lastName: '\ud800Ruiz' }), 'body.lastName');
      namesField(await create({ address: { city: 'Ma\u0000drid' } }), 'body.address.city');
      namesField(await create({ allergies: ['\udc00'] }), 'body.allergies.0');
      namesField(await create({ emergencyContact: { name: 'x\u0000' } }), 'body.emergencyContact.name');
      const register = ROUTES.find((r) => r.name === 'POST /api/v1/auth/register') as WriteRoute;
      namesField(
        await refused(register, { payload: { ...(await register.base()), firstName: 'Ana\u0000' } }),
        'body.firstName',
      );
      // Paired surrogates (emoji) are ordinary text.
      const emoji = await send(ROUTES[0] as WriteRoute, { payload: patientInput({ firstName: 'Ana 🦷' }) as Body });
      expect(emoji.statusCode).toBe(201);
      expect(emoji.json().firstName).toBe('Ana 🦷');
    });
  });

  describe('refusals deep in a transaction', () => {
    it('a registration with a taken e-mail leaves no patient behind', async () => {
      const register = ROUTES.find((r) => r.name === 'POST /api/v1/auth/register') as WriteRoute;
      const res = await refused(register, { payload: { ...(await register.base()), email: admin.email } });
      expect(res.statusCode).toBe(409);
    });

    it('a registration with a registered document number leaves no account behind', async () => {
      const register = ROUTES.find((r) => r.name === 'POST /api/v1/auth/register') as WriteRoute;
      const documentNumber = putTarget.body.documentNumber as string;
      const res = await refused(register, { payload: { ...(await register.base()), documentNumber } });
      expect(res.statusCode).toBe(409);
      expect(res.json().detail).not.toMatch(/PT\d{5}/);
    });

    it('a merge into itself or of an unknown record changes nothing', async () => {
      const merge = ROUTES.find((r) => r.name === 'POST /api/v1/patients/:id/merge') as WriteRoute;
      expect((await refused(merge, { payload: { duplicateId: survivorId } })).statusCode).toBe(400);
      // Unknown ids that sort before and after the survivor's (the merge locks rows in id order).
      for (const duplicateId of ['00000000-0000-4000-8000-000000000000', 'ffffffff-ffff-4fff-bfff-ffffffffffff']) {
        expect((await refused(merge, { payload: { duplicateId } })).statusCode, duplicateId).toBe(404);
      }
    });

    it('an account linked to a patient that does not exist is not created', async () => {
      const users = ROUTES.find((r) => r.name === 'POST /api/v1/users') as WriteRoute;
      const res = await refused(users, { payload: { ...(await users.base()), patientId: randomUUID() } });
      namesField(res, 'body.patientId');
    });
  });
});
