import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A small tmpfs, so a "disk full" is a real ENOSPC from the kernel rather than a simulation.
 * Mounting needs root with the right to mount (true on the CI machine and in this container);
 * elsewhere `mountTmpfs` resolves to null and the tests that need it are skipped.
 */
export interface Tmpfs {
  dir: string;
  unmount(): Promise<void>;
}

export async function mountTmpfs(
  dir: string,
  bytes: number,
  owner?: { uid: number; gid: number },
): Promise<Tmpfs | null> {
  if (process.getuid?.() !== 0) return null;
  await fs.promises.mkdir(dir, { recursive: true });
  const options = [`size=${bytes}`, 'mode=0755'];
  if (owner) options.push(`uid=${owner.uid}`, `gid=${owner.gid}`);
  try {
    await run('mount', ['-t', 'tmpfs', '-o', options.join(','), 'tmpfs', dir]);
  } catch {
    return null;
  }
  return { dir, unmount: () => run('umount', ['-l', dir]).then(() => undefined) };
}

/** Whether this machine lets the tests mount a tmpfs (tried on a throw-away folder). */
export async function canMountTmpfs(): Promise<boolean> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'clinica-tmpfs-'));
  const mounted = await mountTmpfs(dir, 64 * 1024);
  await mounted?.unmount();
  await fs.promises.rm(dir, { recursive: true, force: true });
  return mounted !== null;
}
