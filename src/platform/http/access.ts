import type { FastifyInstance, FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from './errors.js';

export const ROLES = ['patient', 'admissions', 'doctor', 'results', 'pharmacist', 'agent', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Staff roles: everyone but the patient. */
export const STAFF: readonly Role[] = ROLES.filter((r) => r !== 'patient');

/**
 * Who may call a route: anyone, any signed-in user, or the listed roles.
 * A route that declares nothing is denied to everyone.
 */
export type Access = 'public' | 'authenticated' | readonly Role[];

/** The signed-in caller, taken from a verified access token. */
export interface Actor {
  userId: string;
  email: string;
  roles: Role[];
  patientId: string | null;
  sessionId: string | null;
}

/** Who is asking and from where; services pass it to the audit trail. */
export interface RequestContext {
  actor: Actor | null;
  ip: string;
  userAgent: string | null;
  requestId: string;
}

/**
 * The context of work Clinica does on its own (a command, a job, a consumer): no actor, and
 * the audit trail names the part that did it.
 */
export function systemContext(part: string, requestId = part): RequestContext {
  return { actor: null, ip: 'local', userAgent: `clinica-${part}`, requestId };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    actor: Actor | null;
  }
}

export type VerifyAccessToken = (token: string) => Promise<Actor | null>;

export interface RouteAccess {
  method: string;
  url: string;
  access: Access | undefined;
}

export function contextOf(request: FastifyRequest): RequestContext {
  return {
    actor: request.actor,
    ip: request.ip,
    userAgent: request.headers['user-agent']?.slice(0, 300) ?? null,
    requestId: String(request.id),
  };
}

/** The actor of a route that requires sign-in; the access hook guarantees it. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw unauthorized();
  return request.actor;
}

/** A patient-only caller: their reach is limited to their own record. */
export function isPatientOnly(actor: Actor | null): boolean {
  return !!actor && actor.roles.every((r) => r === 'patient');
}

/**
 * Deny by default: every request is checked against its route's declared access before
 * the body is read. Routes without a declaration answer 403 to everyone.
 */
export function registerAccessControl(app: FastifyInstance, verify: VerifyAccessToken): RouteAccess[] {
  const routes: RouteAccess[] = [];
  app.decorateRequest('actor', null);
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      // Read when asked, not now: a plugin's own onRoute hook (the docs' one) runs after this
      // root hook and may declare the access then; the request hook sees that declaration too.
      routes.push({
        method,
        url: route.url,
        get access() {
          return route.config?.access;
        },
      });
    }
    // The OpenAPI document states who may call each operation.
    if (route.schema && access) {
      const who =
        access === 'public' ? 'anyone' : access === 'authenticated' ? 'any signed-in user' : access.join(', ');
      const description = [route.schema.description, `Allowed: ${who}.`].filter(Boolean).join('\n\n');
      route.schema = { ...route.schema, description, ...(access === 'public' ? { security: [] } : {}) };
    }
  });
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config?.access;
    const header = request.headers.authorization;
    if (header !== undefined) {
      const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
      if (!token) throw unauthorized('The Authorization header must be "Bearer <token>".');
      request.actor = await verify(token);
      if (!request.actor && access !== 'public') {
        throw unauthorized('The access token is invalid or has expired; refresh it or sign in again.');
      }
    }
    // Unmatched URLs have no route config; the not-found handler answers them.
    if (!request.routeOptions.url) return;
    if (access === 'public') return;
    if (!request.actor) throw unauthorized();
    if (access === 'authenticated') return;
    if (!access || !request.actor.roles.some((r) => access.includes(r))) throw forbidden();
  });
  return routes;
}
