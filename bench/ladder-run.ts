/**
 * One title through one ladder policy, for `bench:ladder` (ladder.ts): ingest on a real stack,
 * wait for ready and for the rungs' measured quality, measure every rung with a plain ffmpeg
 * psnr, and read the title's CPU accounts (the analysis' own runs apart from the ingest checks)
 * beside the kernel's account of the same span.
 */
import path from 'node:path';
import type { TestStack } from '../test/support/stack.ts';
import { downloadTrack, ingest, parseMultivariant, waitForFinalEvent, waitForRungQuality } from '../test/support/api.ts';
import { plainPsnrY, plainPsnrYOver, type PlainPsnrInput } from '../test/support/plain-psnr.ts';
import { toneMapFilters, toneMapOf } from '../ffmpeg/tone-map.ts';
import { TitleStore } from '../titles/store.ts';
import { cpuStepKey } from '../titles/cpu-steps.ts';
import { ANALYSIS_SCAN_STEP } from '../workers/jobs/analysis-reads.ts';
import { recordChildrenCpu } from './children-cpu.ts';
import { probeMaster } from '../ffmpeg/probe.ts';
import type { RateQualityPoint } from '../ladder/bd-rate.ts';
import { closeQueues, completedJobs, connectedProducer, createQueues } from '../pipeline/queue.ts';

export interface Run {
  readonly points: RateQualityPoint[];
  readonly rungs: string;
  /** The ladder as shipped (size, rate, CRF), to compare repeated runs. */
  readonly ladder: string;
  /** Per rung: PSNR-Y vodforge reported minus the plain figure over the same frames. */
  readonly reportedMinusPlain: number[];
  /** Per rung: PSNR-Y vodforge reported minus the plain figure over every frame of the rung, as a viewer sees it. */
  readonly reportedMinusWhole: number[];
  readonly top: string;
  /**
   * CPU seconds of the per-title analysis' own ffmpeg and ffprobe runs, whole processes: its
   * scan (a step of the probe job, `cpuStepsS['probe/scan']`), the samples and build-ladder.
   */
  readonly analysisS: number;
  /** CPU seconds of the probe job's ingest checks (the probe job less its scan): every title pays them, whatever its ladder. */
  readonly ingestS: number;
  /**
   * The span from ingest to the first chunk, ingest checks included, by the kernel's account
   * of the worker's children (`recordChildrenCpu`): the second instrument.
   */
  readonly analysisWholeS: number;
  readonly analysisWallS: number;
  /** The analysis' CPU by step. */
  readonly analysisParts: string;
  /** CPU seconds of the final encode (the chunk encodes of every rung). */
  readonly encodeS: number;
  readonly encodeWallS: number;
  /**
   * Per rung: PSNR-Y the samples predicted minus the plain figure over every frame of the rung
   * (positive: the prediction promised more than the rung gives).
   */
  readonly predictedMinusWhole: number[];
  /** Each rung's PSNR-Y as the samples predicted it, and the title's warnings. */
  readonly predicted: string;
  readonly warnings: string;
}

export interface Master {
  readonly name: string;
  readonly file: string;
  readonly width: number;
  readonly height: number;
  readonly frameRate: string;
  readonly durationS: number;
}

/** Runs `use` on a connection to the stack's Redis, closed however `use` ends: a leaked one keeps the bench from exiting. */
async function withRedis<T>(stack: TestStack, use: (conn: Awaited<ReturnType<typeof connectedProducer>>) => Promise<T>): Promise<T> {
  const conn = await connectedProducer(stack.redis.url);
  try {
    return await use(conn);
  } finally {
    conn.disconnect();
  }
}

/**
 * Waits until no job of any stack is waiting or running: the processes of an earlier title's
 * artwork, still running, would otherwise be counted in the next title's analysis.
 */
async function whenIdle(stacks: readonly TestStack[]): Promise<void> {
  for (const stack of stacks) {
    await withRedis(stack, async (conn) => {
      const queues = createQueues(conn, stack.config.prefix);
      try {
        const busy = async (): Promise<boolean> => {
          const counts = await Promise.all(
            Object.values(queues).map((q) => q.getJobCounts('active', 'waiting', 'prioritized', 'delayed', 'waiting-children')),
          );
          return counts.some((c) => Object.values(c).some((n) => n > 0));
        };
        while (await busy()) await new Promise((resolve) => setTimeout(resolve, 100));
      } finally {
        await closeQueues(queues);
      }
    });
  }
}

