import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, type Role } from '../../platform/http/access.js';
import { IdParams, problems } from '../../platform/http/schemas.js';
import { LangQuery, pickLanguage } from '../../platform/pdf/language.js';
import type { HistoryService } from './history.service.js';

/**
 * Doctors and the results desk export histories (SPEC: roles); a patient their own, which
 * the service enforces. Administrators run the system, not care: they are not listed.
 */
const EXPORT: Role[] = ['patient', 'doctor', 'results'];

export function historyRoutes(service: HistoryService) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get('/patients/:id/history.pdf', {
      config: { access: EXPORT },
      schema: {
        tags: ['Patients'],
        summary: "The patient's whole clinical history (PDF)",
        description:
          'Demographics, allergies, the clinical record, appointments, dental chart and signed prescriptions, in Spanish or English (`?lang=`, else Accept-Language). Every download is audited.',
        params: IdParams,
        querystring: LangQuery,
        produces: ['application/pdf'],
        response: {
          200: z.any().describe('The clinical history as a PDF (application/pdf)'),
          ...problems(400, 401, 403, 404),
        },
      },
      handler: async (req, reply) => {
        const lang = pickLanguage(req.query.lang, req.headers['accept-language']);
        const stream = await service.export(req.params.id, lang, contextOf(req));
        return reply
          .type('application/pdf')
          .header('content-disposition', 'attachment; filename="clinical-history.pdf"')
          .header('cache-control', 'no-store')
          .send(stream);
      },
    });
  };
}
