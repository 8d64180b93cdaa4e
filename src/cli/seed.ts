import { randomUUID } from 'node:crypto';
import { SingleBar } from 'cli-progress';
import type { createServices } from '../app.js';
import { findUserByEmail } from '../modules/identity/identity.repository.js';
import { importPatients } from '../modules/patients/patients.repository.js';
import type { Role } from '../platform/http/access.js';
import { SYSTEM_CONTEXT } from '../server.js';
import { prng, syntheticPatient } from './synthetic.js';

type Services = Awaited<ReturnType<typeof createServices>>;

export const DEMO_PASSWORD = 'clinica-demo-2026';

const DEMO_USERS: { email: string; roles: Role[] }[] = [
  { email: 'admin@demo.clinica.local', roles: ['admin'] },
  { email: 'admisiones@demo.clinica.local', roles: ['admissions'] },
  { email: 'doctora@demo.clinica.local', roles: ['doctor'] },
  { email: 'dentista@demo.clinica.local', roles: ['doctor'] },
  { email: 'resultados@demo.clinica.local', roles: ['results'] },
  { email: 'farmacia@demo.clinica.local', roles: ['pharmacist'] },
  { email: 'soporte@demo.clinica.local', roles: ['agent'] },
  { email: 'paciente@demo.clinica.local', roles: ['patient'] },
];

/**
 * Demo data, idempotent: the same 50 patients (fixed seed, so fixed document numbers) and
 * one user per role; what exists already is left as it is.
 */
export async function seedDemo(s: Services, log: (line: string) => void) {
  const rand = prng(20_260_101);
  let created = 0;
  let firstPatientId: string | null = null;
  for (let i = 0; i < 50; i++) {
    const input = syntheticPatient(rand, 40_000_000 + i * 7_919);
    const existing = await s.patients.search({ q: input.documentNumber, limit: 1 }, SYSTEM_CONTEXT);
    const id = existing.items[0]?.id ?? (await s.patients.create(input, SYSTEM_CONTEXT)).id;
    if (!existing.items[0]) created++;
    firstPatientId ??= id;
  }
  log(`Patients: ${created} created, ${50 - created} already there.`);
  const rows: string[] = [];
  for (const u of DEMO_USERS) {
    if (!(await findUserByEmail(s.db, u.email))) {
      await s.users.create(
        {
          email: u.email,
          roles: u.roles,
          password: DEMO_PASSWORD,
          ...(u.roles.includes('patient') ? { patientId: firstPatientId as string } : {}),
        },
        SYSTEM_CONTEXT,
      );
    }
    rows.push(`  ${u.roles.join(', ').padEnd(12)} ${u.email}`);
  }
  log(['', `Demo users (password for all: ${DEMO_PASSWORD}):`, ...rows].join('\n'));
}

/** N synthetic patients in batches, with a progress bar; fast enough for 100k in seconds. */
export async function seedPatients(s: Services, count: number, progress: boolean) {
  const batchSize = 2_000;
  const rand = prng(Date.now());
  let serial = rand.int(10_000_000, 89_000_000);
  const bar = new SingleBar({
    format: 'Patients [{bar}] {value}/{total} {percentage}% | {eta}s left',
    hideCursor: true,
  });
  if (progress) bar.start(count, 0);
  let inserted = 0;
  for (let done = 0; done < count; ) {
    const size = Math.min(batchSize, count - done);
    const batch = Array.from({ length: size }, () => ({ id: randomUUID(), input: syntheticPatient(rand, serial++) }));
    inserted += await s.db.transaction(async (tx) => {
      const n = await importPatients(tx, batch);
      await s.audit.write(tx, SYSTEM_CONTEXT, {
        action: 'patient.import',
        resourceType: 'Patient',
        details: { count: n, synthetic: true },
      });
      return n;
    });
    done += size;
    if (progress) bar.update(done);
  }
  if (progress) bar.stop();
  return inserted;
}
