import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The helper died (a decoder crash, a heap limit, the OOM killer) while it held a request. */
export class HelperCrashedError extends Error {
  override readonly name = 'HelperCrashedError';
  constructor(
    readonly helper: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(`the ${helper} helper exited (${signal ?? `code ${exitCode}`}) while it held a request`);
  }
}

export interface HelperOptions {
  /** For messages: "imaging", "planning". */
  readonly name: string;
  /** The helper's entry: a `.mjs` that registers tsx and imports its TypeScript (see helper-child.ts). */
  readonly entry: URL;
  /** Extra environment; the helper gets only PATH, HOME and TMPDIR of the API's, never its secrets. */
  readonly env?: Readonly<Record<string, string>>;
  /** Node options, e.g. a heap limit. */
  readonly nodeArgs?: readonly string[];
  /** Run under `nice -n 19` (every thread of it, GC helpers included): background work beside players. */
  readonly background?: boolean;
  /** Replace the helper once its resident set passes this after a request. */
  readonly recycleAboveBytes?: number;
  /** End an idle helper after this, so its memory goes back. @defaultValue never */
  readonly idleExitMs?: number;
}

/** What a helper answers: see `serveRequests` in helper-child.ts. */
export type HelperReply<Res> = { readonly id: number; readonly rssBytes: number } & ({ readonly result: Res } | { readonly error: string });

interface Waiter<Res> {
  readonly resolve: (r: Res) => void;
  readonly reject: (err: Error) => void;
}

let niceChecked: boolean | undefined;

/**
 * Work the API must not do in its own process, done in a child: decoding untrusted images,
 * planning over megabytes of views. The API's memory and life then do not depend on it, its
 * CPU can be deprioritised as a whole, and it never sees the API's secrets. One child, started
 * on first use and replaced when it dies or grows; callers serialise requests (a WorkGate).
 */
export class HelperProcess<Req, Res> {
  private child: { readonly process: ChildProcess; readonly pending: Map<number, Waiter<Res>> } | undefined;
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: HelperOptions) {}

  request(req: Req): Promise<Res> {
    clearTimeout(this.idleTimer);
    const child = this.started();
    const id = this.nextId++;
    return new Promise<Res>((resolve, reject) => {
      child.pending.set(id, { resolve, reject });
      // A send on a channel that has just closed reports through the 'error' listener.
      child.process.send({ id, req }, (err) => {
        if (err !== null && child.pending.delete(id)) reject(err);
      });
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const child = this.child?.process;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  private started(): NonNullable<HelperProcess<Req, Res>['child']> {
    if (this.child !== undefined) return this.child;
    const env: NodeJS.ProcessEnv = { ...this.options.env };
    for (const name of ['PATH', 'HOME', 'TMPDIR'] as const) if (process.env[name] !== undefined) env[name] = process.env[name];
    const node = [process.execPath, ...(this.options.nodeArgs ?? []), fileURLToPath(this.options.entry)];
    niceChecked ??= spawnSync('nice', ['-n', '0', 'true'], { stdio: 'ignore' }).status === 0;
    // `nice` execs node in place, keeping the IPC channel's descriptor and variable.
    const [program, ...args] = this.options.background === true && niceChecked ? ['nice', '-n', '19', ...node] : node;
    const child = {
      process: spawn(program!, args, { env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
      pending: new Map<number, Waiter<Res>>(),
    };
    this.child = child;
    child.process.on('message', (m: HelperReply<Res>) => {
      const waiter = child.pending.get(m.id);
      child.pending.delete(m.id);
      if ('error' in m) waiter?.reject(new Error(`${this.options.name} helper: ${m.error}`));
      else waiter?.resolve(m.result);
      if (this.child !== child) return;
      if (m.rssBytes > (this.options.recycleAboveBytes ?? Number.POSITIVE_INFINITY)) this.retire(child);
      else if (child.pending.size === 0 && this.options.idleExitMs !== undefined) {
        this.idleTimer = setTimeout(() => this.child === child && child.pending.size === 0 && this.retire(child), this.options.idleExitMs);
        this.idleTimer.unref();
      }
    });
    const failAll = (err: Error): void => {
      if (this.child === child) this.child = undefined;
      for (const w of child.pending.values()) w.reject(err);
      child.pending.clear();
    };
    child.process.once('exit', (code, signal) => failAll(new HelperCrashedError(this.options.name, code, signal)));
    // A helper that cannot be started, or whose channel broke, fails its requests, never the API.
    child.process.on('error', (err) => {
      failAll(err);
      child.process.kill('SIGKILL');
    });
    // An idle helper does not keep the API alive.
    child.process.unref();
    child.process.channel?.unref();
    return child;
  }

  /** Lets the helper go: it exits when its channel closes. */
  private retire(child: NonNullable<HelperProcess<Req, Res>['child']>): void {
    if (this.child === child) this.child = undefined;
    if (child.process.connected) child.process.disconnect();
  }
}
