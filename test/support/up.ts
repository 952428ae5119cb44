import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { waitForPort } from '../../orchestrator/runtime/children.ts';

const BIN = path.resolve('bin/vodforge.mjs');

/** A `vodforge up` process and everything it has printed so far. */
export interface UpProcess {
  readonly child: ChildProcess;
  output(): string;
}

/**
 * `vodforge up` as a new user starts it: nothing configured (its own redis-server, a local
 * storage directory, scratch in the data dir) but the fast test settings and `env`.
 */
export function spawnUp(options: {
  readonly port: number;
  readonly dataDir: string;
  readonly workers: number;
  readonly env?: Readonly<Record<string, string>>;
}): UpProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', VF_X264_PRESET: 'ultrafast', ...options.env };
  for (const name of ['REDIS_URL', 'S3_BUCKET', 'VF_TMP_DIR']) if (options.env?.[name] === undefined) delete env[name];
  const child = spawn(
    process.execPath,
    [BIN, 'up', '--port', String(options.port), '--workers', String(options.workers), '--data-dir', options.dataDir],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

/** Waits until `up` listens on `port`; if it exits first, the error carries what it printed. */
export async function upListening(up: UpProcess, port: number, timeoutMs = 60_000): Promise<void> {
  await waitForPort(port, timeoutMs, up.child).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}: ${up.output()}`);
  });
}
