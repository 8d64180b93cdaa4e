import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/platform/http/access.js';
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
import {
  bookAppointment,
  createPractitioner,
  createTreatment,
  everyDay,
  localDate,
  slot,
} from './support/scheduling.js';

/**
 * Who may call what, written out by hand: the single place to review the API's access rules.
 * Adding, removing or re-declaring a route without changing this table fails the test.
 */
type Expected = 'public' | 'authenticated' | readonly Role[];

const ROLES: readonly Role[] = ['patient', 'admissions', 'doctor', 'results', 'pharmacist', 'agent', 'admin'];

const EXPECTED: Record<string, Expected> = {
  // Interactive API documentation
  'GET /docs': 'public',
  'GET /docs/static/index.html': 'public',
  'GET /docs/static/swagger-initializer.js': 'public',
  'GET /docs/json': 'public',
  'GET /docs/yaml': 'public',
  'GET /docs/static/*': 'public',
  // Web app (test builds may lack web/dist; the routes are the same either way)
  'GET /': 'public',
  'GET /*': 'public',
  'GET /assets/*': 'public',
  // System
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': 'public',
  'GET /api/v1/info': 'public',
  'GET /.well-known/jwks.json': 'public',
  'GET /api/v1/openapi.json': 'public',
  // Authentication
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/refresh': 'public',
  'POST /api/v1/auth/logout': 'public',
  'POST /api/v1/auth/register': 'public',
  'GET /api/v1/auth/me': 'authenticated',
  'PATCH /api/v1/auth/me': 'authenticated',
  'POST /api/v1/auth/password-reset': 'public',
  'POST /api/v1/auth/password-reset/confirm': 'public',
  'POST /api/v1/auth/password': 'authenticated',
  'POST /api/v1/auth/mfa/setup': 'authenticated',
  'POST /api/v1/auth/mfa/enable': 'authenticated',
  'POST /api/v1/auth/mfa/disable': 'authenticated',
  // Single sign-on: the browser reaches these before anyone is signed in; the provider posts logouts
  'GET /api/v1/auth/providers': 'public',
  'GET /api/v1/auth/oidc/login': 'public',
  'GET /api/v1/auth/oidc/callback': 'public',
  'POST /api/v1/auth/oidc/exchange': 'public',
  'POST /api/v1/auth/oidc/backchannel-logout': 'public',
  // Users
  'POST /api/v1/users': ['admin'],
  'GET /api/v1/users': ['admin'],
  'GET /api/v1/users/:id': ['admin'],
  'PATCH /api/v1/users/:id': ['admin'],
  'POST /api/v1/users/:id/mfa/reset': ['admin'],
  // Patients
  'POST /api/v1/patients': ['admissions', 'doctor', 'admin'],
  'GET /api/v1/patients': ['patient', 'admissions', 'doctor', 'results', 'pharmacist', 'agent', 'admin'],
  'GET /api/v1/patients/:id': ['patient', 'admissions', 'doctor', 'results', 'pharmacist', 'agent', 'admin'],
  'PUT /api/v1/patients/:id': ['patient', 'admissions', 'doctor', 'admin'],
  'GET /api/v1/patients/:id/duplicates': ['admissions', 'admin'],
  'POST /api/v1/patients/:id/merge': ['admissions', 'admin'],
  // Audit
  'GET /api/v1/audit-events': ['admin'],
  // E-mail delivery log
  'GET /api/v1/mail-deliveries': ['admin'],
  // Backups: status and start (the test app has no BACKUP_KEY, so a start answers 409)
  'GET /api/v1/backups': ['admin'],
  'POST /api/v1/backups': ['admin'],
  // Treatments and practitioners: everyone reads (patients pick whom to book), admins manage
  'GET /api/v1/treatments': 'authenticated',
  'POST /api/v1/treatments': ['admin'],
  'PUT /api/v1/treatments/:id': ['admin'],
  'GET /api/v1/practitioners': 'authenticated',
  'POST /api/v1/practitioners': ['admin'],
  'GET /api/v1/practitioners/:id': 'authenticated',
  'PUT /api/v1/practitioners/:id': ['admin'],
  'PUT /api/v1/practitioners/:id/hours': ['admin'],
  'GET /api/v1/practitioners/:id/exceptions': ['admissions', 'doctor', 'admin'],
  'POST /api/v1/practitioners/:id/exceptions': ['admin'],
  'DELETE /api/v1/practitioners/:id/exceptions/:exceptionId': ['admin'],
  'GET /api/v1/practitioners/:id/availability': 'authenticated',
  // Appointments (a patient reaches only their own)
  'GET /api/v1/appointments': ['patient', 'admissions', 'doctor', 'admin'],
  'POST /api/v1/appointments': ['patient', 'admissions', 'doctor', 'admin'],
  'GET /api/v1/appointments/:id': ['patient', 'admissions', 'doctor', 'admin'],
  'PATCH /api/v1/appointments/:id': ['admissions', 'doctor', 'admin'],
  'POST /api/v1/appointments/:id/cancel': ['patient', 'admissions', 'doctor', 'admin'],
  'POST /api/v1/appointments/:id/confirm': ['patient', 'admissions', 'doctor', 'admin'],
  'POST /api/v1/appointments/:id/check-in': ['admissions', 'doctor', 'admin'],
  'POST /api/v1/appointments/:id/done': ['admissions', 'doctor', 'admin'],
  'POST /api/v1/appointments/:id/no-show': ['admissions', 'doctor', 'admin'],
  // Clinical record: admissions opens and discharges encounters (SPEC: admissions/ingresos) and sees
  // nothing else clinical; the results desk records and reads results only; doctors everything;
  // a patient reads their own finished record (no drafts, no preliminary results); admin none of it.
  'GET /api/v1/icd10': 'authenticated',
  'GET /api/v1/patients/:id/encounters': ['patient', 'admissions', 'doctor'],
  'POST /api/v1/patients/:id/encounters': ['admissions', 'doctor'],
  'GET /api/v1/patients/:id/encounters/:encounterId': ['patient', 'admissions', 'doctor'],
  'PATCH /api/v1/patients/:id/encounters/:encounterId': ['admissions', 'doctor'],
  'POST /api/v1/patients/:id/encounters/:encounterId/discharge': ['admissions', 'doctor'],
  'GET /api/v1/patients/:id/notes': ['patient', 'doctor'],
  'POST /api/v1/patients/:id/notes': ['doctor'],
  'GET /api/v1/patients/:id/notes/:noteId': ['patient', 'doctor'],
  'PATCH /api/v1/patients/:id/notes/:noteId': ['doctor'],
  'POST /api/v1/patients/:id/notes/:noteId/sign': ['doctor'],
  'POST /api/v1/patients/:id/notes/:noteId/addenda': ['doctor'],
  'GET /api/v1/patients/:id/diagnoses': ['patient', 'doctor'],
  'POST /api/v1/patients/:id/diagnoses': ['doctor'],
  'PATCH /api/v1/patients/:id/diagnoses/:diagnosisId': ['doctor'],
  'GET /api/v1/patients/:id/vital-signs': ['patient', 'doctor'],
  'POST /api/v1/patients/:id/vital-signs': ['doctor'],
  'GET /api/v1/patients/:id/results': ['patient', 'doctor', 'results'],
  'POST /api/v1/patients/:id/results': ['doctor', 'results'],
  'GET /api/v1/patients/:id/results/:resultId': ['patient', 'doctor', 'results'],
  'PATCH /api/v1/patients/:id/results/:resultId': ['doctor', 'results'],
  'GET /api/v1/patients/:id/clinical-summary': ['patient', 'doctor'],
  // Dental chart: dentists (doctors) write; a patient reads only their own
  'GET /api/v1/patients/:id/dental-chart': ['patient', 'doctor', 'admin'],
  'GET /api/v1/patients/:id/dental-chart/teeth/:tooth/history': ['patient', 'doctor', 'admin'],
  'POST /api/v1/patients/:id/dental-chart/entries': ['doctor'],
  // Prescriptions: doctors write; patients read their own signed ones, pharmacists every signed one
  'POST /api/v1/prescriptions': ['doctor'],
  'GET /api/v1/prescriptions': ['patient', 'doctor', 'pharmacist', 'admin'],
  'GET /api/v1/prescriptions/:id': ['patient', 'doctor', 'pharmacist', 'admin'],
  'GET /api/v1/prescriptions/:id.pdf': ['patient', 'doctor', 'pharmacist', 'admin'],
  'PUT /api/v1/prescriptions/:id': ['doctor'],
  'POST /api/v1/prescriptions/:id/sign': ['doctor'],
  // Pharmacy: pharmacists keep the catalogue and the stock; doctors (prescribing) and admins read the catalogue
  'POST /api/v1/products': ['pharmacist'],
  'GET /api/v1/products': ['pharmacist', 'doctor', 'admin'],
  'GET /api/v1/products/:id': ['pharmacist', 'doctor', 'admin'],
  'PUT /api/v1/products/:id': ['pharmacist'],
  'GET /api/v1/stock': ['pharmacist'],
  'POST /api/v1/stock/receipts': ['pharmacist'],
  'POST /api/v1/stock/moves': ['pharmacist'],
  'POST /api/v1/prescriptions/:id/lines/:lineNo/dispense': ['pharmacist'],
  // Purchasing: pharmacists buy; administrators read what is bought
  'POST /api/v1/vendors': ['pharmacist'],
  'GET /api/v1/vendors': ['pharmacist', 'admin'],
  'GET /api/v1/vendors/:id': ['pharmacist', 'admin'],
  'PUT /api/v1/vendors/:id': ['pharmacist'],
  'GET /api/v1/purchase-orders': ['pharmacist', 'admin'],
  'GET /api/v1/purchase-orders/suggestions': ['pharmacist', 'admin'],
  'POST /api/v1/purchase-orders': ['pharmacist'],
  'GET /api/v1/purchase-orders/:id': ['pharmacist', 'admin'],
  'PUT /api/v1/purchase-orders/:id': ['pharmacist'],
  'POST /api/v1/purchase-orders/:id/confirm': ['pharmacist'],
  'POST /api/v1/purchase-orders/:id/receive': ['pharmacist'],
  'POST /api/v1/purchase-orders/:id/cancel': ['pharmacist'],
  // The pharmacy dashboard: pharmacists, and administrators overseeing the stock
  'GET /api/v1/pharmacy/dashboard': ['pharmacist', 'admin'],
  // Billing: the desk, the pharmacy and administrators bill; doctors read; a patient reads their own issued invoices
  'POST /api/v1/invoices': ['admissions', 'pharmacist', 'admin'],
  'GET /api/v1/invoices': ['patient', 'admissions', 'doctor', 'pharmacist', 'admin'],
  'GET /api/v1/invoices/billable': ['admissions', 'pharmacist', 'admin'],
  'GET /api/v1/invoices/:id': ['patient', 'admissions', 'doctor', 'pharmacist', 'admin'],
  'PUT /api/v1/invoices/:id': ['admissions', 'pharmacist', 'admin'],
  'DELETE /api/v1/invoices/:id': ['admissions', 'pharmacist', 'admin'],
  'POST /api/v1/invoices/:id/issue': ['admissions', 'pharmacist', 'admin'],
  'POST /api/v1/invoices/:id/payments': ['admissions', 'pharmacist', 'admin'],
  'POST /api/v1/invoices/:id/void': ['admissions', 'pharmacist', 'admin'],
  'GET /api/v1/invoices/:id/pdf': ['patient', 'admissions', 'doctor', 'pharmacist', 'admin'],
  // Clinical history export: doctors, the results desk, a patient their own
  'GET /api/v1/patients/:id/history.pdf': ['patient', 'doctor', 'results'],
  // Documents: a patient reads their own; doctors and the results desk read, upload and delete
  'GET /api/v1/patients/:id/documents': ['patient', 'doctor', 'results'],
  'POST /api/v1/patients/:id/documents': ['doctor', 'results'],
  'GET /api/v1/patients/:id/documents/:documentId': ['patient', 'doctor', 'results'],
  'GET /api/v1/patients/:id/documents/:documentId/content': ['patient', 'doctor', 'results'],
  'DELETE /api/v1/patients/:id/documents/:documentId': ['doctor', 'results'],
  // Helpdesk: anyone signed in reports and follows their own incidents (the service limits them); agents work the queue
  'GET /api/v1/incidents': 'authenticated',
  'GET /api/v1/incidents/summary': ['agent', 'admin'],
  'GET /api/v1/incidents/agents': ['agent', 'admin'],
  'POST /api/v1/incidents': 'authenticated',
  'POST /api/v1/incidents/public': 'public',
  'GET /api/v1/incidents/:id': 'authenticated',
  'PUT /api/v1/incidents/:id': 'authenticated',
  'POST /api/v1/incidents/:id/articles': 'authenticated',
  'POST /api/v1/incidents/:id/attachments': 'authenticated',
  'GET /api/v1/incidents/:id/attachments/:attachmentId/content': 'authenticated',
  'POST /api/v1/incidents/inbound-email': 'public',
  // Zammad's trigger: verified by its HMAC signature; 404 while Zammad is not configured
  'POST /api/v1/integrations/zammad/webhook': 'public',
};

