import type { EncodeSettings } from '../ffmpeg/encode-settings.ts';
import type { Rational } from '../ffmpeg/probe.ts';
import { titleFrameCount } from '../ffmpeg/source-frames.ts';

/** One chunk job's share of the timeline, in source frames. */
export interface Chunk {
  readonly index: number;
  /** First source frame (inclusive). */
  readonly startFrame: number;
  /** One past the last source frame; `undefined` for the last chunk, which reads to the end. */
  readonly endFrame: number | undefined;
  /**
   * The title's segment the chunk starts: its segments are numbered from it. A chunk starts a
   * segment and is cut from its own start, so one that ends off the segment grid ends with a
   * shorter segment.
   */
  readonly firstSegment: number;
}

export interface ChunkPlanInput {
  readonly durationS: number;
  readonly frameRate: Rational;
  readonly segmentS: number;
  /** Distance between the encode's forced keyframes; divides `segmentS`. A chunk may end on any of them. */
  readonly gopS: number;
  /** The longest a chunk may be, in segments. */
  readonly chunkSegments: number;
  /** Chunk encodes the fleet runs at once: the plan balances its chunks over them. */
  readonly slots: number;
}

/**
 * What one more chunk costs, in seconds of media encoded: a process start, the decoder's seek
 * back to the keyframe before the chunk, and x264's lookahead filling again. A model
 * parameter of a plan's end: it weighs one more chunk against the balance it buys, and where
 * the last round's workers are free (bench:fleet measures the real figure beside it).
 */
export const CHUNK_OVERHEAD_S = 0.5;

/**
 * Splits a title into chunks balanced over `slots` parallel encodes. For each chunk count from
 * the fewest (chunks at most `chunkSegments` segments long) to `slots - 1` more, and never
 * more than the title has segments:
 * - the chunks before the last round (the last `slots` chunks) are near-equal runs of whole
 *   segments, longer ones first;
 * - the last round shares what is left so that the workers, taking chunks in queue order as
 *   they free, end together, to the keyframe interval (`gopS`), each chunk but the last at
 *   least a segment long.
 * The count whose chunks end soonest wins (each chunk costing its length plus
 * {@link CHUNK_OVERHEAD_S}); ties go to fewer chunks. Whole segments alone left a worker idle
 * for up to a segment per round's end: a 79.5 s title on two slots split 24 + 18 s against
 * 24 + 13.5 s. A chunk that ends off the segment grid ends with one shorter segment (an
 * EXTINF and a SegmentTimeline entry of its own); at most `slots - 1` of them per title.
 *
 * The plan depends on the title and the fleet's declared size only, never on which workers
 * are up: the same master always gets the same chunks. Boundaries are frame indices rather
 * than seconds so that no frame is encoded twice or dropped where two chunks meet; the last
 * chunk reads to the end of the source.
 */
export function planChunks(input: ChunkPlanInput): Chunk[] {
  if (!(Number.isInteger(input.slots) && input.slots >= 1)) throw new RangeError(`Expected slots >= 1, got ${input.slots}`);
  const perSegment = Math.round(input.segmentS / input.gopS);
  if (!(perSegment >= 1 && Math.abs(perSegment * input.gopS - input.segmentS) < 1e-9))
    throw new RangeError(`Expected gopS to divide segmentS (${input.segmentS}), got ${input.gopS}`);
  const fps = input.frameRate.num / input.frameRate.den;
  // A boundary is the first frame at or after its mark: ffmpeg's segmenter cuts at the first
  // keyframe at or after each multiple of the segment length from the chunk's start, so a chunk
  // starting one frame early (29.997 s at 29.97 fps) would be cut a whole GOP late. The epsilon
  // absorbs float noise on exact rates (25 fps × 30 s).
  const boundary = (unit: number): number => Math.max(0, Math.ceil(unit * input.gopS * fps - 1e-6));
  // Keyframe intervals that hold a frame: a title 8.008 s long at 29.97 fps ends on frame 239,
  // and a fifth interval from 8 s would start past it.
  const frames = titleFrameCount(input.durationS, input.frameRate);
  let units = Math.max(1, Math.ceil(input.durationS / input.gopS - 1e-6));
  while (units > 1 && boundary(units - 1) >= frames) units--;
  const shape: PlanShape = {
    units,
    durationUnits: input.durationS / input.gopS,
    perSegment,
    maxUnits: input.chunkSegments * perSegment,
    slots: input.slots,
    overheadUnits: CHUNK_OVERHEAD_S / input.gopS,
  };
  const segments = Math.ceil(units / perSegment);
  const fewest = Math.ceil(segments / input.chunkSegments);
  let best: { sizes: number[]; end: number } | undefined;
  // Never more chunks than segments: a short title on a large fleet keeps its segments whole.
  for (let count = fewest; count <= Math.min(segments, fewest + input.slots - 1); count++) {
    const sizes = chunkUnits(shape, count);
    const end = inOrderMakespan(unitLengths(sizes, shape.durationUnits), shape);
    if (best === undefined || end < best.end - 1e-9) best = { sizes, end };
  }
  const sizes = best?.sizes ?? [shape.units];
  let startUnit = 0;
  let firstSegment = 0;
  return sizes.map((size, index) => {
    const chunk: Chunk = {
      index,
      startFrame: boundary(startUnit),
      endFrame: index === sizes.length - 1 ? undefined : boundary(startUnit + size),
      firstSegment,
    };
    startUnit += size;
    firstSegment += Math.ceil(size / perSegment);
    return chunk;
  });
}