/** Every stack of the run, so that a title starts only when all of them are idle. */
export const allStacks: TestStack[] = [];

/** Ingests the master with one ladder policy and measures every rung over the whole title with a plain ffmpeg psnr. */
export async function runPolicy(stack: TestStack, m: Master, dir: string, measure = true): Promise<Run> {
  await whenIdle(allStacks);
  const children = recordChildrenCpu();
  const id = await ingest(stack.api.app, m.file).catch((err: unknown) => {
    children.stop();
    throw err;
  });
  const done = await waitForFinalEvent(stack.api.app, id).finally(children.stop);
  if (done.state !== 'ready') throw new Error(`${m.name}: ${JSON.stringify(done.error)}`);
  const t = done.rungQuality?.status === 'pending' ? await waitForRungQuality(stack.api.app, id, 3_600_000) : done;
  const ladder = (t.ladder ?? []).map((r) => `${r.width}x${r.height}@${r.bitrateKbps}k/crf${r.crf ?? '-'}`).join(' ');
  const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${id}/master.m3u8` });
  // A rung is listed once per audio group (stereo AAC, and AC-3 with a 5.1 source): counted once.
  const variants = [...new Map(parseMultivariant(res.body).variants.map((v) => [v.uri, v])).values()];
  const tracks = [];
  if (measure) for (const v of variants) tracks.push(await downloadTrack(stack.api.app, id, v.uri, path.join(dir, id)));
  // Measured by a plain ffmpeg psnr, not by vodforge's own path: the figure is the judge of vodforge's choices.
  // Both ladders leave black bars out: the plain instrument compares the same picture.
  const stored = await withRedis(stack, async (conn) => (await new TitleStore(conn, stack.config.prefix).get(id))?.probe?.video);
  const crop = stored?.activeArea;
  // The master on the title's grid: a variable-rate master's is the rate that keeps its frames,
  // which a probe of the file alone does not give; an interlaced one's is its field rate once
  // the plain instrument has deinterlaced it as the title says it was.
  const deinterlace = stored?.deinterlace;
  const grid = stored?.frameRate;
  // An HDR master's title is its tone-mapped picture, which the plain instrument takes as the title
  // defines it (its LUT, as a plain filter): both ladders are encoded from it. bench:tone-map
  // measures that picture against the textbook float chain.
  const toneMap = toneMapOf(stored?.colour);
  const plainInput = (encoded: string): PlainPsnrInput => ({
    encoded,
    master: m.file,
    frameRate: grid === undefined ? m.frameRate : `${grid.num}/${grid.den}`,
    width: m.width,
    height: m.height,
    ...(crop === undefined ? {} : { crop }),
    ...(deinterlace === undefined ? {} : { deinterlace: { mode: deinterlace.mode, parity: deinterlace.parity } }),
    ...(toneMap === undefined ? {} : { toneMap: toneMapFilters(toneMap).join(',') }),
  });
  const quality = await Promise.all(tracks.map((tr) => plainPsnrY(plainInput(tr.joinedFile))));
  const points = tracks.map((tr, i) => ({
    bitrateKbps: (tr.segments.reduce((s, x) => s + x.bytes, 0) * 8) / 1000 / m.durationS,
    quality: quality[i] ?? NaN,
    label: variants[i]?.attrs.RESOLUTION ?? '',
  }));
  // What vodforge reported for each rung, against the plain figure over the same frames.
  const videoRenditions = (t.renditions ?? []).filter((r) => r.kind === 'video');
  const frames = t.rungQuality?.frames ?? [];
  const reportedMinusPlain: number[] = [];
  const reportedMinusWhole: number[] = [];
  const predictedMinusWhole: number[] = [];
  for (const [i, r] of videoRenditions.entries()) {
    const rung = (t.ladder ?? []).find((l) => l.width === r.width && l.height === r.height && l.bitrateKbps === r.targetBitrateKbps);
    const whole = quality[i];
    if (rung?.predictedPsnrDb !== undefined && whole !== undefined) predictedMinusWhole.push(rung.predictedPsnrDb - whole);
    const track = tracks[i];
    if (r.measuredPsnrDb === undefined || track === undefined || frames.length === 0) continue;
    const plain = await plainPsnrYOver(plainInput(track.joinedFile), frames, t.rungQuality?.frameStep ?? 1);
    reportedMinusPlain.push(r.measuredPsnrDb - plain);
    reportedMinusWhole.push(r.measuredPsnrDb - (quality[i] ?? NaN));
  }
  // The analysis (the probe's scan step, samples, ladder) and the probe's ingest checks against
  // the chunk encodes, in CPU seconds of their ffmpeg and ffprobe runs as the title accounts
  // them; wall times from BullMQ beside them.
  const jobs = await withRedis(stack, async (conn) => {
    const queues = createQueues(conn, stack.config.prefix);
    try {
      return (await completedJobs(queues)).filter((j) => JSON.stringify(j.data).includes(id));
    } finally {
      await closeQueues(queues);
    }
  });
  const wall = (names: readonly string[]): number =>
    jobs.filter((j) => names.includes(j.name)).reduce((s, j) => s + ((j.finishedOn ?? 0) - (j.processedOn ?? 0)) / 1000, 0);
  const cpu = (names: readonly string[]): number => names.reduce((s, n) => s + (t.cpuS[n] ?? 0), 0);
  const scanS = t.cpuStepsS?.[cpuStepKey('probe', ANALYSIS_SCAN_STEP)] ?? 0;
  const ingestS = cpu(['probe']) - scanS;
  const analysisS = scanS + cpu(['sample', 'build-ladder']);
  const analysisWallS = wall(['probe', 'sample', 'build-ladder']);
  const analysisParts =
    `ingest checks ${ingestS.toFixed(1)} s; analysis: scan ${scanS.toFixed(1)} s, ` +
    `sample ${cpu(['sample']).toFixed(1)} s (${jobs.filter((j) => j.name === 'sample').length} jobs), build-ladder ${cpu(['build-ladder']).toFixed(1)} s`;
  const encodeS = cpu(['encode-chunk']);
  const encodeWallS = wall(['encode-chunk']);
  // The second instrument: every process that exited between the ingest and the first chunk's
  // start, whole, less the sound and subtitles that ran beside the analysis (by their own figure).
  const firstChunkMs = Math.min(...jobs.filter((j) => j.name === 'encode-chunk').map((j) => j.processedOn ?? Infinity));
  const tracksBefore = (['encode-audio', 'extract-subtitles'] as const).filter((n) =>
    jobs.filter((j) => j.name === n).every((j) => (j.finishedOn ?? Infinity) < firstChunkMs),
  );
  const analysisWholeS = children.at(firstChunkMs) - children.at(0) - cpu(tracksBefore);
  const sorted = [...points].sort((a, b) => a.bitrateKbps - b.bitrateKbps);
  const topPoint = sorted.at(-1);
  return {
    points,
    rungs: sorted.map((p) => `${p.label.split('x')[1]}p@${Math.round(p.bitrateKbps)}k/${p.quality.toFixed(1)}dB`).join(' '),
    ladder,
    reportedMinusPlain,
    reportedMinusWhole,
    predictedMinusWhole,
    top: topPoint === undefined ? '-' : `${topPoint.label} ${topPoint.quality.toFixed(1)} dB`,
    analysisS,
    ingestS,
    analysisWholeS,
    analysisWallS,
    analysisParts,
    predicted: (t.ladder ?? []).map((r) => `${r.height}p ${r.predictedPsnrDb?.toFixed(1) ?? '-'}`).join(', '),
    warnings: (t.warnings ?? []).map((w) => `${w.code}: ${w.message}`).join('; '),
    encodeS,
    encodeWallS,
  };
}

/** What the report prints of a master: its size, rate and length, from a probe. */
export async function describeMaster(name: string, file: string): Promise<Master> {
  const p = await probeMaster(file);
  return {
    name,
    file,
    width: p.video.width,
    height: p.video.height,
    frameRate: `${p.video.frameRate.num}/${p.video.frameRate.den}`,
    durationS: p.durationS,
  };
}
