import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { configToEnv, type RuntimeConfig } from '../config.ts';
import { createApi, ensureRedis, type ApiHandle } from './services.ts';
import type { RedisServer } from './children.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ApiKeyStore } from '../auth/keys.ts';

const BIN = fileURLToPath(new URL('../../bin/vodforge.mjs', import.meta.url));

export interface StackOptions {
  readonly port: number;
  readonly host: string;
  readonly workers: number;
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
  ) {}

  start(): void {
    // Own process group: a terminal's Ctrl-C reaches only the supervisor, which decides
    // whether workers finish their job or hand it back.
    const child = fork(BIN, ['worker'], { env: this.env, stdio: 'inherit', detached: true });
    this.child = child;
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

export async function startStack(config: RuntimeConfig, options: StackOptions, log: Logger): Promise<Stack> {
  const redis: { url: string; server?: RedisServer } = await ensureRedis(config, log);
  const api = await createApi(config, redis.url, log);
  const adminKeyFile = await ensureFirstAdminKey(api.keys, config.dataDir);
  await api.app.listen({ port: options.port, host: options.host });
  const address = api.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const url = `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${port}`;
  const env = { ...process.env, ...configToEnv(config, redis.url) };
  const children = Array.from({ length: options.workers }, (_, i) => new WorkerChild(i, env, log));
  for (const c of children) c.start();
  log.info({ url, workers: options.workers, storage: api.store.describe, redis: redis.url }, 'vodforge is up');
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
      })();
      return stopping;
    },
  };
}

/**
 * A new deployment has no keys and so no way in: make the first admin key, print it once
 * and keep it beside the data (0600) so `vodforge demo` and the operator can find it.
 */
async function ensureFirstAdminKey(keys: ApiKeyStore, dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'admin.key');
  if ((await keys.count()) > 0) return file;
  const { key } = await keys.create('admin', 'first admin key (vodforge up)');
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  process.stderr.write(`first admin API key (shown once, saved to ${file}):\n  ${key}\n`);
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
