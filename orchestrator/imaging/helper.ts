import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ImagingReply, ImagingRequest } from './child.ts';
import type { PreparedArtwork } from './prepare.ts';

/** The helper died (a decoder crash, the OOM killer) while it held this request. */
export class ImagingCrashedError extends Error {
  override readonly name = 'ImagingCrashedError';
}

export interface ImagingHelperOptions {
  /** Replace the helper once its resident set passes this after a request (glibc keeps what libvips freed). @defaultValue 384 MiB */
  readonly recycleAboveBytes?: number;
}

const CHILD = fileURLToPath(new URL('./child.mjs', import.meta.url));

/**
 * Decodes and crops uploaded images in a child process, so the API's own memory and life do
 * not depend on an untrusted image or on libvips' allocations. One helper, started on first
 * use; requests are serialised by the caller's gate. It gets no secrets: only PATH, HOME and
 * TMPDIR of the API's environment.
 */
export class ImagingHelper {
  private child: { readonly process: ChildProcess; readonly pending: Map<number, Waiter> } | undefined;
  private nextId = 1;
  private readonly recycleAboveBytes: number;

  constructor(options: ImagingHelperOptions = {}) {
    this.recycleAboveBytes = options.recycleAboveBytes ?? 384 * 1024 * 1024;
  }

  prepare(file: string): Promise<PreparedArtwork> {
    const child = this.started();
    const id = this.nextId++;
    return new Promise<PreparedArtwork>((resolve, reject) => {
      child.pending.set(id, { resolve, reject });
      child.process.send({ id, file } satisfies ImagingRequest);
    });
  }

  async close(): Promise<void> {
    const child = this.child?.process;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** The pid of the running helper, if any (benchmarks read its memory). */
  get pid(): number | undefined {
    return this.child?.process.pid;
  }

  private started(): NonNullable<ImagingHelper['child']> {
    if (this.child !== undefined) return this.child;
    // glibc gives each libvips thread its own malloc arena and keeps what they free: two
    // arenas hold the helper's resident set near what one decode needs.
    const env: NodeJS.ProcessEnv = { MALLOC_ARENA_MAX: '2' };
    for (const name of ['PATH', 'HOME', 'TMPDIR'] as const) if (process.env[name] !== undefined) env[name] = process.env[name];
    const child = { process: fork(CHILD, [], { serialization: 'advanced', execArgv: [], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }), pending: new Map<number, Waiter>() };
    this.child = child;
    child.process.on('message', (m: ImagingReply) => {
      const waiter = child.pending.get(m.id);
      child.pending.delete(m.id);
      if ('error' in m) waiter?.reject(new Error(`imaging helper: ${m.error}`));
      else waiter?.resolve(m.result);
      if (m.rssBytes > this.recycleAboveBytes && this.child === child) {
        this.child = undefined;
        child.process.disconnect();
      }
    });
    child.process.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      for (const w of child.pending.values()) w.reject(new ImagingCrashedError(`the imaging helper exited (${signal ?? `code ${code}`}) while decoding the upload`));
      child.pending.clear();
    });
    // An idle helper does not keep the API alive.
    child.process.unref();
    child.process.channel?.unref();
    return child;
  }
}

interface Waiter {
  readonly resolve: (r: PreparedArtwork) => void;
  readonly reject: (err: Error) => void;
}
