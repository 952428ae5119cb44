import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { freePort, stopChild, waitForPort } from '../../orchestrator/runtime/children.ts';

export interface S3TestServer {
  readonly endpoint: string;
  readonly bucket: string;
  stop(): Promise<void>;
}

/**
 * s3rver on loopback as a real S3 API server for tests. It runs in its own Node process with
 * `--openssl-legacy-provider`: its paged ListObjectsV2 continuation tokens use a cipher that
 * OpenSSL 3 only offers through the legacy provider.
 */
export async function startS3rver(bucket = 'vodforge-test'): Promise<S3TestServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-s3rver-'));
  const port = await freePort();
  const bin = createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');
  const child = spawn(
    process.execPath,
    [
      '--openssl-legacy-provider',
      bin,
      '-d',
      dir,
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '--silent',
      '--no-vhost-buckets',
      '--configure-bucket',
      bucket,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await waitForPort(port, 15_000, child);
  return { endpoint: `http://127.0.0.1:${port}`, bucket, stop: () => stopChild(child) };
}
