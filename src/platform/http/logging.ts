import { randomUUID } from 'node:crypto';
import { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { Config } from '../../config.js';

/** Where log lines go instead of stdout (tests capture them). */
export interface LogDestination {
  write(line: string): void;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * JSON logs with the request id on every line. URLs are logged without their query string
 * (searches carry names and document numbers); bodies are never logged; credentials are
 * redacted wherever they might appear.
 */
export function loggerOptions(
  config: Pick<Config, 'LOG_LEVEL'>,
  stream?: LogDestination,
): Pick<FastifyServerOptions, 'logger' | 'genReqId' | 'requestIdHeader' | 'logController'> {
  return {
    // The incoming header is read (and checked) in genReqId rather than trusted as is.
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    logger: {
      level: config.LOG_LEVEL,
      ...(stream ? { stream } : {}),
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          '*.password',
          '*.newPassword',
          '*.currentPassword',
          '*.refreshToken',
          '*.accessToken',
          '*.otp',
        ],
        censor: '[redacted]',
      },
      serializers: {
        req: (req) => ({ method: req.method, url: String(req.url).split('?')[0], remoteAddress: req.ip }),
        res: (res) => ({ statusCode: res.statusCode }),
        // Driver errors may quote row values in `detail`; keep only what identifies the fault.
        err: (err: Error & { code?: string }) => ({
          type: err.name,
          message: err.message,
          code: err.code,
          stack: err.stack ?? '',
        }),
      },
    },
  };
}

/** Every response names its request id, so a caller can quote it and operators can find its log lines. */
export function registerRequestIdHeader(app: FastifyInstance) {
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
}
