import fs from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** s3rver's fixed account; it checks the access key but not SigV4 signatures (so never the secret). */
export const ACCESS_KEY = 'S3RVER';
export const SECRET_KEY = 'S3RVER';
export const BUCKET = 'clinica-test';

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  httpServer: http.Server;
}
type S3rverClass = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

// s3rver is CommonJS without type declarations.
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

export interface TestS3Server {
  /** `s3+http://KEY:SECRET@127.0.0.1:PORT/BUCKET/prefix`, ready for `openStorage`. */
  url: string;
  endpoint: string;
  stop(): Promise<void>;
}

/** s3rver (an S3 implementation on the local file system) on 127.0.0.1 with one bucket. */
export async function startS3rver(): Promise<TestS3Server> {
  const directory = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'clinica-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    url: `s3+http://${ACCESS_KEY}:${SECRET_KEY}@127.0.0.1:${port}/${BUCKET}/clinica`,
    endpoint,
    async stop() {
      server.httpServer.closeAllConnections();
      await server.close();
      await fs.promises.rm(directory, { recursive: true, force: true });
    },
  };
}
