import type { Registry } from 'prom-client';
import type { Config } from './config.js';
import { DocumentFiling } from './modules/documents/documents.filing.js';
import type { DocumentsService } from './modules/documents/documents.service.js';
import type { HelpdeskService } from './modules/helpdesk/helpdesk.service.js';
import { createZammadSync } from './modules/helpdesk/zammad/index.js';
import { Mailer } from './modules/notifications/mailer.js';
import type { PrescriptionsService } from './modules/prescriptions/prescriptions.service.js';
import type { Database } from './platform/db/database.js';
import { BrokerConsumer } from './platform/events/consumer.js';
import { OutboxDrain } from './platform/events/drain.js';
import type { EventHandler } from './platform/events/handler.js';
import { InProcessSink } from './platform/events/in-process.js';
import { createEventMetrics, type EventMetrics } from './platform/events/metrics.js';
import { BrokerRelay } from './platform/events/relay.js';
import type { Log } from './platform/log.js';
import { createMailTransport, type MailTransport } from './platform/mail/transport.js';

/** The event consumers and what they need, built once per process. */
export interface Consumers {
  handlers: EventHandler[];
  metrics: EventMetrics;
  close(): Promise<void>;
}

/**
 * The services the consumers beyond the mailer work with; every process that delivers events
 * passes them (without them, only the mailer consumes: tests of the event platform alone).
 */
export interface ConsumerServices {
  documents: DocumentsService;
  prescriptions: PrescriptionsService;
  helpdesk: HelpdeskService;
}

export function createConsumers(
  config: Config,
  db: Database,
  registry: Registry,
  services?: ConsumerServices,
): Consumers {
  const metrics = createEventMetrics(registry, db);
  const transport: MailTransport = createMailTransport({
    smtpUrl: config.SMTP_URL,
    apiUrl: config.MAIL_API_URL,
    apiKey: config.MAIL_API_KEY,
    dataDir: config.DATA_DIR,
  });
  const mailer = new Mailer(
    db,
    transport,
    {
      from: config.MAIL_FROM,
      context: {
        clinicName: config.CLINIC_NAME,
        publicUrl: config.PUBLIC_URL,
        timeZone: config.CLINIC_TIMEZONE,
        inboundAddress: config.INBOUND_MAIL_ADDRESS,
      },
    },
    metrics,
  );
  const handlers: EventHandler[] = [mailer];
  if (services) handlers.push(new DocumentFiling(db, services.documents, services.prescriptions));
  // Zammad sync (ZAMMAD_URL): its own queue, so Zammad being down holds back nothing else.
  const zammad = services ? createZammadSync(config, db, services.helpdesk) : null;
  if (zammad) handlers.push(zammad);
  return { handlers, metrics, close: () => transport.close() };
}

export interface EventDelivery {
  /** Describes the mode, for the start banner and logs. */
  readonly mode: string;
  /** Asks for an outbox drain now. */
  poke(): void;
  stop(): Promise<void>;
}

export const brokerSettings = (config: Config) => ({
  prefix: config.AMQP_PREFIX,
  maxAttempts: config.EVENTS_MAX_ATTEMPTS,
  retryBaseMs: config.EVENTS_RETRY_BASE_MS,
});

/**
 * What `clinica start` runs. Without AMQP_URL, the outbox drains straight into the
 * handlers in this process. With it, this process relays the outbox to RabbitMQ, and
 * `clinica worker` consumes; with the embedded database no other process can reach the
 * data, so this process consumes too.
 */
export async function startServerDelivery(
  config: Config,
  db: Database,
  consumers: Consumers,
  log: Log,
): Promise<EventDelivery> {
  const drainOptions = {
    batchSize: config.OUTBOX_BATCH_SIZE,
    leaseSeconds: 60,
    pollMs: config.OUTBOX_POLL_MS,
  };
  if (!config.AMQP_URL) {
    const sink = new InProcessSink(db, consumers.handlers, brokerSettings(config), consumers.metrics, log);
    const drain = new OutboxDrain(db, sink, drainOptions, log);
    await drain.start();
    return { mode: 'in-process', poke: () => drain.poke(), stop: () => drain.stop() };
  }
  const relay = new BrokerRelay(db, consumers.handlers, brokerSettings(config), consumers.metrics, log);
  await relay.connect(config.AMQP_URL);
  const drain = new OutboxDrain(db, relay, drainOptions, log);
  await drain.start();
  const consumer = db.kind === 'pglite' ? await startWorkerDelivery(config, db, consumers, log) : null;
  return {
    mode: consumer ? 'RabbitMQ, relayed and consumed here' : 'RabbitMQ, relayed here; run clinica worker to consume',
    poke: () => drain.poke(),
    stop: async () => {
      await drain.stop();
      await consumer?.stop();
      await relay.close();
    },
  };
}

/** What `clinica worker` runs: the broker consumers. */
export async function startWorkerDelivery(
  config: Config,
  db: Database,
  consumers: Consumers,
  log: Log,
): Promise<EventDelivery> {
  if (!config.AMQP_URL) throw new Error('the worker consumes from RabbitMQ: set AMQP_URL');
  const consumer = new BrokerConsumer(
    db,
    consumers.handlers,
    brokerSettings(config),
    config.WORKER_PREFETCH,
    consumers.metrics,
    log,
  );
  await consumer.start(config.AMQP_URL);
  return { mode: 'RabbitMQ consumer', poke: () => {}, stop: () => consumer.stop() };
}
