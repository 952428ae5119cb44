import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';

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

/**
 * Whether a server accepts TCP connections on 127.0.0.1:`port`. A connection that reached only
 * itself is no server: polling a port of the ephemeral range (where `freePort` finds them)
 * while nothing listens, a connect sooner or later gets that very port as its own source and
 * Linux completes it as a simultaneous open with itself. `localPort` chooses the source port,
 * which only a test of that case needs.
 */
export function acceptsConnections(port: number, localPort?: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', ...(localPort === undefined ? {} : { localPort, localAddress: '127.0.0.1' }) });
    s.once('connect', () => {
      const itself = s.localPort === port && s.localAddress === s.remoteAddress;
      s.destroy();
      resolve(!itself);
    });
    s.once('error', () => resolve(false));
  });
}

/** Resolves once a server accepts TCP connections on the port (`acceptsConnections`), or rejects after the deadline. */
export async function waitForPort(port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child !== undefined && child.exitCode !== null) {
      throw new Error(`process exited with code ${child.exitCode} before listening on ${port}`);
    }
    if (await acceptsConnections(port)) return;
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
 * The embedded Redis' password: made once per Redis dir (0600 file beside its data) and kept,
 * so a restarted server takes the same clients. Any local user can reach a loopback port;
 * without a password any of them could read API key hashes and rewrite jobs.
 */
async function redisPassword(dir: string): Promise<string> {
  const file = path.join(dir, 'redis.password');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const password = randomBytes(24).toString('base64url');
  try {
    await writeFile(file, `${password}\n`, { flag: 'wx', mode: 0o600 });
    return password;
  } catch (err) {
    // Another start made it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return (await readFile(file, 'utf8')).trim();
    throw err;
  }
}

/**
 * Starts a `redis-server` child for one machine's embedded stack (and for tests): data
 * under `dir`, AOF on so a restart loses no job, `noeviction` because BullMQ must never
 * have its keys evicted, and a password, given on stdin (a command line is world-readable
 * in /proc); the URL returned carries it.
 *
 * The port is free when `freePort` finds it, and another process may take it before Redis
 * binds it: Redis then exits, while the port answers. So the server answering is asked for its
 * process id, with this dir's password, and must be the child started; otherwise the child is
 * stopped and, on a port of our choosing, another is tried. On a given `port` it is an error.
 */
export async function startRedisServer(dir: string, port?: number): Promise<RedisServer> {
  const password = await redisPassword(dir);
  for (let attempt = 1; ; attempt++) {
    const p = port ?? (await freePort());
    const server = await spawnRedisServer(dir, p, password);
    if ((await redisPid(p, password)) === server.child.pid) return server;
    await server.stop();
    if (port !== undefined || attempt === PORT_ATTEMPTS) {
      throw new Error(`127.0.0.1:${p} is served by another process than the redis-server started on it for ${dir}`);
    }
  }
}

/** Ports `startRedisServer` tries before it gives up: each lost only to a race with another process. */
const PORT_ATTEMPTS = 3;

async function spawnRedisServer(dir: string, p: number, password: string): Promise<RedisServer> {
  const config = [
    `port ${p}`,
    'bind 127.0.0.1',
    `dir "${dir.replace(/["\\]/g, '\\$&')}"`,
    'appendonly yes',
    'appendfsync everysec',
    'maxmemory-policy noeviction',
    'save ""',
    'daemonize no',
    'protected-mode yes',
    `requirepass ${password}`,
  ].join('\n');
  const [program = 'redis-server', ...args] = [...parentDeathWatch(), 'redis-server', '-'];
  const child = spawn(
    program,
    args,
    // Own process group, so a terminal's Ctrl-C does not stop Redis under workers that are
    // still finishing their jobs; the supervisor stops it last.
    { stdio: ['pipe', 'ignore', 'inherit'], detached: true },
  );
  // A missing redis-server is reported below; its closed stdin is no second error.
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(`${config}\n`);
  process.once('exit', () => child.kill('SIGTERM'));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) => reject(new Error(`cannot start redis-server (is it installed?): ${err.message}`))),
  );
  await Promise.race([waitForPort(p, 10_000, child), spawnError]);
  return { url: `redis://:${password}@127.0.0.1:${p}`, port: p, child, stop: () => stopChild(child) };
}

/** The process id of the Redis answering on `port` to `password` (`INFO server`); undefined when none does. */
async function redisPid(port: number, password: string): Promise<number | undefined> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    password,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 5000,
  });
  // A refused password or a closed socket is an answer: not ours.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const pid = /^process_id:(\d+)/m.exec(await client.info('server'))?.[1];
    return pid === undefined ? undefined : Number(pid);
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
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