/** Comparable form of an access declaration: role lists sorted. */
const normalize = (access: unknown) =>
  Array.isArray(access) ? [...(access as string[])].sort() : (access ?? '(none declared)');

/** A caller: nobody, or a signed-in user of one role. */
interface Caller {
  name: 'anonymous' | Role;
  role: Role | null;
  session: SignedIn | null;
}

interface Fixtures {
  /** The patient record of the portal (patient role) user; the record every :id route uses. */
  patientId: string;
  /** Its current contents as a PUT body: writing it back changes nothing, so every role may. */
  patientBody: Record<string, unknown>;
  /** An account the admin routes on /users/:id can act on. */
  spareUserId: string;
  spareEmail: string;
  /** The spare account's current refresh token; each successful refresh hands on its successor. */
  refreshToken: string;
  treatmentId: string;
  treatmentBody: Record<string, unknown>;
  practitionerId: string;
  exceptionId: string;
  /** An appointment of the portal patient, far enough ahead for the patient to cancel it. */
  appointmentId: string;
  /** Clinical record of the portal patient; the note is a draft by the doctor caller (its author). */
  clinical: { encounterId: string; noteId: string; diagnosisId: string; resultId: string };
  /** A draft written by the doctor caller: only its author may change or sign it. */
  prescriptionId: string;
  /** A document of the portal patient. */
  documentId: string;
  /** An incident the portal patient reported, with a file on its reply. */
  incidentId: string;
  attachmentId: string;
  /** An incident reported by staff: agents change it; the patient does not see it. */
  queueIncidentId: string;
  /** A product of the catalogue with one lot in stock. */
  productId: string;
  lotId: string;
  /** A vendor, and a draft order of one line of the product from it. */
  vendorId: string;
  vendorBody: Record<string, unknown>;
  purchaseOrderId: string;
  /** An issued invoice of the portal patient (the first allowed caller voids it; later calls answer 409). */
  invoiceId: string;
}

