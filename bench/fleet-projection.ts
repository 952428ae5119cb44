/**
 * What a fleet of one-core workers would take to make a title ready, from measured job costs:
 * the steps in the pipeline's order (probe, the sample jobs, build-ladder, the chunk encodes,
 * package), the sample jobs run longest first on the fleet, the chunks in their queue order
 * (as the planner sized them), and the audio, which the probe queues, on a worker of its own
 * from the probe's end. Pure: `bench:fleet` measures the
 * costs, this computes the critical path of a title it did not run.
 */
import type { Rational } from '../ffmpeg/probe.ts';
import { lptMakespanS, planChunks, queueMakespanS } from '../pipeline/chunks.ts';

/** What the chunk plan of a title depends on. */
export interface TitleShape {
  readonly durationS: number;
  readonly frameRate: Rational;
  readonly segmentS: number;
  readonly gopS: number;
  readonly chunkSegments: number;
}

/** What each job of one title costs a worker of one core, seconds. */
export interface JobCosts {
  readonly probeS: number;
  /** One sample job (one window, every size). */
  readonly sampleS: number;
  readonly samples: number;
  readonly buildLadderS: number;
  /** The audio encode, queued by the probe: it runs beside the analysis, then beside the chunks. */
  readonly audioS: number;
  readonly packageS: number;
  /** A chunk of `L` s of media costs `chunkOverheadS + chunkSPerMediaS × L`. */
  readonly chunkOverheadS: number;
  readonly chunkSPerMediaS: number;
  /** Time between the steps that no job accounts for (queue hops, a flow parent waking). */
  readonly betweenJobsS: number;
}

export interface Projection {
  readonly workers: number;
  readonly chunks: number;
  /** The longest chunk of the plan, seconds of media. */
  readonly longestChunkMediaS: number;
  /** The sample jobs, longest first on the fleet (less the worker the audio holds). */
  readonly analysisS: number;
  /** What is left of the audio after the analysis, then every chunk, in queue order on the fleet. */
  readonly encodeS: number;
  /** Ready after the upload: probe + analysis + build-ladder + encode + package + between jobs. */
  readonly totalS: number;
}

/** Seconds of media in each chunk `planChunks` makes for `slots` parallel encodes. */
export function chunkLengthsS(shape: TitleShape, slots: number): number[] {
  const fps = shape.frameRate.num / shape.frameRate.den;
  return planChunks({ ...shape, slots }).map((c) => (c.endFrame === undefined ? shape.durationS : c.endFrame / fps) - c.startFrame / fps);
}

/** The critical path of `shape` on `workers` one-core workers, the chunk plan balanced over them. */
export function projectTitle(shape: TitleShape, costs: JobCosts, workers: number): Projection {
  const lengths = chunkLengthsS(shape, workers);
  const chunkJobs = lengths.map((l) => costs.chunkOverheadS + costs.chunkSPerMediaS * l);
  // From the probe's end the audio holds a worker of its own, when there is one to spare; on a
  // single worker it runs after the analysis, among the chunks.
  const beside = workers > 1 && costs.audioS > 0;
  const analysisWorkers = beside ? workers - 1 : workers;
  const analysisS = costs.samples === 0 ? 0 : lptMakespanS(new Array<number>(costs.samples).fill(costs.sampleS), analysisWorkers);
  const audioLeftS = beside ? Math.max(0, costs.audioS - analysisS - costs.buildLadderS) : costs.audioS;
  const encodeS = queueMakespanS([...(audioLeftS > 0 ? [audioLeftS] : []), ...chunkJobs], workers);
  return {
    workers,
    chunks: lengths.length,
    longestChunkMediaS: Math.max(...lengths),
    analysisS,
    encodeS,
    totalS: costs.probeS + analysisS + costs.buildLadderS + encodeS + costs.packageS + costs.betweenJobsS,
  };
}

/** `y = a + b·x` by least squares; `undefined` when every `x` is the same (no slope to fit). */
export function fitLine(points: readonly { readonly x: number; readonly y: number }[]): { a: number; b: number } | undefined {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  if (!(n >= 2 && sxx > 1e-9 * Math.max(1, mx * mx))) return undefined;
  const b = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
  return { a: my - b * mx, b };
}

/** One chunk job as it ran. */
export interface ChunkTime {
  /** Seconds of media. */
  readonly lengthS: number;
  /** Seconds it ran. */
  readonly runS: number;
}

