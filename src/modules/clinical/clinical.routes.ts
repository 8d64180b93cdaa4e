import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, type Role } from '../../platform/http/access.js';
import { problems, Uuid } from '../../platform/http/schemas.js';
import { PatientParams } from './clinical.schemas.js';
import type { ClinicalService } from './clinical.service.js';
import { diagnosesRoutes } from './diagnoses.routes.js';
import { Diagnosis } from './diagnoses.schemas.js';
import { encountersRoutes } from './encounters.routes.js';
import { Encounter } from './encounters.schemas.js';
import { notesRoutes } from './notes.routes.js';
import { resultsRoutes } from './results.routes.js';
import { Result } from './results.schemas.js';
import { vitalsRoutes } from './vitals.routes.js';
import { Vitals } from './vitals.schemas.js';

const ClinicalSummary = z.object({
  patientId: Uuid,
  allergies: z.array(z.string()).describe('From the patient record (PUT /patients/{id}), not duplicated here'),
  activeDiagnoses: z.array(Diagnosis),
  lastVitals: Vitals.nullable(),
  recentResults: z.array(Result).describe('The last 10; for a patient, released ones only'),
  openEncounters: z.array(Encounter).describe('Encounters in progress, newest first'),
});

/** Doctors' workspace first view; patients may see their own (no drafts or preliminary results in it). */
const SUMMARY: Role[] = ['patient', 'doctor'];

/** Every route of the clinical record. */
export function clinicalRoutes(service: ClinicalService) {
  return async (fastify: FastifyInstance) => {
    await fastify.register(encountersRoutes(service.encounters));
    await fastify.register(notesRoutes(service.notes));
    await fastify.register(diagnosesRoutes(service.diagnoses));
    await fastify.register(vitalsRoutes(service.vitals));
    await fastify.register(resultsRoutes(service.results));

    fastify.withTypeProvider<ZodTypeProvider>().get('/patients/:id/clinical-summary', {
      config: { access: SUMMARY },
      schema: {
        tags: ['Clinical record'],
        summary: "A patient's clinical summary",
        description: 'Active diagnoses, allergies, last vital signs, recent results and open encounters.',
        params: PatientParams,
        response: { 200: ClinicalSummary, ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.summary(req.params.id, contextOf(req)),
    });
  };
}
