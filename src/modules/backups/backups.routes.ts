import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { contextOf } from '../../platform/http/access.js';
import { problems } from '../../platform/http/schemas.js';
import { BackupRun, BackupStatus } from './backups.schemas.js';
import type { BackupService } from './backups.service.js';

const tags = ['Backups'];

export function backupsRoutes(backups: BackupService) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get('/backups', {
      config: { access: ['admin'] },
      schema: {
        tags,
        summary: 'Backup status: configuration, the last success and failure, and the latest runs',
        response: { 200: BackupStatus, ...problems(401, 403) },
      },
      handler: () => backups.status(),
    });

    app.post('/backups', {
      config: { access: ['admin'] },
      schema: {
        tags,
        summary: 'Start a backup now',
        description:
          'Starts a backup in this server process and answers at once with the running run; poll `GET /backups` for its end. 409 when one is already running, or when BACKUP_KEY is not set. No body.',
        response: { 202: BackupRun, ...problems(401, 403, 409) },
      },
      handler: async (req, reply) => {
        const run = await backups.start(contextOf(req));
        return reply.code(202).send(run);
      },
    });
  };
}
