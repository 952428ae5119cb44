/**
 * One fleet of `bench:fleet`: N `vodforge worker` processes, each pinned to one core with
 * `taskset` and encoding with one x264 thread per rung, take one title from the API to
 * `ready`; what each of its jobs took is read from BullMQ's completed jobs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Job } from 'bullmq';
import { configToEnv, type RuntimeConfig } from '../orchestrator/config.ts';
import { stopChild } from '../orchestrator/runtime/children.ts';
import { createApi } from '../orchestrator/runtime/services.ts';
import type { TitleViewT } from '../orchestrator/schemas.ts';
import { DEFAULT_ENCODE_SETTINGS } from '../ffmpeg/encode-settings.ts';
import { closeQueues, completedJobs, connectedProducer, createQueues } from '../pipeline/queue.ts';
import type { EncodeChunkJobData, SampleJobData } from '../pipeline/types.ts';
import type { LadderPolicy } from '../ladder/types.ts';
import { getTitle, ingest, waitForFinalEvent } from '../test/support/api.ts';
import { actAsAdmin } from '../test/support/stack.ts';
import { waitUntil } from '../test/support/wait.ts';
import type { ChunkTime } from './fleet-projection.ts';

const BIN = path.resolve('bin/vodforge.mjs');

/** One encode-chunk job as it ran: `runS` is processedOn → finishedOn of its last attempt. */
export interface ChunkRun extends ChunkTime {
  readonly index: number;
}

export interface FleetRun {
  readonly workers: number;
  /** The core each worker was pinned to. */
  readonly cores: readonly number[];
  /** Upload start to the upload's 202, s. */
  readonly uploadS: number;
  /** Upload start to `ready`, s. */
  readonly wallS: number;
  readonly chunks: readonly ChunkRun[];
  /** Run seconds of every job of the title, by job name. */
  readonly jobs: Readonly<Record<string, readonly number[]>>;
  /** Each sample window: its length and the run seconds of its jobs, summed (a window's sizes may be split over jobs). */
  readonly sampleWindows: readonly { readonly durationS: number; readonly runS: number }[];
  readonly view: TitleViewT;
}

/** The environment of a worker: the bench's own, less what could point it at another Redis or bucket, plus the fleet's config. */
function workerEnv(config: RuntimeConfig, redisUrl: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VF_|S3_|REDIS_URL$)/.test(k)));
  return {
    ...env,
    ...configToEnv(config, redisUrl),
    VF_FLEET_SLOTS: String(config.settings.fleetSlots),
    VF_ENCODE_THREADS: '1',
    LOG_LEVEL: 'warn',
  };
}

const runS = (j: Job): number => ((j.finishedOn ?? NaN) - (j.processedOn ?? NaN)) / 1000;

function chunkOf(j: Job<EncodeChunkJobData>): ChunkRun {
  const { chunk, timeline, durationS } = j.data;
  const fps = timeline.frameRate.num / timeline.frameRate.den;
  const endS = chunk.endFrame === undefined ? durationS : chunk.endFrame / fps;
  return { index: chunk.index, lengthS: endS - chunk.startFrame / fps, runS: runS(j) };
}

/**
 * Runs `master` to `ready` on `workers` worker processes, worker i pinned to core
 * i mod `cores`. Each fleet has its own key prefix and API, so nothing of a previous fleet's
 * title (its quality measurement, its artwork) runs on this one.
 */
export async function runFleet(opts: {
  readonly redisUrl: string;
  readonly dir: string;
  readonly master: string;
  readonly workers: number;
  readonly cores: number;
  readonly ladderPolicy: LadderPolicy;
}): Promise<FleetRun> {
  const { redisUrl, dir, workers } = opts;
  const config: RuntimeConfig = {
    redisUrl,
    prefix: `fleet${workers}`,
    dataDir: dir,
    storage: { kind: 'local', root: path.join(dir, 'storage') },
    settings: { ...DEFAULT_ENCODE_SETTINGS, fleetSlots: workers, encodeThreads: 1 },
    ladderPolicy: opts.ladderPolicy,
    maxUploadBytes: 10 * 1024 ** 3,
    tmpDir: dir,
    publicUrl: undefined,
    applianceOrigins: [],
  };
  const api = await createApi(config, redisUrl, false);
  actAsAdmin(api.app, (await api.keys.create('admin', 'bench')).key);
  const connection = await connectedProducer(redisUrl);
  const queues = createQueues(connection, config.prefix);
  const cores = Array.from({ length: workers }, (_, i) => i % opts.cores);
  const env = workerEnv(config, redisUrl);
  const children: ChildProcess[] = cores.map((core) =>
    spawn('taskset', ['-c', String(core), process.execPath, BIN, 'worker'], { env, stdio: ['ignore', 'ignore', 'inherit'] }),
  );
  try {
    await waitUntil(
      `${workers} worker processes to connect`,
      async () => {
        const dead = children.find((c) => c.exitCode !== null);
        if (dead !== undefined) throw new Error(`a worker exited with code ${dead.exitCode} before the title was sent`);
        return (await queues.encode.getWorkersCount()) >= workers ? true : undefined;
      },
      { intervalMs: 200, timeoutMs: 60_000 },
    );
    const t0 = performance.now();
    const id = await ingest(api.app, opts.master);
    const uploadS = (performance.now() - t0) / 1000;
    const final = await waitForFinalEvent(api.app, id);
    const wallS = (performance.now() - t0) / 1000;
    if (final.state !== 'ready') throw new Error(`title failed on ${workers} workers: ${JSON.stringify(final.error)}`);
    const view = await getTitle(api.app, id);
    // One title per prefix: every completed job of the lanes is this title's.
    const done = await completedJobs(queues);
    const jobs: Record<string, number[]> = {};
    for (const j of done) jobs[j.name] = [...(jobs[j.name] ?? []), runS(j)];
    const chunks = done
      .filter((j) => j.name === 'encode-chunk')
      .map((j) => chunkOf(j as Job<EncodeChunkJobData>))
      .sort((a, b) => a.index - b.index);
    const windows = new Map<number, { durationS: number; runS: number }>();
    for (const j of done.filter((j) => j.name === 'sample') as Job<SampleJobData>[]) {
      const w = windows.get(j.data.window.startS) ?? { durationS: j.data.window.durationS, runS: 0 };
      windows.set(j.data.window.startS, { ...w, runS: w.runS + runS(j) });
    }
    // Its quality measurement and artwork run on after `ready`: deleting the title cancels them,
    // so the workers stop now rather than after work the bench does not time.
    await api.app.inject({ method: 'DELETE', url: `/v1/titles/${id}` });
    return { workers, cores, uploadS, wallS, chunks, jobs, sampleWindows: [...windows.values()], view };
  } finally {
    // SIGTERM: a worker finishes the job in hand (none, or a cancelled one) and exits.
    await Promise.all(children.map((c) => stopChild(c, 120_000)));
    await closeQueues(queues);
    connection.disconnect();
    await api.close();
  }
}