/** Seconds of run per second of media over a fleet's chunks: their run time over their media, summed. */
export function chunkRate(chunks: readonly ChunkTime[]): number {
  return chunks.reduce((s, c) => s + c.runS, 0) / chunks.reduce((s, c) => s + c.lengthS, 0);
}

export interface ChunkCostModel {
  /** The worst fleet's rate, which the model reproduces at that fleet's mean chunk length. */
  readonly rate: number;
  readonly chunkOverheadS: number;
  readonly chunkSPerMediaS: number;
  /** The line fitted through every chunk, when their lengths vary. */
  readonly fit: { readonly a: number; readonly b: number } | undefined;
  /** `fit`: the overhead is the fit's intercept; `assumed`: `assumedOverheadMediaS` seconds of media at `rate`. */
  readonly overheadFrom: 'fit' | 'assumed';
}

/**
 * A chunk's cost as `overhead + perMedia × length`, through the worst fleet's rate at its mean
 * chunk length: the overhead is the intercept of a line fitted through every chunk of `fleets`
 * (at least 3 chunks of at least 2 lengths, a positive slope, the intercept between 0 and that
 * fleet's mean chunk), else `assumedOverheadMediaS` seconds of media; the rate per media second
 * is what is left of the worst rate once the overhead is taken out. On a shared machine a fit
 * through a few chunks can slope down (a long chunk ran while the cores were free): not used.
 */
export function chunkCostModel(fleets: readonly (readonly ChunkTime[])[], assumedOverheadMediaS: number): ChunkCostModel {
  const worst = fleets.reduce((w, f) => (chunkRate(f) > chunkRate(w) ? f : w));
  const rate = chunkRate(worst);
  const meanLengthS = worst.reduce((s, c) => s + c.lengthS, 0) / worst.length;
  const all = fleets.flat();
  const fit = fitLine(all.map((c) => ({ x: c.lengthS, y: c.runS })));
  const fromFit = fit !== undefined && all.length >= 3 && fit.b > 0 && fit.a >= 0 && fit.a < rate * meanLengthS;
  const chunkOverheadS = fromFit ? fit.a : assumedOverheadMediaS * rate;
  return { rate, chunkOverheadS, chunkSPerMediaS: rate - chunkOverheadS / meanLengthS, fit, overheadFrom: fromFit ? 'fit' : 'assumed' };
}

/** The costs of one measured title, and what its duration-bound steps read and computed. */
export interface MeasuredTitle extends JobCosts {
  readonly durationS: number;
  /** Seconds of the title the probe's analysis scan decoded. */
  readonly scannedS: number;
  /** Length of one sample window, s. */
  readonly sampleWindowS: number;
  /** CPU seconds of the ffmpeg runs of the probe, the audio and the package jobs (part of their run time). */
  readonly probeCpuS: number;
  readonly audioCpuS: number;
  readonly packageCpuS: number;
}

/** What the steps of a longer title read: its scan and its sample windows (from the pure planners). */
export interface ScaledShape {
  readonly durationS: number;
  readonly scannedS: number;
  readonly samples: number;
  readonly sampleWindowS: number;
}

/**
 * The measured costs carried to a title of another length. A chunk is a chunk; the
 * build-ladder stays (a hull over a few more windows); a sample job grows with its window.
 * `cpu`: of the probe, the audio and the package, what ffmpeg computed grows (the probe's with
 * the seconds its scan decodes, the others' with the duration) and the rest of the run (process
 * starts, storage, queue) stays. `linear`, the upper bound: their whole run grows with the duration.
 */
export function scaledCosts(m: MeasuredTitle, to: ScaledShape, mode: 'cpu' | 'linear'): JobCosts {
  const byDuration = to.durationS / m.durationS;
  const grow = (runS: number, cpuS: number, ratio: number): number => {
    if (mode === 'linear') return runS * byDuration;
    const computedS = Math.min(runS, Math.max(0, cpuS));
    return runS - computedS + computedS * ratio;
  };
  return {
    probeS: grow(m.probeS, m.probeCpuS, to.scannedS / m.scannedS),
    sampleS: m.samples === 0 || to.samples === 0 ? 0 : m.sampleS * (to.sampleWindowS / m.sampleWindowS),
    samples: m.samples === 0 ? 0 : to.samples,
    buildLadderS: m.buildLadderS,
    audioS: grow(m.audioS, m.audioCpuS, byDuration),
    packageS: grow(m.packageS, m.packageCpuS, byDuration),
    chunkOverheadS: m.chunkOverheadS,
    chunkSPerMediaS: m.chunkSPerMediaS,
    betweenJobsS: m.betweenJobsS,
  };
}
