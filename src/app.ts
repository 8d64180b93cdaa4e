import fs from 'node:fs';
import path from 'node:path';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import type { Config } from './config.js';
import { type Consumers, createConsumers } from './events.js';
import { auditRoutes } from './modules/audit/audit.routes.js';
import { registerBackupMetrics } from './modules/backups/backups.metrics.js';
import { backupsRoutes } from './modules/backups/backups.routes.js';
import { BackupService } from './modules/backups/backups.service.js';
import { moveInvoices } from './modules/billing/billing.repository.js';
import { billingRoutes } from './modules/billing/billing.routes.js';
import { BillingService } from './modules/billing/billing.service.js';
import { moveClinicalRecord } from './modules/clinical/clinical.merge.js';
import { clinicalRoutes } from './modules/clinical/clinical.routes.js';
import { ClinicalService } from './modules/clinical/clinical.service.js';
import { moveDentalChart } from './modules/dentistry/dentistry.repository.js';
import { dentistryRoutes } from './modules/dentistry/dentistry.routes.js';
import { DentistryService } from './modules/dentistry/dentistry.service.js';
import { moveDocuments } from './modules/documents/documents.repository.js';
import { documentsRoutes } from './modules/documents/documents.routes.js';
import { DocumentsService } from './modules/documents/documents.service.js';
import { moveIncidents } from './modules/helpdesk/helpdesk.repository.js';
import { helpdeskRoutes } from './modules/helpdesk/helpdesk.routes.js';
import { HelpdeskService } from './modules/helpdesk/helpdesk.service.js';
import { ZammadSync, zammadRoutes } from './modules/helpdesk/zammad/index.js';
import { historyRoutes } from './modules/history/history.routes.js';
import { HistoryService } from './modules/history/history.service.js';
import { relinkPatient } from './modules/identity/identity.repository.js';
import { identityRoutes } from './modules/identity/identity.routes.js';
import { IdentityService } from './modules/identity/identity.service.js';
import { SingleSignOn, ssoSettings } from './modules/identity/oidc.js';
import { oidcRoutes } from './modules/identity/oidc.routes.js';
import { OidcBearer } from './modules/identity/oidc-bearer.js';
import { OidcIssuer } from './modules/identity/oidc-issuer.js';
import { ProviderSessions } from './modules/identity/oidc-sessions.js';
import { PasswordResetService } from './modules/identity/password-reset.js';
import { SessionLiveness } from './modules/identity/session-liveness.js';
import { usersRoutes } from './modules/identity/users.routes.js';
import { UsersService } from './modules/identity/users.service.js';
import { notificationsRoutes } from './modules/notifications/notifications.routes.js';
import { patientsRoutes } from './modules/patients/patients.routes.js';
import { PatientsService } from './modules/patients/patients.service.js';
import { StockAlerts } from './modules/pharmacy/alerts.js';
import { dashboardRoutes } from './modules/pharmacy/dashboard.routes.js';
import { pharmacyRoutes } from './modules/pharmacy/pharmacy.routes.js';
import { PharmacyService } from './modules/pharmacy/pharmacy.service.js';
import { purchasingRoutes } from './modules/pharmacy/purchasing.routes.js';
import { PurchasingService } from './modules/pharmacy/purchasing.service.js';
import { movePrescriptions } from './modules/prescriptions/prescriptions.repository.js';
import { prescriptionsRoutes } from './modules/prescriptions/prescriptions.routes.js';
import { PrescriptionsService } from './modules/prescriptions/prescriptions.service.js';
import { practitionersRoutes } from './modules/scheduling/practitioners.routes.js';
import { PractitionersService } from './modules/scheduling/practitioners.service.js';
import { moveAppointments } from './modules/scheduling/scheduling.repository.js';
import { schedulingRoutes } from './modules/scheduling/scheduling.routes.js';
import { SchedulingService } from './modules/scheduling/scheduling.service.js';
import { systemRoutes } from './modules/system/system.routes.js';
import { AuditTrail } from './platform/audit/audit.js';
import { TokenService } from './platform/auth/tokens.js';
import type { Database } from './platform/db/database.js';
import { type RouteAccess, registerAccessControl } from './platform/http/access.js';
import { registerErrorHandling } from './platform/http/errors.js';
import { type LogDestination, loggerOptions, registerRequestIdHeader } from './platform/http/logging.js';
import { createMetricsRegistry, registerHttpMetrics } from './platform/http/metrics.js';
import { registerWeb } from './platform/http/web.js';
import { openStorage } from './platform/storage/open.js';
import type { ObjectStorage } from './platform/storage/storage.js';

const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
export const VERSION = pkg.version;

