import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A free TCP port on loopback, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves once something accepts TCP connections on the port, or rejects after the deadline. */
export async function waitForPort(port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child !== undefined && child.exitCode !== null) {
      throw new Error(`process exited with code ${child.exitCode} before listening on ${port}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends SIGTERM, then SIGKILL if the child is still alive after the grace period. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a `redis-server` child for one machine's embedded stack (and for tests): data
 * under `dir`, AOF on so a restart loses no job, and `noeviction` because BullMQ must never
 * have its keys evicted.
 */
export async function startRedisServer(dir: string, port?: number): Promise<RedisServer> {
  const p = port ?? (await freePort());
  const redisArgs = ['redis-server', '--port', String(p), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec',
    '--maxmemory-policy', 'noeviction', '--save', '', '--daemonize', 'no', '--protected-mode', 'yes'];
  const [program = 'redis-server', ...args] = [...parentDeathWatch(), ...redisArgs];
  const child = spawn(
    program,
    args,
    // Own process group, so a terminal's Ctrl-C does not stop Redis under workers that are
    // still finishing their jobs; the supervisor stops it last.
    { stdio: ['ignore', 'ignore', 'inherit'], detached: true },
  );
  process.once('exit', () => child.kill('SIGTERM'));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) => reject(new Error(`cannot start redis-server (is it installed?): ${err.message}`))),
  );
  await Promise.race([waitForPort(p, 10_000, child), spawnError]);
  return { url: `redis://127.0.0.1:${p}`, port: p, child, stop: () => stopChild(child) };
}

let setprivChecked: boolean | undefined;

/**
 * A prefix that makes the kernel send SIGTERM to the program when its parent dies, however
 * it dies (`kill -9`, the OOM killer): util-linux's `setpriv --pdeathsig`, which sets
 * PR_SET_PDEATHSIG and execs the program (same pid). Redis cannot watch its parent itself, and
 * an embedded redis-server left running keeps the data dir's Redis alive for orphaned
 * workers: a second brain. Where setpriv is missing (not Linux), nothing is prefixed and the
 * data dir lock's takeover stops the orphan at the next start instead.
 */
export function parentDeathWatch(): string[] {
  setprivChecked ??= spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;
  return setprivChecked ? ['setpriv', '--pdeathsig', 'SIGTERM', '--'] : [];
}
