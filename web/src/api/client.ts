import createClient, { type Middleware } from 'openapi-fetch';
import i18n from '../i18n';
import type { paths } from './schema';
import { freshSession, getSession, setSession } from './session';

const SIGN_IN_PATHS = new Set([
  '/api/v1/auth/login',
  '/api/v1/auth/register',
  '/api/v1/auth/refresh',
  '/api/v1/auth/password-reset',
  '/api/v1/auth/password-reset/confirm',
]);

const auth: Middleware = {
  async onRequest({ request, schemaPath }) {
    // Signing in, registering, refreshing and resetting a password carry no bearer token (and must not wait on a refresh).
    if (SIGN_IN_PATHS.has(schemaPath)) return request;
    const session = await freshSession();
    if (session) request.headers.set('authorization', `Bearer ${session.accessToken}`);
    return request;
  },
  async onResponse({ request, response }) {
    // A refused token (session ended elsewhere, account deactivated): back to sign-in.
    if (response.status === 401 && request.headers.has('authorization')) {
      const sent = request.headers.get('authorization');
      if (sent === `Bearer ${getSession()?.accessToken}`) setSession(null);
    }
    return response;
  },
};

/** The typed API client: paths, parameters, bodies and answers come from the OpenAPI document. */
export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);

export interface FieldError {
  path: string;
  /** The server's words, in English: shown when the code has no translation. */
  message: string;
  /** Why, for translating: required, unknown_field, incorrect, or a zod issue code. */
  code?: string;
  limit?: number;
  origin?: string;
}

/** A field error in the user's language: by field and code, then by code, else the server's message. */
export function fieldMessage(e: FieldError): string {
  const code = e.code;
  if (!code) return e.message;
  const field = e.path.split('.').pop() ?? '';
  const specific = `validation.fields.${field}.${code}`;
  if (i18n.exists(specific)) return i18n.t(specific);
  let key = `validation.${code}`;
  if (code === 'too_small' || code === 'too_big') {
    if (e.limit === undefined) return e.message;
    if (e.origin === 'string')
      key = code === 'too_small' && e.limit === 1 ? 'validation.empty' : `validation.${code}_string`;
    else if (e.origin === 'array' || e.origin === 'set') key = `validation.${code}_array`;
  }
  return i18n.exists(key) ? i18n.t(key, { limit: e.limit }) : e.message;
}

/** The problem+json body the server answers errors with. */
export interface Problem {
  status: number;
  title?: string;
  detail?: string;
  errors?: FieldError[];
  mfaRequired?: boolean;
  [key: string]: unknown;
}

/** Thrown by `unwrap` for any non-2xx answer. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
    readonly headers: Headers,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
  /** Field errors, in the user's language, keyed by field path without the `body.` prefix. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? [])
      out[e.path.replace(/^(body|querystring|params)\.?/, '')] = fieldMessage(e);
    return out;
  }
}

/** Turns an openapi-fetch result into its data, or throws an ApiError. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const problem = (error && typeof error === 'object' ? error : { status: response.status }) as Problem;
    throw new ApiError(response.status, { ...problem, status: response.status }, response.headers);
  }
  return data as T;
}
