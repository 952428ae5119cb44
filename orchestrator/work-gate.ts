import { HttpErrors } from './errors.ts';

export interface WorkGateOptions {
  /** What the gate guards, for the 503's message ("custom artwork"). */
  readonly name: string;
  /** Runs at once. */
  readonly concurrency: number;
  /** Requests that may wait for a turn; past it, 503 `VF_BUSY` with `Retry-After`. */
  readonly maxWaiting: number;
  /** Seconds a refused client is told to wait. */
  readonly retryAfterS: number;
}

/** A 503 that tells the client when to come back (the error handler sends `Retry-After`). */
export type BusyError = InstanceType<typeof HttpErrors.Busy> & { readonly retryAfterS: number };

export function busyError(what: string, retryAfterS: number): BusyError {
  return Object.assign(new HttpErrors.Busy(what, retryAfterS), { retryAfterS });
}

/**
 * Bounds heavy work inside the API process (image decodes, ffmpeg crops, plan computations):
 * at most `concurrency` run, `maxWaiting` queue in arrival order, and the rest are refused at
 * once instead of each holding its memory while it waits. Taken before a request body is
 * read, so waiting uploads stay in their sockets, not in the heap.
 */
export class WorkGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: WorkGateOptions) {}

  /** Runs `work` when a turn comes; throws a `BusyError` at once when the queue is full. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.options.concurrency) {
      if (this.waiting.length >= this.options.maxWaiting) throw busyError(this.options.name, this.options.retryAfterS);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await work();
    } finally {
      // The turn passes straight to the next waiter, so `running` counts it without a gap.
      const next = this.waiting.shift();
      if (next === undefined) this.running -= 1;
      else next();
    }
  }

  get stats(): { readonly running: number; readonly waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}
