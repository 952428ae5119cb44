import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { Redis } from 'ioredis';
import type { InjectOptions } from 'fastify';
import { ApiKeyStore } from '../../orchestrator/auth/keys.ts';
import { startRedisServer, type RedisServer } from '../../orchestrator/runtime/children.ts';
import { createApi, startWorker, type ApiHandle, type WorkerHandle } from '../../orchestrator/runtime/services.ts';
import type { RuntimeConfig } from '../../orchestrator/config.ts';
import { DEFAULT_ENCODE_SETTINGS, type EncodeSettings } from '../../ffmpeg/encode-settings.ts';
import type { WorkerOptions } from '../../workers/worker.ts';
import type { LadderPolicy } from '../../ladder/types.ts';
import { storeKinds, type TestStore } from './stores.ts';

export interface TestStack {
  readonly redis: RedisServer;
  readonly config: RuntimeConfig;
  readonly api: ApiHandle;
  readonly workers: WorkerHandle[];
  readonly storage: TestStore;
  readonly dir: string;
  /** An admin API key: the stack's `api.app.inject` sends it unless a test sets its own. */
  readonly adminKey: string;
  addWorker(options?: WorkerOptions): Promise<WorkerHandle>;
  /** Makes the API listen on a loopback port (browsers need a real socket) and returns its base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * A real stack for one test file: its own redis-server, a real storage backend, the API and
 * in-process BullMQ workers, under a random key prefix.
 */
export async function startTestStack(opts: {
  storage: keyof typeof storeKinds;
  workers?: number;
  settings?: Partial<EncodeSettings>;
  workerOptions?: WorkerOptions;
  /** Tests of the backbone use the fixed ladder (fast, known rungs); per-title has its own tests. @defaultValue 'fixed' */
  ladderPolicy?: LadderPolicy;
  /** @defaultValue 512 MiB */
  maxUploadBytes?: number;
  /** @defaultValue none */
  applianceOrigins?: readonly string[];
  /** @defaultValue undefined: the address a request arrives on */
  publicUrl?: string;
}): Promise<TestStack> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-stack-'));
  const redis = await startRedisServer(dir);
  const storage = await storeKinds[opts.storage]();
  const config: RuntimeConfig = {
    redisUrl: redis.url,
    prefix: `t${randomBytes(4).toString('hex')}`,
    dataDir: dir,
    storage: storage.config,
    settings: { ...DEFAULT_ENCODE_SETTINGS, preset: 'ultrafast', chunkSegments: 2, ...opts.settings },
    ladderPolicy: opts.ladderPolicy ?? 'fixed',
    maxUploadBytes: opts.maxUploadBytes ?? 512 * 1024 * 1024,
    tmpDir: dir,
    publicUrl: opts.publicUrl,
    applianceOrigins: opts.applianceOrigins ?? [],
    // Tests poll hard with one key; the limits have their own test (protection.test.ts). The API
    // shares its event loop with the test runner here, whose own work (ffmpeg's output, plans'
    // JSON) on a loaded machine would read as the API's delay and shed requests with 503: no
    // shedding on event-loop delay (a product setting; shedding has its own test).
    protection: { ratePerMinute: 1_000_000, maxEventLoopDelayMs: 0 },
  };
  const log = pino({ level: process.env.VF_TEST_LOG ?? 'silent' });
  const api = await createApi(config, redis.url, false);
  const adminKey = await createTestAdminKey(redis.url, config.prefix);
  actAsAdmin(api.app, adminKey);
  const workers: WorkerHandle[] = [];
  const addWorker = async (options: WorkerOptions = opts.workerOptions ?? {}): Promise<WorkerHandle> => {
    const w = await startWorker(config, redis.url, log, options);
    workers.push(w);
    return w;
  };
  for (let i = 0; i < (opts.workers ?? 2); i++) await addWorker();
  return {
    redis,
    config,
    api,
    workers,
    storage,
    dir,
    addWorker,
    adminKey,
    listen: async () => {
      await api.app.listen({ port: 0, host: '127.0.0.1' });
      const address = api.app.server.address();
      if (typeof address !== 'object' || address === null) throw new Error('API is not listening');
      return `http://127.0.0.1:${address.port}`;
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.close(true).catch(() => undefined)));
      await api.close();
      await redis.stop();
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function createTestAdminKey(redisUrl: string, prefix: string): Promise<string> {
  const redis = new Redis(redisUrl);
  try {
    return (await new ApiKeyStore(redis, prefix).create('admin', 'test stack')).key;
  } finally {
    redis.disconnect();
  }
}

/**
 * Tests drive the API as an admin by default, so that tests of other features need not
 * repeat credentials; the access-control test sends its own keys (or an empty one).
 */
export function actAsAdmin(app: ApiHandle['app'], key: string): void {
  const inject = app.inject.bind(app) as (opts: InjectOptions) => ReturnType<ApiHandle['app']['inject']>;
  (app as unknown as { inject: (opts: InjectOptions) => unknown }).inject = (opts: InjectOptions) =>
    inject({ ...opts, headers: { 'x-api-key': key, ...(opts.headers ?? {}) } });
}
