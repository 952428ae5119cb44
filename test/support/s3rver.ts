import { rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort, stopChild, waitForPort } from '../../orchestrator/runtime/children.ts';
import { tempDir } from './temp-dirs.ts';

export interface S3TestServer {
  readonly endpoint: string;
  readonly bucket: string;
  stop(): Promise<void>;
}

/**
 * s3rver on loopback as a real S3 API server for tests, with the multipart calls it lacks
 * (ListParts, AbortMultipartUpload) added in front of it by `s3rver-server.mjs`. It runs in its
 * own Node process with `--openssl-legacy-provider`: its paged ListObjectsV2 continuation tokens
 * use a cipher that OpenSSL 3 only offers through the legacy provider.
 */
export async function startS3rver(bucket = 'vodforge-test'): Promise<S3TestServer> {
  const dir = await tempDir('vf-s3rver-');
  const port = await freePort();
  const server = path.join(import.meta.dirname, 's3rver-server.mjs');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', server, dir, String(port), bucket], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForPort(port, 15_000, child);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    stop: async () => {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
