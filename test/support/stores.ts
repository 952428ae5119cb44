import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalObjectStore } from '../../storage/local.ts';
import { S3ObjectStore } from '../../storage/s3.ts';
import type { ObjectStore } from '../../storage/port.ts';
import type { StorageConfig } from '../../storage/index.ts';
import { startS3rver } from './s3rver.ts';

export interface TestStore {
  readonly store: ObjectStore;
  readonly config: StorageConfig;
  close(): Promise<void>;
}

/** Both storage adapters, each on a real backend: a temp directory and s3rver on loopback. */
export const storeKinds: Record<'local' | 's3', () => Promise<TestStore>> = {
  local: async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'vf-store-'));
    return { store: new LocalObjectStore(root), config: { kind: 'local', root }, close: () => rm(root, { recursive: true, force: true }) };
  },
  s3: async () => {
    const server = await startS3rver();
    const config: StorageConfig = {
      kind: 's3',
      bucket: server.bucket,
      endpoint: server.endpoint,
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    };
    const store = new S3ObjectStore(config);
    return {
      store,
      config,
      close: async () => {
        store.client.destroy();
        await server.stop();
      },
    };
  },
};
