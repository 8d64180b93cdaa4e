import { z } from 'zod';
import { Instant, Uuid } from '../../platform/http/schemas.js';

export const BackupTrigger = z
  .enum(['schedule', 'manual', 'cli'])
  .describe('schedule: BACKUP_SCHEDULE; manual: started from the API or the admin screen; cli: `clinica backup`');
export type BackupTrigger = z.output<typeof BackupTrigger>;

export const BackupRun = z.object({
  id: Uuid,
  status: z.enum(['running', 'succeeded', 'failed']),
  trigger: BackupTrigger,
  startedAt: Instant,
  finishedAt: Instant.nullable(),
  archive: z.string().nullable().describe('File name of the encrypted archive in the backup destination'),
  sizeBytes: z.number().int().nullable().describe('Size of the encrypted archive'),
  durationMs: z.number().int().nullable(),
  tables: z.number().int().nullable(),
  rows: z.number().int().nullable().describe('Rows of every table in the archive'),
  documents: z.number().int().nullable(),
  documentBytes: z.number().int().nullable(),
  error: z.string().nullable().describe('Why the run failed'),
});
export type BackupRun = z.output<typeof BackupRun>;

export const BackupStatus = z.object({
  schedule: z.string().nullable().describe('BACKUP_SCHEDULE (cron, in the clinic time zone), or null for none'),
  destination: z.string().describe('Where archives go (BACKUP_URL), any password left out'),
  keyConfigured: z.boolean().describe('Whether BACKUP_KEY is set: without it no backup can run'),
  lastSuccess: BackupRun.nullable(),
  lastFailure: BackupRun.nullable(),
  running: BackupRun.nullable(),
  items: z.array(BackupRun).describe('The latest 50 runs, newest first'),
});
export type BackupStatus = z.output<typeof BackupStatus>;