/** The fixture an :id route acts on, by its collection. */
function idFor(url: string, f: Fixtures): string {
  if (url.startsWith('/api/v1/users')) return f.spareUserId;
  if (url.startsWith('/api/v1/treatments')) return f.treatmentId;
  if (url.startsWith('/api/v1/practitioners')) return f.practitionerId;
  if (url.startsWith('/api/v1/appointments')) return f.appointmentId;
  if (url.startsWith('/api/v1/prescriptions')) return f.prescriptionId;
  if (url.startsWith('/api/v1/incidents')) return f.incidentId;
  if (url.startsWith('/api/v1/products')) return f.productId;
  if (url.startsWith('/api/v1/vendors')) return f.vendorId;
  if (url.startsWith('/api/v1/purchase-orders')) return f.purchaseOrderId;
  if (url.startsWith('/api/v1/invoices')) return f.invoiceId;
  return f.patientId;
}

/** A product body without a barcode: creating it again does not conflict. */
const PRODUCT = { kind: 'medicine', name: 'Ibuprofeno 400', unit: 'tablet', salePrice: '0.20', taxRate: '15.00' };

const PRESCRIPTION_LINE = {
  medicament: 'Ibuprofeno',
  form: 'tablet',
  quantity: 10,
  foodTiming: 'after',
  morning: true,
  days: 3,
};

