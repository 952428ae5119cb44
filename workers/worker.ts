import { UnrecoverableError, WaitingChildrenError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { probeHandler } from './jobs/probe.ts';
import { verifyMasterHandler } from './jobs/verify-master.ts';
import { buildLadderHandler } from './jobs/ladder-analysis.ts';
import { sampleHandler } from './jobs/sample.ts';
import { encodeChunkHandler } from './jobs/encode-chunk.ts';
import { encodeAudioHandler } from './jobs/encode-audio.ts';
import { extractSubtitlesHandler } from './jobs/extract-subtitles.ts';
import { packageHandler } from './jobs/package.ts';
import { artworkHandler } from './jobs/artwork.ts';
import { measureRungsHandler } from './jobs/measure-rungs.ts';
import { failureOf, isFinalAttempt, titleIdOf, type Handler, type Handlers, type Logger, type WorkerDeps } from './jobs/context.ts';
import { JobMetrics } from '../observability/job-metrics.ts';
import { redactor, storageRoots } from '../observability/redact.ts';
import { meterCpu } from '../ffmpeg/cpu-meter.ts';
import { cpuStepKey } from '../titles/cpu-steps.ts';
import type { JobDataByName, JobName } from '../pipeline/types.ts';
import { laneQueueName, LANES, type Lane } from '../pipeline/queue.ts';

/** The handler of every job name (`Handlers` is a `Record` over `JobName`: none can be missing). */
export const HANDLERS: Handlers = {
  'verify-master': verifyMasterHandler,
  probe: probeHandler,
  sample: sampleHandler,
  'build-ladder': buildLadderHandler,
  'encode-chunk': encodeChunkHandler,
  'encode-audio': encodeAudioHandler,
  'extract-subtitles': extractSubtitlesHandler,
  package: packageHandler,
  'measure-rungs': measureRungsHandler,
  artwork: artworkHandler,
};

const isJobName = (name: string): name is JobName => Object.hasOwn(HANDLERS, name);

export interface WorkerOptions {
  /** Jobs of each lane one worker process runs at once; ffmpeg already uses every core. @defaultValue 1 */
  readonly concurrency?: number;
  /** How long a job's lock lasts without renewal, in ms; BullMQ renews it at half this while the job runs. @defaultValue 60000 */
  readonly lockDurationMs?: number;
  /** How often stalled jobs (their worker died) are looked for, in ms. @defaultValue 30000 */
  readonly stalledIntervalMs?: number;
  /** Times a job may stall before it fails. @defaultValue 2 */
  readonly maxStalledCount?: number;
}

/**
 * A BullMQ worker on each lane's queue (pipeline/queue.ts `LANES`), one handler for every
 * vodforge job type. A failure that ends a job also fails its title, with the error's code and
 * message, so content ops see why; the worker process itself never goes down for a bad master.
 */
export interface VodforgeWorker {
  /** The BullMQ worker of each lane: a short step runs beside a chunk, never behind it. */
  readonly lanes: Readonly<Record<Lane, Worker>>;
  /** Aborts every job this worker is running for the title (ffmpeg is killed); returns how many. */
  cancelTitle(titleId: string): number;
  /**
   * Aborts every running job (ffmpeg is killed) and puts each back in the queue as it was,
   * for another worker: a shutdown is not a failed attempt, so it spends none of the job's
   * retries and never fails its title. Resolves once every job is back, or after
   * {@link HAND_BACK_ALL_TIMEOUT_MS} for jobs Redis keeps waiting; then `worker.close(true)`.
   */
  handBackAll(): Promise<void>;
}

/** How long a forced stop waits on Redis to hand a job back (or to pause), in ms. */
const HAND_BACK_TIMEOUT_MS = 3000;

/**
 * How long a forced stop waits for its jobs to end and be handed back: ffmpeg's kill grace plus
 * the hand-back. A handler waiting on a Redis command while Redis is down would wait for its
 * reconnection forever; its job is left to stall recovery, as a hand-back Redis did not take.
 */
const HAND_BACK_ALL_TIMEOUT_MS = 10_000;

/** Whether `p` settled successfully within `ms`; never rejects, never waits longer. */
async function within(ms: number, p: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      p.then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A logger that puts the job's bindings on every line, whatever logger the process was given. */
function withBindings(log: Logger, bindings: object): Logger {
  return {
    info: (obj, msg) => log.info({ ...bindings, ...obj }, msg),
    warn: (obj, msg) => log.warn({ ...bindings, ...obj }, msg),
    error: (obj, msg) => log.error({ ...bindings, ...obj }, msg),
  };
}

export function createWorker(connection: Redis, prefix: string, baseDeps: WorkerDeps, options: WorkerOptions = {}): VodforgeWorker {
  /** Running job id → its title, so a title's cancellation can find its jobs. */
  const running = new Map<string, string>();
  const metrics = new JobMetrics(connection, prefix);
  let handingBack = false;
  /** The processors in flight, so a hand-back can wait until each job is back in the queue. */
  const inFlight = new Set<Promise<unknown>>();
  const track = (job: Job, token?: string, signal?: AbortSignal): Promise<unknown> => {
    const p = processor(job, token, signal);
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  };
  const redact = baseDeps.redact ?? redactor(storageRoots(baseDeps.store.describe, baseDeps.tmpDir));
  const processor = async (job: Job, token?: string, signal?: AbortSignal): Promise<unknown> => {
    if (!isJobName(job.name)) throw new UnrecoverableError(`unknown job name ${job.name}`);
    const handler = HANDLERS[job.name] as Handler<JobName>;
    const data = job.data as JobDataByName[JobName];
    const titleId = titleIdOf(data);
    // Every line a handler logs carries the title and job it is about.
    const deps: WorkerDeps = { ...baseDeps, redact, log: withBindings(baseDeps.log, { titleId, jobId: job.id, job: job.name }) };
    if (job.id !== undefined) running.set(job.id, titleId);
    const started = performance.now();
    const startedMs = Date.now();
    try {
      const metered = await meterCpu(() =>
        handler(job as Job<JobDataByName[JobName], unknown, JobName>, {
          deps,
          signal: signal ?? new AbortController().signal,
          ...(token === undefined ? {} : { token }),
        }),
      );
      // Spent whether the job succeeded or not; accounting never fails a job.
      if (metered.cpuS > 0) {
        await Promise.all([
          metrics.jobCpu(job.name, metered.cpuS),
          deps.titles.addCpu(titleId, job.name, metered.cpuS),
          ...[...metered.steps].map(([step, s]) => deps.titles.addCpu(titleId, cpuStepKey(job.name, step), s)),
        ]).catch(() => undefined);
      }
      await deps.titles.addSpan(titleId, { job: job.name, startMs: startedMs, endMs: Date.now() }).catch(() => undefined);
      if (!('result' in metered)) throw metered.error;
      const result = metered.result;
      // Metrics never fail a job: a lost sample is better than a re-encode.
      await metrics.jobCompleted(job.name, (performance.now() - started) / 1000, result).catch(() => undefined);
      return result;
    } catch (err) {
      // Waiting for children it just added (a chunk sent back to encoding): not a failure.
      if (err instanceof WaitingChildrenError) throw err;
      if (handingBack && signal?.aborted === true) {
        // Straight back to waiting, attempts untouched. Left to BullMQ, a closing worker
        // records nothing and the job sits active until its lock expires and it counts as stalled.
        // Bounded: with Redis down the command would wait for a reconnection forever, and a
        // forced stop must stop. A job not moved is found stalled once Redis is back.
        const moved = await within(HAND_BACK_TIMEOUT_MS, job.moveToWait(token));
        deps.log.info(
          { titleId, jobId: job.id, job: job.name, moved },
          moved ? 'job handed back: worker shutting down' : 'job left to stall recovery: Redis did not answer',
        );
        throw new WaitingError();
      }
      const state =
        signal?.aborted === true
          ? await deps.titles.get(titleId).then(
              (t) => t?.state ?? 'deleted',
              () => 'unknown',
            )
          : 'running';
      if (state === 'deleted' || state === 'failed') {
        // Cancelled because the title was deleted (or already failed): nothing to retry. A job
        // aborted by a shutdown of a ready title (artwork) is not done: it goes back to the queue.
        deps.log.info({ titleId, jobId: job.id, job: job.name }, 'job cancelled');
        return { cancelled: true };
      }
      // Redacted before it is logged, stored on the title or handed to BullMQ (its failed reason).
      const { error: e, code } = failureOf(err, 'VF_JOB_FAILED', redact);
      const final = isFinalAttempt(job, e);
      deps.log.warn({ titleId, jobId: job.id, job: job.name, attempt: job.attemptsMade + 1, final, err: e.message }, 'job failed');
      await metrics.jobFailed(job.name, code, final).catch(() => undefined);
      if (final) {
        const moved = await deps.titles.transition(titleId, 'failed', { error: { code, message: e.message } }).catch(() => undefined);
        // Only the job that failed the title counts it; its siblings find it already failed.
        if (moved === 'ok') await metrics.titleFailed(code).catch(() => undefined);
        // A job that runs after publication (measure-rungs, artwork) must never take a ready
        // title's output down with it: only a title known to be failed (or gone) loses its
        // output; with Redis not answering, the state is unknown and the output stays.
        if (moved === 'ok' || moved === 'failed' || moved === 'missing')
          await deps.store.deletePrefix(`titles/${titleId}/out/`).catch(() => undefined);
      }
      throw e;
    } finally {
      if (job.id !== undefined) running.delete(job.id);
    }
  };
  const lane = (name: Lane): Worker =>
    new Worker(laneQueueName(baseDeps.queueName, name), track, {
      connection,
      prefix,
      concurrency: options.concurrency ?? 1,
      lockDuration: options.lockDurationMs ?? 60_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: options.maxStalledCount ?? 2,
      autorun: true,
    });
  const lanes = { express: lane('express'), encode: lane('encode') };
  const all = LANES.map((name) => lanes[name]);
  return {
    lanes,
    cancelTitle: (titleId) => {
      let n = 0;
      // Job ids are unique across lanes; each lane's worker cancels only the jobs it runs.
      for (const [jobId, t] of running) if (t === titleId && all.some((w) => w.cancelJob(jobId, 'title deleted'))) n += 1;
      return n;
    },
    handBackAll: async () => {
      handingBack = true;
      // Paused first: a worker that is not yet closing would fetch the handed-back job again.
      await within(HAND_BACK_TIMEOUT_MS, Promise.all(all.map((w) => w.pause(true))));
      for (const w of all) w.cancelAllJobs('worker shutting down');
      if (!(await within(HAND_BACK_ALL_TIMEOUT_MS, Promise.allSettled([...inFlight])))) {
        baseDeps.log.warn({ jobs: inFlight.size }, 'forced stop: jobs still waiting on Redis are left to stall recovery');
      }
    },
  };
}
