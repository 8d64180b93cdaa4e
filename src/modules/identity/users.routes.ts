import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { contextOf, type Role } from '../../platform/http/access.js';
import { IdParams, page, problems } from '../../platform/http/schemas.js';
import { CreateUserBody, UpdateUserBody, User, UserQuery } from './identity.schemas.js';
import type { UsersService } from './users.service.js';

const tags = ['Users'];
const ADMIN: Role[] = ['admin'];

export function usersRoutes(service: UsersService) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.post('/users', {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: 'Create an account',
        description: '`patientId` links a portal account to an existing patient.',
        body: CreateUserBody,
        response: { 201: User, ...problems(400, 401, 403, 409) },
      },
      handler: async (req, reply) => reply.code(201).send(await service.create(req.body, contextOf(req))),
    });

    app.get('/users', {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: 'List accounts',
        querystring: UserQuery,
        response: { 200: page(User), ...problems(400, 401, 403) },
      },
      handler: async (req) => service.list(req.query),
    });

    app.get('/users/:id', {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: 'Read an account',
        params: IdParams,
        response: { 200: User, ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.get(req.params.id),
    });

    app.patch('/users/:id', {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: 'Change roles, deactivate, relink or set a new password',
        description:
          "Deactivating or setting a password ends the account's sessions; reactivating also lifts a lock-out.",
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: User, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.update(req.params.id, req.body, contextOf(req)),
    });

    app.post('/users/:id/mfa/reset', {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: "Turn off an account's multi-factor sign-in",
        description: 'For a user who lost their device; they can enrol again after signing in.',
        params: IdParams,
        response: { 200: User, ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.resetMfa(req.params.id, contextOf(req)),
    });
  };
}
