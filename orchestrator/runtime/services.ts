import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { createObjectStore } from '../../storage/index.ts';
import type { ObjectStore } from '../../storage/port.ts';
import {
  closeQueues,
  createFlowProducer,
  createQueue,
  createQueues,
  producerConnection,
  QUEUE_NAME,
  workerConnection,
  type Lane,
} from '../../pipeline/queue.ts';
import type { WorkerOptions } from '../../workers/worker.ts';
import { TitleStore } from '../../titles/store.ts';
import { ApiKeyStore } from '../auth/keys.ts';
import { buildApp } from '../app.ts';
import type { App, AppDeps } from '../deps.ts';
import type { RuntimeConfig } from '../config.ts';
import { startRedisServer, type RedisServer } from './children.ts';
import { redactor, storageRoots } from '../../observability/redact.ts';

/** A connection URL as a log may show it: no password. */
export const redactUrl = redactor([]);
import type { Worker } from 'bullmq';

/** Uses REDIS_URL when something answers there; otherwise starts an embedded redis-server under the data dir. */
export async function ensureRedis(config: RuntimeConfig, log: Logger): Promise<{ url: string; server?: RedisServer }> {
  if (config.redisUrl !== undefined) {
    const probe = new Redis(config.redisUrl, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 2000,
    });
    try {
      await probe.connect();
      await probe.ping();
      return { url: config.redisUrl };
    } catch (err) {
      log.warn(
        { redisUrl: redactUrl(config.redisUrl), err: redactUrl((err as Error).message) },
        'REDIS_URL does not answer; starting an embedded redis-server',
      );
    } finally {
      probe.disconnect();
    }
  }
  const dir = path.join(config.dataDir, 'redis');
  await mkdir(dir, { recursive: true });
  const server = await startRedisServer(dir);
  log.info({ redisUrl: redactUrl(server.url), dir }, 'embedded redis-server started (AOF on, noeviction, password in redis.password)');
  return { url: server.url, server };
}

export interface ApiHandle {
  readonly app: App;
  readonly store: ObjectStore;
  readonly keys: ApiKeyStore;
  close(): Promise<void>;
}

/** `extra`: what only tests and benches set (a planning thread's heap limit). */
export async function createApi(
  config: RuntimeConfig,
  redisUrl: string,
  logger: Logger | false,
  extra: Pick<AppDeps, 'planner'> = {},
): Promise<ApiHandle> {
  const redis = producerConnection(redisUrl);
  // Commands fail fast while disconnected (no offline queue), so give the first connect a
  // moment; if Redis is down the API still starts and /health says so.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 5000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const store = await createObjectStore(config.storage);
  const queues = createQueues(redis, config.prefix);
  // Connection errors surface on each command as a 503; the event itself needs no report.
  for (const q of Object.values(queues)) q.on('error', () => undefined);
  const titles = new TitleStore(redis, config.prefix);
  const keys = new ApiKeyStore(redis, config.prefix);
  const app = await buildApp({
    redis,
    queues,
    titles,
    store,
    keys,
    maxUploadBytes: config.maxUploadBytes,
    ...(config.uploadExpiryS === undefined ? {} : { uploadExpiryS: config.uploadExpiryS }),
    tmpDir: config.tmpDir,
    applianceOrigins: config.applianceOrigins,
    ...(config.publicUrl === undefined ? {} : { publicUrl: config.publicUrl }),
    ...(config.protection === undefined ? {} : { protection: config.protection }),
    ...(config.planApprovals === undefined ? {} : { planApprovals: config.planApprovals }),
    ...(config.pages === undefined ? {} : { pages: config.pages }),
    ...extra,
    logger: logger === false ? false : { level: logger.level, stream: redactedStdout(config) },
  });
  return {
    app,
    store,
    keys,
    close: async () => {
      await app.close();
      await closeQueues(queues);
      redis.disconnect();
    },
  };
}

export interface WorkerHandle {
  /** The BullMQ worker of each lane. */
  readonly lanes: Readonly<Record<Lane, Worker>>;
  /** Waits for the running job to finish (`force`: hands it back at once, cancelling ffmpeg). */
  close(force?: boolean): Promise<void>;
}

/**
 * Starts a worker in this process. The worker graph (every job handler, ffmpeg, sharp) is
 * imported here, not at the top of the module: `vodforge up` runs its workers as child
 * processes, and the API process that imports this module would otherwise carry it all.
 */
export async function startWorker(
  config: RuntimeConfig,
  redisUrl: string,
  log: Logger,
  options: WorkerOptions = {},
): Promise<WorkerHandle> {
  const { createWorker } = await import('../../workers/worker.ts');
  const store = await createObjectStore(config.storage);
  const connection = workerConnection(redisUrl);
  const producer = workerConnection(redisUrl);
  const titles = new TitleStore(producer, config.prefix);
  const flow = createFlowProducer(producer, config.prefix);
  flow.on('error', (err) => log.warn({ err: err.message }, 'flow producer error'));
  const queue = createQueue(producer, config.prefix);
  queue.on('error', (err) => log.warn({ err: err.message }, 'queue error'));
  const { lanes, cancelTitle, handBackAll } = createWorker(
    connection,
    config.prefix,
    {
      store,
      titles,
      flow,
      queue,
      queueName: QUEUE_NAME,
      settings: config.settings,
      ladderPolicy: config.ladderPolicy,
      tmpDir: config.tmpDir,
      log,
    },
    options,
  );
  for (const [lane, worker] of Object.entries(lanes)) worker.on('error', (err) => log.error({ lane, err: err.message }, 'worker error'));
  const subscriber = workerConnection(redisUrl);
  void subscriber.subscribe(titles.cancelChannel);
  subscriber.on('message', (_channel: string, titleId: string) => {
    const n = cancelTitle(titleId);
    if (n > 0) log.info({ titleId, jobs: n }, 'jobs cancelled: title deleted');
  });
  return {
    lanes,
    close: async (force = false) => {
      subscriber.disconnect();
      if (force) await handBackAll();
      await Promise.all(Object.values(lanes).map((w) => w.close(force)));
      await flow.close();
      await queue.close();
      connection.disconnect();
      producer.disconnect();
    },
  };
}

/**
 * Standard output with every line redacted (see observability/redact.ts): whatever a log line
 * carries (an error from ffmpeg or the SDK, a URL), no presigned query, password or storage
 * path reaches the log.
 */
export function redactedStdout(config: Pick<RuntimeConfig, 'storage' | 'tmpDir' | 'dataDir'> | undefined): { write(line: string): void } {
  const roots =
    config === undefined
      ? []
      : [
          ...storageRoots(config.storage.kind === 'local' ? `file://${path.resolve(config.storage.root)}` : '', config.tmpDir),
          { path: config.dataDir, label: '<data-dir>' },
        ];
  const redact = redactor(roots);
  return { write: (line) => void process.stdout.write(redact(line)) };
}

/** The process's logger: JSON lines on stdout, redacted for `config`'s storage root and scratch dir. */
export function createLogger(
  level = process.env.LOG_LEVEL ?? 'info',
  config?: Pick<RuntimeConfig, 'storage' | 'tmpDir' | 'dataDir'>,
): Logger {
  return pino({ level, base: { pid: process.pid } }, redactedStdout(config));
}