const INVOICE_LINE = { description: 'Informe médico', quantity: '1', unitPrice: '25.00', taxRate: '21' };

/** Each booking attempt gets its own free half hour. */
let nextSlot = 0;

/**
 * The request that reaches each route's handler for an allowed caller: valid ids and bodies,
 * so any refusal must come from the route's access rule. Handler answers such as 400 (wrong
 * current password), 404 (unknown duplicate) or 409 are fine; 401 and 403 are not.
 */
function requestFor(route: string, caller: Caller, f: Fixtures): { url: string; payload?: object } {
  const [, url = ''] = route.split(' ');
  const withId = url
    .replace(':id', idFor(url, f))
    .replace(':exceptionId', f.exceptionId)
    .replace(':tooth', '36')
    .replace(':encounterId', f.clinical.encounterId)
    .replace(':noteId', f.clinical.noteId)
    .replace(':diagnosisId', f.clinical.diagnosisId)
    .replace(':resultId', f.clinical.resultId)
    .replace(':documentId', f.documentId)
    .replace(':attachmentId', f.attachmentId)
    .replace(':lineNo', '1');
  switch (route) {
    case 'GET /docs/static/*':
      return { url: '/docs/static/swagger-ui.css' };
    case 'POST /api/v1/auth/login':
      return { url, payload: { email: caller.session?.email ?? f.spareEmail, password: TEST_PASSWORD } };
    case 'POST /api/v1/auth/refresh':
      // The spare account's session: logging out ends the callers' own sessions, not this one.
      return { url, payload: { refreshToken: f.refreshToken } };
    case 'POST /api/v1/auth/logout':
      return { url, payload: {} };
    case 'POST /api/v1/auth/register':
      return {
        url,
        payload: {
          email: `register-${randomUUID().slice(0, 8)}@clinica.test`,
          password: TEST_PASSWORD,
          firstName: 'Registro',
          lastName: 'Propio',
          documentNumber: uniqueDocument(),
          birthDate: '1988-08-08',
        },
      };
    case 'POST /api/v1/auth/password':
      return { url, payload: { currentPassword: 'not the password', newPassword: 'another long password' } };
    case 'PATCH /api/v1/auth/me':
      return { url, payload: { language: 'es' } };
    case 'POST /api/v1/auth/password-reset':
      return { url, payload: { email: f.spareEmail } };
    case 'POST /api/v1/auth/password-reset/confirm':
      return { url, payload: { token: `${randomUUID()}.forged`, password: 'another long password' } };
    case 'POST /api/v1/auth/mfa/enable':
      return { url, payload: { code: '000000' } };
    case 'GET /api/v1/auth/oidc/login':
      return { url: `${url}?returnTo=/patients` };
    case 'GET /api/v1/auth/oidc/callback':
      return { url: `${url}?code=c&state=s` };
    case 'POST /api/v1/auth/oidc/exchange':
      return { url, payload: { code: 'not-a-code' } };
    case 'POST /api/v1/auth/oidc/backchannel-logout':
      return { url, payload: { logout_token: 'not-a-token' } };
    case 'POST /api/v1/auth/mfa/disable':
      return { url, payload: { password: TEST_PASSWORD, code: '000000' } };
    case 'POST /api/v1/users':
      return { url, payload: { email: `made-${randomUUID().slice(0, 8)}@clinica.test`, roles: ['results'] } };
    case 'PATCH /api/v1/users/:id':
      return { url: withId, payload: { language: 'en' } };
    case 'POST /api/v1/patients':
      return { url, payload: patientInput() };
    case 'PUT /api/v1/patients/:id':
      return { url: withId, payload: f.patientBody };
    case 'POST /api/v1/patients/:id/merge':
      return { url: withId, payload: { duplicateId: randomUUID() } };
    case 'POST /api/v1/treatments':
      return {
        url,
        payload: { code: `T${randomUUID().slice(0, 8)}`, name: 'Revisión', durationMinutes: 30, cost: '30.00' },
      };
    case 'PUT /api/v1/treatments/:id':
      return { url: withId, payload: f.treatmentBody };
    case 'POST /api/v1/practitioners':
      return { url, payload: { name: 'Dr. Nuevo' } };
    case 'PUT /api/v1/practitioners/:id':
      return { url: withId, payload: { name: 'Dra. Autorización' } };
    case 'PUT /api/v1/practitioners/:id/hours':
      return { url: withId, payload: { workingHours: everyDay('00:00', '24:00') } };
    case 'POST /api/v1/practitioners/:id/exceptions':
      return { url: withId, payload: { startDate: localDate(400), endDate: localDate(400), reason: 'Congreso' } };
    case 'GET /api/v1/practitioners/:id/availability':
      return { url: `${withId}?date=${localDate(1)}` };
    case 'POST /api/v1/appointments':
      return { url, payload: { patientId: f.patientId, practitionerId: f.practitionerId, ...slot(20, nextSlot++) } };
    case 'PATCH /api/v1/appointments/:id':
      return { url: withId, payload: { notes: 'Revisado' } };
    case 'POST /api/v1/patients/:id/dental-chart/entries':
      return { url: withId, payload: { tooth: 36, surfaces: ['occlusal'], kind: 'finding', finding: 'caries' } };
    case 'POST /api/v1/prescriptions':
      return { url, payload: { patientId: f.patientId, lines: [PRESCRIPTION_LINE] } };
    case 'POST /api/v1/products':
    case 'PUT /api/v1/products/:id':
      return { url: route.startsWith('PUT') ? withId : url, payload: PRODUCT };
    case 'POST /api/v1/stock/receipts':
      return {
        url,
        payload: { lines: [{ productId: f.productId, lotNumber: 'L-AUTH', expiresOn: '2099-12-31', quantity: '1' }] },
      };
    case 'POST /api/v1/stock/moves':
      return { url, payload: { kind: 'adjustment', lotId: f.lotId, quantity: '1', note: 'Recuento' } };
    case 'POST /api/v1/vendors':
    case 'PUT /api/v1/vendors/:id':
      return { url: route.startsWith('PUT') ? withId : url, payload: f.vendorBody };
    case 'POST /api/v1/purchase-orders':
    case 'PUT /api/v1/purchase-orders/:id':
      return {
        url: route.startsWith('PUT') ? withId : url,
        payload: { vendorId: f.vendorId, lines: [{ productId: f.productId, quantity: '10', unitCost: '0.1200' }] },
      };
    case 'POST /api/v1/purchase-orders/:id/receive':
      // The draft: the handler answers 409, past the access rule.
      return {
        url: withId,
        payload: { lines: [{ lineNo: 1, lotNumber: 'L-PO', expiresOn: '2099-12-31', quantity: '1' }] },
      };
    case 'POST /api/v1/purchase-orders/:id/cancel':
      return { url: withId, payload: { reason: 'Pedido duplicado' } };
    case 'POST /api/v1/prescriptions/:id/lines/:lineNo/dispense':
      // A draft: the handler answers 409, past the access rule.
      return { url: withId, payload: { productId: f.productId, quantity: '1' } };
    case 'PUT /api/v1/prescriptions/:id':
      return { url: withId, payload: { lines: [PRESCRIPTION_LINE] } };
    case 'POST /api/v1/invoices':
      return { url, payload: { patientId: f.patientId, lines: [INVOICE_LINE] } };
    case 'GET /api/v1/invoices/billable':
      return { url: `${url}?patientId=${f.patientId}` };
    case 'PUT /api/v1/invoices/:id':
      return { url: withId, payload: { lines: [INVOICE_LINE] } };
    case 'POST /api/v1/invoices/:id/payments':
      return { url: withId, payload: { amount: '0.01', method: 'cash' } };
    case 'POST /api/v1/invoices/:id/void':
      return { url: withId, payload: { reason: 'Emitida por error' } };
    case 'GET /api/v1/icd10':
      return { url: `${url}?q=E11` };
    case 'POST /api/v1/patients/:id/encounters':
      return { url: withId, payload: { kind: 'outpatient', reason: 'Revisión' } };
    case 'PATCH /api/v1/patients/:id/encounters/:encounterId':
      return { url: withId, payload: { service: 'Urgencias' } };
    case 'POST /api/v1/patients/:id/encounters/:encounterId/discharge':
      return { url: withId, payload: {} };
    case 'POST /api/v1/patients/:id/notes':
      return { url: withId, payload: { encounterId: f.clinical.encounterId, subjective: 'Cefalea' } };
    case 'PATCH /api/v1/patients/:id/notes/:noteId':
    case 'POST /api/v1/patients/:id/notes/:noteId/addenda':
      return { url: withId, payload: { plan: 'Control en una semana' } };
    case 'POST /api/v1/patients/:id/diagnoses':
      return { url: withId, payload: { code: 'J45' } };
    case 'PATCH /api/v1/patients/:id/diagnoses/:diagnosisId':
      return { url: withId, payload: { status: 'resolved' } };
    case 'POST /api/v1/patients/:id/vital-signs':
      return { url: withId, payload: { heartRate: 72 } };
    case 'POST /api/v1/patients/:id/results':
      return { url: withId, payload: { testName: 'Glucosa', valueQuantity: 90, observedAt: new Date().toISOString() } };
    case 'PATCH /api/v1/patients/:id/results/:resultId':
      return { url: withId, payload: { performer: 'Laboratorio central' } };
    case 'POST /api/v1/appointments/:id/cancel':
      return { url: withId, payload: { reason: 'No puede venir' } };
    case 'POST /api/v1/incidents':
      return { url, payload: { subject: 'No puedo entrar', description: 'Contraseña', category: 'access' } };
    case 'POST /api/v1/incidents/public':
      return {
        url,
        payload: {
          name: 'Ana',
          email: 'ana@example.test',
          subject: 'Factura',
          description: 'Duplicada',
          category: 'billing',
        },
      };
    case 'PUT /api/v1/incidents/:id':
      // Staff's incident: the patient gets 404 (not theirs), not the 403 a reporter's own change would get.
      return { url: url.replace(':id', f.queueIncidentId), payload: { priority: 'high' } };
    case 'POST /api/v1/incidents/:id/articles':
      return { url: withId, payload: { kind: 'reply', body: 'Gracias' } };
    case 'POST /api/v1/incidents/inbound-email':
      return { url, payload: { from: 'a@b.test', subject: 'x', text: 'y', messageId: '<m@b.test>' } };
    case 'POST /api/v1/incidents/:id/attachments': {
      const form = new FormData();
      form.append('file', new Blob(['Captura del error']), 'captura.txt');
      return { url: withId, payload: form };
    }
    case 'POST /api/v1/patients/:id/documents': {
      const form = new FormData();
      form.append('file', new Blob(['Nota de la consulta']), 'nota.txt');
      return { url: withId, payload: form };
    }
    case 'DELETE /api/v1/patients/:id/documents/:documentId':
      return { url: withId, payload: { reason: 'Duplicado' } };
    default:
      return { url: withId };
  }
}

