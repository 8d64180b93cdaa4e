import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/** A rule broken by the caller. Services throw these; the error handler turns them into problem+json. */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) =>
  new DomainError('BAD_REQUEST', 400, detail, errors ? { errors } : {});
export const unauthorized = (detail = 'Sign in to continue.', extra: Record<string, unknown> = {}) =>
  new DomainError('UNAUTHORIZED', 401, detail, extra);
export const forbidden = (detail = 'Your role does not allow this.') => new DomainError('FORBIDDEN', 403, detail);
export const notFound = (what: string) => new DomainError('NOT_FOUND', 404, `${what} was not found.`);
export const conflict = (detail: string, extra: Record<string, unknown> = {}) =>
  new DomainError('CONFLICT', 409, detail, extra);

/**
 * Why a field was refused, for clients to translate: `required`, `unknown_field`, `incorrect`
 * (a wrong password or code), or the zod issue code (`invalid_type`, `invalid_format`,
 * `invalid_value`, `too_small`, `too_big`, `custom`, ...). `limit` is the bound of a
 * `too_small` / `too_big`; `origin` what it counts (`string`: characters, `array`: items, `number`).
 */
export type FieldErrorCode =
  | 'required'
  | 'unknown_field'
  | 'incorrect'
  | 'invalid_type'
  | 'invalid_format'
  | 'invalid_value'
  | 'too_small'
  | 'too_big'
  | 'custom'
  | (string & {});

export interface FieldError {
  path: string;
  message: string;
  code: FieldErrorCode;
  limit?: number;
  origin?: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  507: 'Insufficient Storage',
};

export function sendProblem(
  reply: FastifyReply,
  status: number,
  detail: string,
  extra: Record<string, unknown> = {},
  code = TITLES[status] ?? 'Error',
) {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: `urn:clinica:problem:${code.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
      title: TITLES[status] ?? 'Error',
      status,
      detail,
      ...extra,
    });
}

const FASTIFY_CLIENT_ERRORS: Record<string, (err: FastifyError) => [number, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: () => [400, 'The request body is not valid JSON.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: () => [400, 'The request body is empty; send a JSON object.'],
  FST_ERR_CTP_BODY_TOO_LARGE: () => [413, 'The request body is too large.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => [415, 'Send the body as application/json.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => [400, 'The Content-Length header does not match the body.'],
};

/** The value at a validation error's JSON pointer in the parsed request part, if any. */
function valueAt(root: unknown, pointer: string): unknown {
  let value = root;
  for (const key of pointer.split('/').slice(1)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function validationErrors(err: FastifyError, request: FastifyRequest): FieldError[] {
  const where = err.validationContext ?? 'body';
  const part = (request as unknown as Record<string, unknown>)[where === 'querystring' ? 'query' : where];
  return (err.validation ?? []).flatMap((v) => {
    const p = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
    const path = p ? `${where}.${p}` : where;
    // Whatever the field's own message, a field that was not sent is simply required.
    if (p && part !== undefined && part !== null && valueAt(part, v.instancePath) === undefined) {
      return [{ path, message: 'is required', code: 'required' }];
    }
    // Unknown fields are named by their own path, like every other field in error.
    const unknown = v.keyword === 'unrecognized_keys' ? v.params.keys : undefined;
    if (Array.isArray(unknown) && unknown.length > 0) {
      return unknown.map((key) => ({
        path: `${path}.${String(key)}`,
        message: 'is not a known field',
        code: 'unknown_field',
      }));
    }
    const error: FieldError = { path, message: v.message ?? 'is invalid', code: v.keyword || 'invalid_value' };
    if (v.keyword === 'too_small' || v.keyword === 'too_big') {
      const bound = v.params.minimum ?? v.params.maximum;
      if (typeof bound === 'number' || typeof bound === 'bigint') error.limit = Number(bound);
      if (typeof v.params.origin === 'string') error.origin = v.params.origin;
    }
    return [error];
  });
}

export function registerErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof DomainError) {
      reply.headers(err.headers);
      return sendProblem(reply, err.status, err.message, err.extra, err.code);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const errors = validationErrors(err, request);
      const summary = errors.map((e) => `${e.path}: ${e.message}`).join('; ');
      return sendProblem(reply, 400, `The request is invalid. ${summary}`, { errors }, 'VALIDATION');
    }
    const known = err.code ? FASTIFY_CLIENT_ERRORS[err.code] : undefined;
    if (known) {
      const [status, detail] = known(err);
      return sendProblem(reply, status, detail);
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return sendProblem(reply, status, err.message);
    request.log.error({ err }, 'request failed');
    return sendProblem(reply, 500, 'Something went wrong on our side. The error was logged; try again.');
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 404, `There is no ${request.method} ${request.url.split('?')[0]}.`),
  );
}