/**
 * A title's chunks, over its video's extent (`videoExtentS`) with the encode's settings: the
 * encode plans them and hands them to `package` in its job's data (a package job queued before
 * that plans them again from the same figures).
 *
 * A chunk is read from the master's last keyframe at or before its start, so it decodes up to
 * `readGapS` (the longest stretch between the master's entry points, `keyframeGapS`; the
 * whole title for one read from its start) before its own frames. When that exceeds a chunk,
 * chunks cost that decoding each, and their number grows with the title: a browser recording
 * with one keyframe, or a master whose keyframes are no entry points, decodes from its start
 * in every chunk, which for a 2-hour title's 240 chunks of 30 s is 240 hours of media to
 * encode two. So a title gets no more chunks than the fleet has slots or the master has such
 * gaps (`videoExtentS / readGapS`), whichever is more: each chunk then decodes at most about
 * half a gap more, and all of them at most about half a title more, however long it is.
 */
export function titleChunkPlan(
  videoExtentS: number,
  frameRate: Rational,
  settings: Pick<EncodeSettings, 'segmentS' | 'gopS' | 'chunkSegments' | 'fleetSlots'>,
  readGapS?: number,
): Chunk[] {
  const segments = Math.ceil(videoExtentS / settings.segmentS);
  const most = readGapS === undefined ? Infinity : Math.max(settings.fleetSlots, Math.floor(videoExtentS / readGapS));
  // planChunks tries from the fewest chunks of `chunkSegments` to `fleetSlots - 1` more.
  const fewest = Math.max(1, most - settings.fleetSlots + 1);
  return planChunks({
    durationS: videoExtentS,
    frameRate,
    segmentS: settings.segmentS,
    gopS: settings.gopS,
    chunkSegments: Math.max(settings.chunkSegments, Math.ceil(segments / fewest)),
    slots: settings.fleetSlots,
  });
}

/**
 * The round a chunk belongs to, for taking turns with other titles' chunks: which stretch of
 * `chunkSegments` segments of its title it starts in. Turns by round rather than by chunk
 * index advance every title by the same media time per round however its chunks were sized:
 * by index, a 10 s title split in two 6 and 4 s chunks had its second chunk wait behind a film's
 * second 30 s chunk, though it was still inside the first 30 s of its title.
 */
export function chunkRound(startFrame: number, frameRate: Rational, segmentS: number, chunkSegments: number): number {
  const startS = startFrame / (frameRate.num / frameRate.den);
  return Math.floor(startS / (segmentS * chunkSegments) + 1e-9);
}

/** A title's figures for the planner, in keyframe intervals ("units"). */
interface PlanShape {
  /** Keyframe intervals the title starts, the last one possibly cut short by its end. */
  readonly units: number;
  /** The title's exact length in units. */
  readonly durationUnits: number;
  readonly perSegment: number;
  readonly maxUnits: number;
  readonly slots: number;
  readonly overheadUnits: number;
}

/**
 * Sizes, in units, of a plan of `count` chunks (at most one per segment): whole segments
 * before the last round, the last round sized by {@link fillLastRound}, or whole segments
 * throughout where it cannot be shared that way.
 */
