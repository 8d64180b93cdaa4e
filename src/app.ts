import fs from 'node:fs';
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
import { moveClinicalRecord } from './modules/clinical/clinical.merge.js';
import { clinicalRoutes } from './modules/clinical/clinical.routes.js';
import { ClinicalService } from './modules/clinical/clinical.service.js';
import { moveDentalChart } from './modules/dentistry/dentistry.repository.js';
import { dentistryRoutes } from './modules/dentistry/dentistry.routes.js';
import { DentistryService } from './modules/dentistry/dentistry.service.js';
import { historyRoutes } from './modules/history/history.routes.js';
import { HistoryService } from './modules/history/history.service.js';
import { relinkPatient } from './modules/identity/identity.repository.js';
import { identityRoutes } from './modules/identity/identity.routes.js';
import { IdentityService } from './modules/identity/identity.service.js';
import { PasswordResetService } from './modules/identity/password-reset.js';
import { SessionLiveness } from './modules/identity/session-liveness.js';
import { usersRoutes } from './modules/identity/users.routes.js';
import { UsersService } from './modules/identity/users.service.js';
import { notificationsRoutes } from './modules/notifications/notifications.routes.js';
import { patientsRoutes } from './modules/patients/patients.routes.js';
import { PatientsService } from './modules/patients/patients.service.js';
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
  history: HistoryService;
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
  ]);
  const liveness = new SessionLiveness(db, config.SESSION_CHECK_SECONDS);
  const identity = new IdentityService(db, audit, tokens, patients, liveness, config);
  const users = new UsersService(db, audit, identity);
  const practitioners = new PractitionersService(db, audit, config.CLINIC_TIMEZONE);
  const scheduling = new SchedulingService(db, audit, {
    timeZone: config.CLINIC_TIMEZONE,
    cancelCutoffHours: config.APPOINTMENT_CANCEL_CUTOFF_HOURS,
  });
  const passwordResets = new PasswordResetService(db, audit, liveness);
  const clinical = new ClinicalService(db, audit);
  const dentistry = new DentistryService(db, audit);
  const documents = { clinicName: config.CLINIC_NAME, timeZone: config.CLINIC_TIMEZONE };
  const prescriptions = new PrescriptionsService(db, audit, documents);
  const history = new HistoryService(db, audit, dentistry, prescriptions, documents);
  /** A signed, unexpired token whose session is still live (not logged out, account active). */
  const authenticate = async (token: string) => {
    const actor = await tokens.verify(token);
    if (!actor?.sessionId || !(await liveness.isLive(actor.sessionId))) return null;
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
    history,
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
  const consumers = createConsumers(config, db, metrics);
  app.decorate('clinica', { ...services, metrics, consumers, routes });
  app.addHook('onClose', async () => {
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
    oidc: false,
    remoteStorage: false,
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
  await app.register(usersRoutes(services.users), api);
  await app.register(patientsRoutes(services.patients), api);
  await app.register(practitionersRoutes(services.practitioners), api);
  await app.register(schedulingRoutes(services.scheduling), api);
  await app.register(clinicalRoutes(services.clinical), api);
  await app.register(dentistryRoutes(services.dentistry), api);
  await app.register(prescriptionsRoutes(services.prescriptions), api);
  await app.register(historyRoutes(services.history), api);
  await app.register(auditRoutes(db, services.audit), api);
  await app.register(notificationsRoutes(db, services.audit), api);
  await registerWeb(app);
  return app;
}
