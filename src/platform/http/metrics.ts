import type { FastifyInstance } from 'fastify';
import client from 'prom-client';

/** One registry per app, so several apps (tests) never share counters. */
export function createMetricsRegistry(): client.Registry {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'clinica_' });
  return registry;
}

/** Request count and latency by route template (never the raw URL, which holds ids) and status. */
export function registerHttpMetrics(app: FastifyInstance, registry: client.Registry) {
  const labelNames = ['method', 'route', 'status_code'] as const;
  const requests = new client.Counter({
    name: 'clinica_http_requests_total',
    help: 'HTTP requests answered',
    labelNames,
    registers: [registry],
  });
  const duration = new client.Histogram({
    name: 'clinica_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
}
