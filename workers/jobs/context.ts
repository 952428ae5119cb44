import { redactError, type Redact } from '../../observability/redact.ts';
import { UnrecoverableError, type Job, type FlowProducer } from 'bullmq';
import type { TurnQueue } from '../../pipeline/turns.ts';
import type { ObjectStore } from '../../storage/port.ts';
import type { TitleStore } from '../../titles/store.ts';
import type { EncodeSettings } from '../../ffmpeg/encode-settings.ts';
import type { JobDataByName, JobName } from '../../pipeline/types.ts';
import type { LadderPolicy } from '../../ladder/types.ts';

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What every handler may use; built once per worker process. */
export interface WorkerDeps {
  readonly store: ObjectStore;
  readonly titles: TitleStore;
  readonly flow: FlowProducer;
  /** The encode lane's queue, to give an uploader's waiting chunks their turns (`shareTurns`). */
  readonly queue: TurnQueue;
  /** The base name of the lanes' queues (`laneQueueName`). */
  readonly queueName: string;
  readonly settings: EncodeSettings;
  /** How ladders are chosen: measured per title (default), or Apple's fixed ladder. */
  readonly ladderPolicy: LadderPolicy;
  /** Scratch space for ffmpeg's inputs and outputs; each job uses its own subdirectory. */
  readonly tmpDir: string;
  readonly log: Logger;
  /** Takes presigned queries, passwords and storage paths out of messages (createWorker sets it from the store and tmpDir). */
  readonly redact?: Redact;
}

export interface JobContext {
  readonly deps: WorkerDeps;
  /** Aborted when the job is cancelled or the worker shuts down hard. */
  readonly signal: AbortSignal;
  /** The worker's lock token for this job, for BullMQ moves it makes itself (waiting for new children). */
  readonly token?: string;
}

export type Handler<N extends JobName> = (job: Job<JobDataByName[N], unknown, N>, ctx: JobContext) => Promise<unknown>;
export type Handlers = { readonly [N in JobName]: Handler<N> };

/** Titles an entry of a job's data belongs to, for logs and failure marking. */
export function titleIdOf(data: JobDataByName[JobName]): string {
  if ('layout' in data) return data.layout.titleId;
  if ('source' in data) return data.source.titleId;
  return data.titleId;
}

/**
 * Reports progress at most every `intervalMs`: ffmpeg prints a progress block twice a
 * second per output and each report is a Redis round trip.
 */
export function throttledProgress(report: (fraction: number) => Promise<void>, intervalMs = 1000): (fraction: number) => void {
  let last = 0;
  return (fraction) => {
    const now = Date.now();
    if (fraction < 1 && now - last < intervalMs) return;
    last = now;
    report(fraction).catch(() => undefined);
  };
}

/**
 * Whether this failure is the job's last: bad input never improves on retry, and the last
 * attempt is the last. BullMQ recognises UnrecoverableError by name across a process boundary.
 */
export function isFinalAttempt(
  job: { readonly attemptsMade: number; readonly opts: { readonly attempts?: number } },
  err: unknown,
): boolean {
  return (
    err instanceof UnrecoverableError ||
    (err as Error | undefined)?.name === 'UnrecoverableError' ||
    job.attemptsMade + 1 >= (job.opts.attempts ?? 1)
  );
}

/** A failure as an Error with its stable code (the error's own `code` when it has one, else `fallback`). */
export function failureOf(err: unknown, fallback: string, redact?: Redact): { error: Error; code: string } {
  const thrown = err instanceof Error ? err : new Error(String(err));
  // Redacted where the message may go on to be stored or logged (see observability/redact.ts).
  const error = redact === undefined ? thrown : redactError(thrown, redact);
  const raw = (error as { code?: unknown }).code;
  return { error, code: typeof raw === 'string' ? raw : fallback };
}