function chunkUnits(shape: PlanShape, count: number): number[] {
  const whole = splitSegments(Math.ceil(shape.units / shape.perSegment), count).map((n) => n * shape.perSegment);
  const wholeSizes = [...whole.slice(0, -1), shape.units - sum(whole.slice(0, -1))];
  const tail = Math.min(shape.slots, count);
  const head = wholeSizes.slice(0, count - tail);
  const headUnits = sum(head);
  const sizes = fillLastRound(freeTimes(head, shape).slice(0, tail), shape.durationUnits - headUnits, shape);
  return sizes === undefined ? wholeSizes : [...head, ...sizes, shape.units - headUnits - sum(sizes)];
}

/**
 * Whole-unit sizes of the last round's chunks but its last (which takes what is left, to the
 * title's end), for workers free at `free` (earliest first) sharing `left` units: the lowest
 * level every worker can end by, chunk `i` as long as fits under it on the `i`-th earliest
 * free worker, found by bisection (the rest shrinks as the level rises). Each chunk but the
 * last is at least a segment, so a chunk ends with at most one short segment and never is
 * one; the last holds at least a keyframe interval, so no job encodes a few frames. None when
 * no level allows that. Which worker takes which chunk is an assumption here; the plan's end
 * is then found by running the queue (`inOrderMakespan`).
 */
function fillLastRound(free: readonly number[], left: number, shape: PlanShape): number[] | undefined {
  const o = shape.overheadUnits;
  const last = free[free.length - 1] ?? 0;
  const sizesAt = (level: number): number[] =>
    free.slice(0, -1).map((f) => Math.max(0, Math.min(shape.maxUnits, Math.floor(level - f - o + 1e-9))));
  const fits = (level: number): boolean => {
    const rest = left - sum(sizesAt(level));
    return rest <= shape.maxUnits + 1e-9 && last + o + rest <= level + 1e-9;
  };
  let lo = Math.min(...free);
  let hi = last + o + left;
  if (!fits(hi)) return undefined;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (fits(mid)) hi = mid;
    else lo = mid;
  }
  const sizes = sizesAt(hi);
  return sizes.every((s) => s >= shape.perSegment) && left - sum(sizes) >= 1 - 1e-9 ? sizes : undefined;
}

/** Each worker's free time, earliest first, after the `slots` workers take `sizes` in order as they free. */
function freeTimes(sizes: readonly number[], shape: PlanShape): number[] {
  return queueFreeTimes(
    sizes.map((s) => s + shape.overheadUnits),
    shape.slots,
  );
}

/** Each of `workers` workers' free time, earliest first, after they take `jobs` (durations) in queue order as they free. */
function queueFreeTimes(jobs: readonly number[], workers: number): number[] {
  const free = new Array<number>(workers).fill(0);
  for (const job of jobs) {
    const i = free.indexOf(Math.min(...free));
    free[i] = (free[i] ?? 0) + job;
  }
  return free.sort((a, b) => a - b);
}

/** When the last job ends with `workers` workers each taking the next job in queue order as it frees (how a title's chunks run). */
export function queueMakespanS(jobsS: readonly number[], workers: number): number {
  if (!(Number.isInteger(workers) && workers >= 1)) throw new RangeError(`Expected workers >= 1, got ${workers}`);
  return Math.max(...queueFreeTimes(jobsS, workers));
}

/** Lengths in units: whole units, the title's end inside the last chunk's last one. */
function unitLengths(sizes: readonly number[], durationUnits: number): number[] {
  return sizes.map((s, i) => (i === sizes.length - 1 ? durationUnits - sum(sizes.slice(0, -1)) : s));
}

/** When the last chunk ends, the workers taking the chunks in queue order as they free. */
function inOrderMakespan(lengths: readonly number[], shape: PlanShape): number {
  return Math.max(...freeTimes(lengths, shape));
}

const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);

/** `segments` in `count` near-equal runs, the longer ones first. */
function splitSegments(segments: number, count: number): number[] {
  const base = Math.floor(segments / count);
  return Array.from({ length: count }, (_, i) => base + (i < segments % count ? 1 : 0));
}

/** When the last job ends with `workers` workers each taking the longest job left (LPT scheduling). */
export function lptMakespanS(jobsS: readonly number[], workers: number): number {
  if (!(Number.isInteger(workers) && workers >= 1)) throw new RangeError(`Expected workers >= 1, got ${workers}`);
  const free = new Array<number>(Math.min(workers, Math.max(1, jobsS.length))).fill(0);
  for (const s of [...jobsS].sort((a, b) => b - a)) {
    let i = 0;
    for (let k = 1; k < free.length; k++) if ((free[k] ?? 0) < (free[i] ?? 0)) i = k;
    free[i] = (free[i] ?? 0) + s;
  }
  return Math.max(...free);
}
