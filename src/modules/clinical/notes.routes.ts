import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { contextOf, type Role } from '../../platform/http/access.js';
import { page, problems } from '../../platform/http/schemas.js';
import { ListQuery, PatientParams } from './clinical.schemas.js';
import { AddendumInput, Note, NoteChanges, NoteInput, NoteParams } from './notes.schemas.js';
import type { NotesService } from './notes.service.js';

const tags = ['Clinical record'];
/** Patients read their own signed notes (never drafts); only doctors write. */
const READ: Role[] = ['patient', 'doctor'];
const WRITE: Role[] = ['doctor'];

export function notesRoutes(service: NotesService) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const base = '/patients/:id/notes';

    app.get(base, {
      config: { access: READ },
      schema: {
        tags,
        summary: "A patient's clinical notes (SOAP)",
        description: 'Newest first. A patient sees only their own signed notes.',
        params: PatientParams,
        querystring: ListQuery,
        response: { 200: page(Note), ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.list(req.params.id, req.query, contextOf(req)),
    });

    app.post(base, {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Write a draft note in an encounter',
        description: 'The signed-in doctor is its author. A cancelled encounter answers 409.',
        params: PatientParams,
        body: NoteInput,
        response: { 201: Note, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req, reply) =>
        reply.code(201).send(await service.create(req.params.id, req.body, contextOf(req))),
    });

    app.get(`${base}/:noteId`, {
      config: { access: READ },
      schema: {
        tags,
        summary: 'Read a note',
        params: NoteParams,
        response: { 200: Note, ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.get(req.params.id, req.params.noteId, contextOf(req)),
    });

    app.patch(`${base}/:noteId`, {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Edit a draft note',
        description: 'Only its author (403 for others); a signed note answers 409 `note_signed`: write an addendum.',
        params: NoteParams,
        body: NoteChanges,
        response: { 200: Note, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.update(req.params.id, req.params.noteId, req.body, contextOf(req)),
    });

    app.post(`${base}/:noteId/sign`, {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Sign a draft note',
        description:
          'Only its author. Records who signed and when and the SHA-256 of the content; from then on the note is read-only (409 `note_signed`).',
        params: NoteParams,
        response: { 200: Note, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.sign(req.params.id, req.params.noteId, contextOf(req)),
    });

    app.post(`${base}/:noteId/addenda`, {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Correct a signed note with an addendum',
        description:
          'A new note that references the signed one (`amends`), signed by the caller as it is written. A draft answers 409 `note_draft`.',
        params: NoteParams,
        body: AddendumInput,
        response: { 201: Note, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req, reply) =>
        reply.code(201).send(await service.addendum(req.params.id, req.params.noteId, req.body, contextOf(req))),
    });
  };
}