const isProblem = (res: LightMyRequestResponse, status: number) =>
  res.statusCode === status &&
  String(res.headers['content-type']).startsWith('application/problem+json') &&
  res.json().status === status;

describe.each(DATABASES)('authorization of every route on %s', (kind) => {
  let t: TestApp;
  let callers: Caller[];
  let fixtures: Fixtures;

  beforeAll(async () => {
    t = await createTestApp(kind);
    const own = await t.createPatient({ firstName: 'Portal', lastName: 'Autorización' });
    const sessions = await Promise.all(
      ROLES.map((role) => t.signIn([role], role === 'patient' ? { patientId: own.id } : {})),
    );
    const spare = await t.signIn(['results']);
    const { id, patientNumber, age, createdAt, updatedAt, ...patientBody } = (
      await t.call({ method: 'GET', url: `/api/v1/patients/${own.id}`, token: sessions[0]?.token })
    ).json();
    const { id: treatmentId, ...treatmentBody } = await createTreatment(t);
    const practitioner = await createPractitioner(t);
    const exception = await t.app.clinica.practitioners.addException(
      practitioner.id,
      { startDate: localDate(300), endDate: localDate(300), reason: 'Vacaciones' },
      SYSTEM_CONTEXT,
    );
    const appointment = await bookAppointment(t, {
      patientId: own.id,
      practitionerId: practitioner.id,
      ...slot(10, 2),
    });
    const doctor = sessions[ROLES.indexOf('doctor')] as SignedIn;
    const prescription = await t.app.clinica.prescriptions.create(
      {
        patientId: own.id,
        teeth: [],
        lines: [{ ...PRESCRIPTION_LINE, form: 'tablet', foodTiming: 'after', afternoon: false, night: false }],
      },
      {
        ...SYSTEM_CONTEXT,
        actor: { userId: doctor.userId, email: doctor.email, roles: ['doctor'], patientId: null, sessionId: null },
      },
    );
    const asDoctor = {
      ...SYSTEM_CONTEXT,
      actor: {
        userId: doctor.userId,
        email: doctor.email,
        roles: ['doctor' as const],
        patientId: null,
        sessionId: null,
      },
    };
    const clinical = t.app.clinica.clinical;
    const encounter = await clinical.encounters.open(own.id, { kind: 'outpatient' }, asDoctor);
    const clinicalFixtures = {
      encounterId: encounter.id,
      noteId: (await clinical.notes.create(own.id, { encounterId: encounter.id, subjective: 'Tos' }, asDoctor)).id,
      diagnosisId: (await clinical.diagnoses.record(own.id, { code: 'J20.9', status: 'active' }, asDoctor)).id,
      resultId: (
        await clinical.results.record(
          own.id,
          { testName: 'Hb', valueQuantity: 13, status: 'final', observedAt: new Date().toISOString() },
          asDoctor,
        )
      ).id,
    };
    const form = new FormData();
    form.append('file', new Blob(['Informe de alta']), 'informe.txt');
    const document = await t.call({
      method: 'POST',
      url: `/api/v1/patients/${own.id}/documents`,
      token: doctor.token,
      payload: form as unknown as string,
    });
    expect(document.statusCode, document.body).toBe(201);
    const patient = sessions[ROLES.indexOf('patient')] as SignedIn;
    const incidentInput = { subject: 'No puedo entrar', description: 'Contraseña', category: 'access' };
    const incident = await t.call({
      method: 'POST',
      url: '/api/v1/incidents',
      token: patient.token,
      payload: incidentInput,
    });
    expect(incident.statusCode, incident.body).toBe(201);
    const incidentId = incident.json().id;
    const file = new FormData();
    file.append('file', new Blob(['Captura']), 'captura.txt');
    const attachment = await t.call({
      method: 'POST',
      url: `/api/v1/incidents/${incidentId}/attachments`,
      token: patient.token,
      payload: file as unknown as string,
    });
    expect(attachment.statusCode, attachment.body).toBe(201);
    const reply = await t.call({
      method: 'POST',
      url: `/api/v1/incidents/${incidentId}/articles`,
      token: patient.token,
      payload: { kind: 'reply', body: 'Adjunto captura', attachmentIds: [attachment.json().id] },
    });
    expect(reply.statusCode, reply.body).toBe(201);
    const queueIncident = await t.call({
      method: 'POST',
      url: '/api/v1/incidents',
      token: spare.token,
      payload: incidentInput,
    });
    expect(queueIncident.statusCode, queueIncident.body).toBe(201);
    const pharmacist = sessions[ROLES.indexOf('pharmacist')] as SignedIn;
    const product = await t.call({
      method: 'POST',
      url: '/api/v1/products',
      token: pharmacist.token,
      payload: PRODUCT,
    });
    expect(product.statusCode, product.body).toBe(201);
    const receipt = await t.call({
      method: 'POST',
      url: '/api/v1/stock/receipts',
      token: pharmacist.token,
      payload: { lines: [{ productId: product.json().id, lotNumber: 'L-1', expiresOn: '2099-12-31', quantity: '50' }] },
    });
    expect(receipt.statusCode, receipt.body).toBe(201);
    const vendorBody = { name: 'Distribuciones Autorización', email: 'pedidos@autorizacion.test' };
    const vendor = await t.call({
      method: 'POST',
      url: '/api/v1/vendors',
      token: pharmacist.token,
      payload: vendorBody,
    });
    expect(vendor.statusCode, vendor.body).toBe(201);
    const order = await t.call({
      method: 'POST',
      url: '/api/v1/purchase-orders',
      token: pharmacist.token,
      payload: {
        vendorId: vendor.json().id,
        lines: [{ productId: product.json().id, quantity: '10', unitCost: '0.1200' }],
      },
    });
    expect(order.statusCode, order.body).toBe(201);
    const desk = sessions[ROLES.indexOf('admissions')] as SignedIn;
    const asDesk = {
      ...SYSTEM_CONTEXT,
      actor: {
        userId: desk.userId,
        email: desk.email,
        roles: ['admissions' as const],
        patientId: null,
        sessionId: null,
      },
    };
    const invoice = await t.app.clinica.billing.create(
      { patientId: own.id, appointmentIds: [], prescriptionIds: [], lines: [INVOICE_LINE] },
      asDesk,
    );
    await t.app.clinica.billing.issue(invoice.id, asDesk);
    fixtures = {
      vendorId: vendor.json().id,
      vendorBody,
      purchaseOrderId: order.json().id,
      invoiceId: invoice.id,
      productId: product.json().id,
      lotId: receipt.json().moves[0].lotId,
      incidentId,
      attachmentId: attachment.json().id,
      queueIncidentId: queueIncident.json().id,
      documentId: document.json().id,
      clinical: clinicalFixtures,
      patientId: own.id,
      prescriptionId: prescription.id,
      patientBody,
      spareUserId: spare.userId,
      spareEmail: spare.email,
      refreshToken: spare.refreshToken,
      treatmentId,
      treatmentBody,
      practitionerId: practitioner.id,
      exceptionId: exception.id,
      appointmentId: appointment.id,
    };
    callers = [
      { name: 'anonymous', role: null, session: null },
      ...ROLES.map((role, i) => ({ name: role, role, session: sessions[i] ?? null })),
    ];
  });
  afterAll(() => t.close());

  it('has an expectation for every route, and every route declares exactly the expected access', () => {
    const declared = new Map(t.app.clinica.routes.map((r) => [`${r.method} ${r.url}`, r.access]));
    expect(
      [...declared.keys()].filter((route) => !(route in EXPECTED)),
      'routes missing from the table',
    ).toEqual([]);
    expect(
      Object.keys(EXPECTED).filter((route) => !declared.has(route)),
      'table entries for routes that do not exist',
    ).toEqual([]);
    expect(t.app.clinica.routes.length, 'a route registered twice').toBe(declared.size);
    for (const [route, access] of declared) {
      expect(normalize(access), route).toEqual(normalize(EXPECTED[route]));
    }
  });

  it('answers every route x every caller as the table says: 401 signed out, 403 outside the roles', async () => {
    const wrong: string[] = [];
    // Logging out ends the caller's session, and with it their access token: call it last.
    const last = 'POST /api/v1/auth/logout';
    const routes = Object.entries(EXPECTED).sort(([a], [b]) => Number(a === last) - Number(b === last));
    for (const [route, expected] of routes) {
      const [method = 'GET'] = route.split(' ');
      for (const caller of callers) {
        const { url, payload } = requestFor(route, caller, fixtures);
        const res = await t.call({
          method: method as 'GET',
          url,
          ...(payload ? { payload } : {}),
          ...(caller.session ? { token: caller.session.token } : {}),
        });
        if (route === 'POST /api/v1/auth/refresh' && res.statusCode === 200) {
          fixtures.refreshToken = res.json().refreshToken;
        }
        const allowed =
          expected === 'public' ||
          (caller.role !== null && (expected === 'authenticated' || expected.includes(caller.role)));
        const outcome = `${route} as ${caller.name}: ${res.statusCode} ${res.body.slice(0, 160)}`;
        if (allowed) {
          if ([401, 403].includes(res.statusCode) || res.statusCode >= 500) wrong.push(`allowed, but ${outcome}`);
        } else if (caller.role === null) {
          if (!isProblem(res, 401)) wrong.push(`expected a 401 problem, got ${outcome}`);
        } else if (!isProblem(res, 403)) {
          wrong.push(`expected a 403 problem, got ${outcome}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('refuses a forged or malformed bearer token on every non-public route', async () => {
    const wrong: string[] = [];
    const tokens = ['not-a-jwt', `${callers[7]?.session?.token.slice(0, -4)}AAAA`];
    for (const [route, expected] of Object.entries(EXPECTED)) {
      if (expected === 'public') continue;
      const [method = 'GET'] = route.split(' ');
      const { url, payload } = requestFor(route, callers[7] as Caller, fixtures);
      for (const token of tokens) {
        const res = await t.call({ method: method as 'GET', url, token, ...(payload ? { payload } : {}) });
        if (!isProblem(res, 401)) wrong.push(`${route} with token ${token.slice(-8)}: ${res.statusCode}`);
      }
      const basic = await t.call({ method: method as 'GET', url, headers: { authorization: 'Basic YTpi' } });
      if (!isProblem(basic, 401)) wrong.push(`${route} with Basic auth: ${basic.statusCode}`);
    }
    expect(wrong).toEqual([]);
  });
});
