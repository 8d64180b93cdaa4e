import http from 'node:http';
import { pino } from 'pino';
import { createServices } from './app.js';
import { type Config, withoutPassword } from './config.js';
import { createConsumers, startWorkerDelivery } from './events.js';
import { backgroundJobs, startJobs } from './jobs.js';
import { migrate } from './platform/db/migrate.js';
import { loggerOptions } from './platform/http/logging.js';
import { createMetricsRegistry } from './platform/http/metrics.js';
import { openConfiguredDatabase, StartupError } from './server.js';

/**
 * `clinica worker`: consumes events from RabbitMQ (the mailer and the other consumers) and
 * runs the periodic jobs. It serves /healthz and /metrics on WORKER_PORT for probes and
 * Prometheus. SIGTERM stops taking messages, finishes the ones in hand, then exits.
 */
export async function startWorker(config: Config): Promise<{ stop(): Promise<void> }> {
  if (!config.AMQP_URL) {
    throw new StartupError(
      'clinica worker consumes events from RabbitMQ: set AMQP_URL (without a broker, clinica start delivers events itself)',
    );
  }
  if (!config.DATABASE_URL) {
    throw new StartupError(
      'clinica worker needs DATABASE_URL: the embedded database belongs to the clinica start process, which then consumes events itself',
    );
  }
  const log = pino(loggerOptions(config).logger as pino.LoggerOptions).child({ process: 'worker' });
  const db = await openConfiguredDatabase(config);
  await migrate(db);
  const registry = createMetricsRegistry();
  const services = await createServices(config, db);
  const consumers = createConsumers(config, db, registry, services);
  let delivery: Awaited<ReturnType<typeof startWorkerDelivery>>;
  try {
    delivery = await startWorkerDelivery(config, db, consumers, log);
  } catch (err) {
    await db.close();
    throw new StartupError(
      `cannot connect to the broker at AMQP_URL ${withoutPassword(config.AMQP_URL)}: ${err instanceof Error ? err.message : err}`,
    );
  }
  const stopJobs = startJobs(backgroundJobs(config, services), log);

  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else if (req.url === '/metrics') {
      registry
        .metrics()
        .then((body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body))
        .catch(() => res.writeHead(500).end());
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.WORKER_PORT, config.HOST, resolve);
  });
  log.info({ port: config.WORKER_PORT, consumers: consumers.handlers.map((h) => h.name) }, 'worker started');

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      log.info('worker stopping');
      await delivery.stop();
      await stopJobs();
      await consumers.close();
      server.close();
      await db.close();
    })();
    return stopping;
  };
  return { stop };
}
