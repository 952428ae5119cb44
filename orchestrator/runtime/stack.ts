import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { configToEnv, type RuntimeConfig } from '../config.ts';
import { createApi, ensureRedis, redactUrl, type ApiHandle } from './services.ts';
import type { RedisServer } from './children.ts';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { DataDirLock, type LockRecord } from './data-dir-lock.ts';
import { processId, stopProcess } from './processes.ts';
import { closeQueues, connectedProducer, createQueues } from '../../pipeline/queue.ts';
import path from 'node:path';
import type { ApiKeyStore } from '../auth/keys.ts';
import { newestWins } from './newest-wins.ts';

const BIN = fileURLToPath(new URL('../../bin/vodforge.mjs', import.meta.url));

export interface StackOptions {
  readonly port: number;
  readonly host: string;
  readonly workers: number;
  /**
   * Scratch directory owned by this data dir, emptied at start (what a killed owner's jobs
   * left); undefined keeps the configured `tmpDir` and never empties it.
   */
  readonly scratchDir?: string;
}

export interface Stack {
  /** Base URL the API listens on, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Where the first admin key of this data dir was saved (mode 0600). */
  readonly adminKeyFile: string;
  readonly api: ApiHandle;
  /**
   * Stops the API, then the workers: gracefully they finish the job in hand; with `force`
   * they cancel it (ffmpeg is killed) and BullMQ hands it to another worker later.
   */
  stop(force?: boolean): Promise<void>;
}

/** Supervises one worker process: restarts it if it dies while the stack is running. */
class WorkerChild {
  private child: ChildProcess | undefined;
  private stopping = false;
  constructor(
    private readonly index: number,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: Logger,
    /** Called with each process started, so the data dir lock lists it. */
    private readonly onStart: () => void,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    // Own process group: a terminal's Ctrl-C reaches only the supervisor, which decides
    // whether workers finish their job or hand it back. The IPC channel fork opens is how a
    // worker learns its supervisor is gone (`disconnect`), whatever killed it.
    const child = fork(BIN, ['worker'], { env: this.env, stdio: 'inherit', detached: true });
    this.child = child;
    this.onStart();
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      this.log.error({ worker: this.index, code, signal }, 'worker process died; restarting it');
      setTimeout(() => this.start(), 1000);
    });
  }

  async stop(force: boolean): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(force ? 'SIGINT' : 'SIGTERM');
    await exited;
  }

  /** Escalates a graceful stop already under way. */
  hurry(): void {
    this.child?.kill('SIGINT');
  }
}