export interface Clinica {
  db: Database;
  audit: AuditTrail;
  tokens: TokenService;
  patients: PatientsService;
  identity: IdentityService;
  users: UsersService;
  passwordResets: PasswordResetService;
  practitioners: PractitionersService;
  scheduling: SchedulingService;
  clinical: ClinicalService;
  dentistry: DentistryService;
  prescriptions: PrescriptionsService;
  pharmacy: PharmacyService;
  /** Vendors and purchase orders. */
  purchasing: PurchasingService;
  /** Near-expiry alerts of lots, run by a periodic job. */
  stockAlerts: StockAlerts;
  /** Invoices, their payments and their PDFs. */
  billing: BillingService;
  history: HistoryService;
  /** Single sign-on: sign-in through the OpenID Connect provider, and its sessions. */
  sso: SingleSignOn;
  providerSessions: ProviderSessions;
  /** Where documents live (STORAGE_URL, else DATA_DIR/documents). */
  storage: ObjectStorage;
  documents: DocumentsService;
  helpdesk: HelpdeskService;
  backups: BackupService;
  metrics: Registry;
  /** Event handlers (the mailer, ...); `clinica start` and `clinica worker` deliver events to them. */
  consumers: Consumers;
  /** Every route with its declared access, for the authorization table test. */
  routes: RouteAccess[];
}

declare module 'fastify' {
  interface FastifyInstance {
    clinica: Clinica;
  }
}

/** Services without HTTP, for the CLI and for the app below. */
export async function createServices(config: Config, db: Database) {
  const audit = new AuditTrail(db);
  const tokens = await TokenService.open(db, config.PUBLIC_URL, config.ACCESS_TOKEN_TTL_SECONDS);
  const patients = new PatientsService(db, audit, [
    relinkPatient,
    moveAppointments,
    moveClinicalRecord,
    moveDentalChart,
    movePrescriptions,
    moveDocuments,
    moveIncidents,
    moveInvoices,
  ]);
  const liveness = new SessionLiveness(db, config.SESSION_CHECK_SECONDS);
  const identity = new IdentityService(db, audit, tokens, patients, liveness, config);
  const issuer = config.OIDC_ISSUER
    ? new OidcIssuer({
        issuer: config.OIDC_ISSUER,
        clientId: config.OIDC_CLIENT_ID ?? '',
        clientSecret: config.OIDC_CLIENT_SECRET,
        jwksCacheSeconds: config.OIDC_JWKS_CACHE_SECONDS,
      })
    : null;
  const signOn = ssoSettings(config);
  const sso = new SingleSignOn(db, audit, identity, issuer, signOn);
  const providerSessions = new ProviderSessions(db, audit, liveness, issuer, signOn);
  identity.useSessionHooks(providerSessions);
  const bearer = issuer
    ? new OidcBearer(db, issuer, {
        issuer: config.OIDC_ISSUER ?? '',
        audience: config.OIDC_AUDIENCE ?? config.OIDC_CLIENT_ID ?? '',
        roles: signOn.roles,
        mfa: signOn.mfa,
        serviceAccounts: config.OIDC_SERVICE_ACCOUNTS,
        cacheSeconds: config.SESSION_CHECK_SECONDS,
      })
    : null;
  const users = new UsersService(db, audit, identity);
  const practitioners = new PractitionersService(db, audit, config.CLINIC_TIMEZONE);
  const scheduling = new SchedulingService(db, audit, {
    timeZone: config.CLINIC_TIMEZONE,
    cancelCutoffHours: config.APPOINTMENT_CANCEL_CUTOFF_HOURS,
  });
  const passwordResets = new PasswordResetService(db, audit, liveness);
  const clinical = new ClinicalService(db, audit);
  const dentistry = new DentistryService(db, audit);
  const printing = { clinicName: config.CLINIC_NAME, timeZone: config.CLINIC_TIMEZONE };
  const prescriptions = new PrescriptionsService(db, audit, printing);
  const pharmacy = new PharmacyService(db, audit, { timeZone: config.CLINIC_TIMEZONE });
  const purchasing = new PurchasingService(db, audit, pharmacy);
  const stockAlerts = new StockAlerts(db, audit, {
    timeZone: config.CLINIC_TIMEZONE,
    expiryAlertDays: config.STOCK_EXPIRY_ALERT_DAYS,
  });
  const storage = openStorage(config.STORAGE_URL, path.join(config.DATA_DIR, 'documents'));
  const documents = new DocumentsService(db, audit, storage, { maxBytes: config.DOCUMENT_MAX_BYTES });
  const helpdesk = new HelpdeskService(db, audit, config.INCIDENT_SLA, {
    storage,
    maxBytes: config.DOCUMENT_MAX_BYTES,
  });
  const history = new HistoryService(db, audit, dentistry, prescriptions, printing, documents);
  const billing = new BillingService(db, audit, documents, {
    ...printing,
    treatmentTaxRate: config.BILLING_TREATMENT_TAX_RATE,
    appointmentPrice: config.BILLING_APPOINTMENT_PRICE,
  });
  const backups = new BackupService(config, db, audit, { version: VERSION, documents: storage });
  /**
   * A signed, unexpired token whose session is still live (not logged out, account active);
   * else an access token of the single sign-on provider issued for this API.
   */
  const authenticate = async (token: string) => {
    const actor = await tokens.verify(token);
    if (!actor) return bearer ? bearer.verify(token) : null;
    if (!actor.sessionId || !(await liveness.isLive(actor.sessionId))) return null;
    return actor;
  };
  return {
    db,
    audit,
    tokens,
    patients,
    identity,
    users,
    passwordResets,
    practitioners,
    scheduling,
    clinical,
    dentistry,
    prescriptions,
    pharmacy,
    purchasing,
    stockAlerts,
    billing,
    history,
    sso,
    providerSessions,
    storage,
    documents,
    helpdesk,
    backups,
    authenticate,
  };
}

