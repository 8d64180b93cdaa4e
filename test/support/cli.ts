import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Runs the real `clinica` program in a child process, from source through tsx, exactly as
 * `npx tsx src/cli/main.ts` would: same entry point, same configuration, same exit codes.
 */
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** An empty working directory, so a developer's `.env` in the repository never leaks in. */
const CWD = fs.mkdtempSync(path.join(os.tmpdir(), 'clinica-cwd-'));

export interface CliOptions {
  /** The only configuration the child sees: nothing is inherited from this process's environment. */
  env?: Record<string, string>;
  /** Written to standard input, which is then closed. */
  input?: string;
  cwd?: string;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function childEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'SystemRoot'];
  const base = Object.fromEntries(keep.filter((k) => process.env[k]).map((k) => [k, process.env[k] as string]));
  return { ...base, ...env };
}

export function spawnClinica(args: string[], options: CliOptions = {}): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd: options.cwd ?? CWD,
    env: childEnv(options.env),
    stdio: 'pipe',
  });
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  if (options.input !== undefined) child.stdin.write(options.input);
  child.stdin.end();
  return child;
}

/** Runs `clinica ...args` to the end. */
export function clinica(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const child = spawnClinica(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The lines of an output, without the final empty one. */
export const linesOf = (text: string) => text.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A fresh, empty data directory. */
export const freshDataDir = (label: string) => fs.mkdtempSync(path.join(os.tmpdir(), `clinica-${label}-`));