export async function startStack(given: RuntimeConfig, options: StackOptions, log: Logger): Promise<Stack> {
  const { lock, stale } = await DataDirLock.acquire(given.dataDir);
  try {
    return await startLocked(given, options, log, lock, stale);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function startLocked(
  given: RuntimeConfig,
  options: StackOptions,
  log: Logger,
  lock: DataDirLock,
  stale: LockRecord | undefined,
): Promise<Stack> {
  if (stale !== undefined) await stopOrphans(stale, log);
  // Scratch belongs to the data dir unless configured: what a dead owner left there is removed.
  const config = options.scratchDir === undefined ? given : { ...given, tmpDir: options.scratchDir };
  if (options.scratchDir !== undefined) await emptyScratch(options.scratchDir, log);
  const redis: { url: string; server?: RedisServer } = await ensureRedis(config, log);
  // The dead owner's workers are stopped and its Redis served no one else: what it left active
  // goes back to waiting now, instead of after the stall timeouts (lock + check interval).
  if (stale !== undefined && redis.server !== undefined) await requeueOrphanedJobs(redis.url, config.prefix, log);
  const api = await createApi(config, redis.url, log);
  const adminKeyFile = await ensureFirstAdminKey(api.keys, config.dataDir);
  await api.app.listen({ port: options.port, host: options.host });
  const address = api.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const url = `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${port}`;
  const env = { ...process.env, ...configToEnv(config, redis.url) };
  const children: WorkerChild[] = [];
  // Children start (and restart) close together: each start reads the process ids afresh, and
  // only the newest reading is written, so a slower older one cannot leave a worker out.
  const writeChildren = newestWins(
    async () => {
      const workers = children.flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
      const redisPid = redis.server?.child.pid;
      return Promise.all([Promise.all(workers.map((pid) => processId(pid))), redisPid === undefined ? undefined : processId(redisPid)]);
    },
    ([w, r]) => lock.recordChildren({ workers: w, ...(r === undefined ? {} : { redis: r }) }),
  );
  const recordChildren = (): void => {
    writeChildren().catch((err: unknown) =>
      log.warn({ err: (err as Error).message, lock: lock.file }, 'could not record child processes in the data dir lock'),
    );
  };
  for (let i = 0; i < options.workers; i++) children.push(new WorkerChild(i, env, log, recordChildren));
  for (const c of children) c.start();
  log.info({ url, workers: options.workers, storage: api.store.describe, redis: redactUrl(redis.url) }, 'vodforge is up');
  let stopping: Promise<void> | undefined;
  return {
    url,
    adminKeyFile,
    api,
    stop: (force = false) => {
      if (stopping !== undefined) {
        if (force) for (const c of children) c.hurry();
        return stopping;
      }
      stopping = (async () => {
        await api.close();
        await Promise.all(children.map((c) => c.stop(force)));
        await redis.server?.stop();
        lock.release();
      })();
      return stopping;
    },
  };
}

/**
 * A new deployment has no keys and so no way in: make the first admin key and write it to
 * its file only (created exclusively, 0600): a log line is read by more people and tools
 * than the data dir, so the log says where the key is and which it is, never the key.
 * A file left from an earlier Redis (its key no longer valid) is replaced whole.
 */
async function ensureFirstAdminKey(keys: ApiKeyStore, dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'admin.key');
  if ((await keys.count()) > 0) return file;
  const { key } = await keys.create('admin', 'first admin key (vodforge up)');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const fresh = `${file}.${process.pid}.new`;
  const handle = await open(fresh, 'wx', 0o600);
  try {
    await handle.writeFile(`${key}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(fresh, file);
  process.stderr.write(`first admin API key ${key.slice(0, 7)}… written to ${file} (mode 0600); read it from there to sign in\n`);
  return file;
}

/** First Ctrl-C: graceful stop. Second: hand running jobs back at once. */
export function stopOnSignals(stack: Stack, log: Logger): Promise<void> {
  return new Promise((resolve) => {
    let count = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      count += 1;
      if (count === 1) {
        log.info({ signal }, 'stopping: workers finish their current job (Ctrl-C again to hand jobs back now)');
        stack.stop(false).then(resolve, resolve);
      } else {
        log.warn({ signal }, 'stopping now: running jobs are handed back to the queue');
        void stack.stop(true);
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** How long an orphaned worker gets to hand its job back before it is killed. */
const ORPHAN_GRACE_MS = 10_000;

/**
 * Stops what a dead owner of the data dir left running: workers first (SIGINT: hand the job
 * back), then its redis-server (SIGTERM: Redis writes its AOF and exits). Each process is
 * matched by pid and start time, so a pid the system gave to something else is left alone.
 */
async function stopOrphans(stale: LockRecord, log: Logger): Promise<void> {
  log.warn({ owner: stale.owner.pid, since: stale.since }, 'the previous owner of the data dir died; taking its lock over');
  const workers = await Promise.all(
    stale.workers.map(async (w) => ({ pid: w.pid, stopped: await stopProcess(w, 'SIGINT', ORPHAN_GRACE_MS) })),
  );
  for (const w of workers.filter((x) => x.stopped)) log.warn({ pid: w.pid }, 'stopped an orphaned worker of the previous owner');
  if (stale.redis !== undefined && (await stopProcess(stale.redis, 'SIGTERM', ORPHAN_GRACE_MS))) {
    log.warn({ pid: stale.redis.pid }, "stopped the previous owner's orphaned redis-server");
  }
}

async function emptyScratch(dir: string, log: Logger): Promise<void> {
  await mkdir(dir, { recursive: true });
  const left = await readdir(dir);
  await Promise.all(left.map((f) => rm(path.join(dir, f), { recursive: true, force: true })));
  if (left.length > 0) log.info({ dir, removed: left.length }, 'removed scratch left by jobs of a previous run');
}

/** Moves every active job back to waiting; only for a Redis no live worker uses. */
async function requeueOrphanedJobs(redisUrl: string, prefix: string, log: Logger): Promise<void> {
  const connection = await connectedProducer(redisUrl);
  const lanes = createQueues(connection, prefix);
  const queues = Object.values(lanes);
  try {
    for (const queue of queues) {
      const active = await queue.getActive();
      // Token '0' is BullMQ's "no lock to check": the holders are known dead.
      await Promise.all(active.map((job) => job.moveToWait('0')));
      if (active.length > 0)
        log.warn({ queue: queue.name, jobs: active.map((j) => j.id) }, 'jobs the previous owner left active are waiting again');
    }
  } finally {
    await closeQueues(lanes);
    connection.disconnect();
  }
}