/**
 * The composition root: infrastructure first (errors, metrics, access control, docs),
 * then the domain modules' routes. Tests build this same app and call `app.inject`.
 */
export async function buildApp(
  config: Config,
  db: Database,
  options: { logStream?: LogDestination } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    ...loggerOptions(config, options.logStream),
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  registerRequestIdHeader(app);

  const services = await createServices(config, db);
  const metrics = createMetricsRegistry();
  registerHttpMetrics(app, metrics);
  const routes = registerAccessControl(app, services.authenticate);
  const consumers = createConsumers(config, db, metrics, services);
  app.decorate('clinica', { ...services, metrics, consumers, routes });
  registerBackupMetrics(metrics, db);
  services.backups.useLog(app.log);
  app.addHook('onClose', async () => {
    // A backup running in this process is stopped and recorded as failed before the rest closes.
    await services.backups.close();
    await services.audit.drain();
    await consumers.close();
  });

  await app.register(helmet, { contentSecurityPolicy: { directives: { 'img-src': ["'self'", 'data:'] } } });
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Clinica API',
        version: VERSION,
        description: 'Patient registry, accounts and audit trail of the Clinica clinic platform.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: 'public' };
    });
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });

  // Each integration reports whether it is configured; later capabilities switch theirs on.
  const integrations = {
    broker: !!config.AMQP_URL,
    smtp: !!(config.SMTP_URL || config.MAIL_API_URL),
    oidc: !!config.OIDC_ISSUER,
    remoteStorage: services.storage.kind !== 'local',
  };
  const info = {
    name: 'Clinica',
    version: VERSION,
    database: db.kind,
    integrations,
    idleTimeoutMinutes: config.IDLE_TIMEOUT_MINUTES,
    timeZone: config.CLINIC_TIMEZONE,
    appointmentCancelCutoffHours: config.APPOINTMENT_CANCEL_CUTOFF_HOURS,
  };
  await app.register(systemRoutes(db, metrics, services.tokens, info));
  const api = { prefix: '/api/v1' };
  await app.register(
    identityRoutes(services.identity, services.passwordResets, config.LOGIN_RATE_LIMIT_PER_MINUTE),
    api,
  );
  await app.register(oidcRoutes(services.sso, services.providerSessions, config.LOGIN_RATE_LIMIT_PER_MINUTE), api);
  await app.register(usersRoutes(services.users), api);
  await app.register(patientsRoutes(services.patients), api);
  await app.register(practitionersRoutes(services.practitioners), api);
  await app.register(schedulingRoutes(services.scheduling), api);
  await app.register(clinicalRoutes(services.clinical), api);
  await app.register(dentistryRoutes(services.dentistry), api);
  await app.register(prescriptionsRoutes(services.prescriptions), api);
  await app.register(pharmacyRoutes(services.pharmacy), api);
  await app.register(purchasingRoutes(services.purchasing), api);
  await app.register(
    dashboardRoutes(db, { timeZone: config.CLINIC_TIMEZONE, expiryAlertDays: config.STOCK_EXPIRY_ALERT_DAYS }),
    api,
  );
  await app.register(billingRoutes(services.billing), api);
  await app.register(historyRoutes(services.history), api);
  await app.register(documentsRoutes(services.documents, { maxBytes: config.DOCUMENT_MAX_BYTES }), api);
  await app.register(
    helpdeskRoutes(services.helpdesk, {
      inboundSecret: config.INBOUND_MAIL_SECRET,
      publicRateLimit: config.LOGIN_RATE_LIMIT_PER_MINUTE,
      maxBytes: config.DOCUMENT_MAX_BYTES,
    }),
    api,
  );
  const zammad = consumers.handlers.find((h): h is ZammadSync => h instanceof ZammadSync) ?? null;
  await app.register(zammadRoutes(zammad, config.ZAMMAD_WEBHOOK_SECRET), api);
  await app.register(auditRoutes(db, services.audit), api);
  await app.register(notificationsRoutes(db, services.audit), api);
  await app.register(backupsRoutes(services.backups), api);
  await registerWeb(app);
  return app;
}
