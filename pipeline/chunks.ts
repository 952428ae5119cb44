import type { EncodeSettings } from '../ffmpeg/encode-settings.ts';
import type { Rational } from '../ffmpeg/probe.ts';

/** One chunk job's share of the timeline, in source frames. */
export interface Chunk {
  readonly index: number;
  /** First source frame (inclusive). */
  readonly startFrame: number;
  /** One past the last source frame; `undefined` for the last chunk, which reads to the end. */
  readonly endFrame: number | undefined;
  /** The title's segment the chunk starts (chunks are whole segments): its segments are numbered from it. */
  readonly firstSegment: number;
}

export interface ChunkPlanInput {
  readonly durationS: number;
  readonly frameRate: Rational;
  readonly segmentS: number;
  /** The longest a chunk may be, in segments. */
  readonly chunkSegments: number;
  /** Chunk encodes the fleet runs at once: the plan balances its chunks over them. */
  readonly slots: number;
}

/**
 * What one more chunk costs, in seconds of media encoded: a process start, the decoder's seek
 * back to the keyframe before the chunk, and x264's lookahead filling again. A model
 * parameter: it only breaks ties between plans whose chunks would finish together anyway.
 */
export const CHUNK_OVERHEAD_S = 0.5;

/**
 * Splits a title into chunks of whole segments, balanced over `slots` parallel encodes:
 * among the plans whose chunks are at most `chunkSegments` long (and up to `slots - 1` more
 * chunks than the fewest), the one whose chunks, run longest first on `slots` workers, end
 * soonest (each chunk costing its length plus {@link CHUNK_OVERHEAD_S}); ties go to fewer
 * chunks. Chunks are near-equal (whole segments, one apart at most) and the longer ones come
 * first, so they are queued first. The plan depends on the title and the fleet's declared
 * size only, never on which workers are up: the same master always gets the same chunks.
 *
 * Boundaries are frame indices rather than seconds so that no frame is encoded twice or
 * dropped where two chunks meet; the last chunk reads to the end of the source.
 */
export function planChunks(input: ChunkPlanInput): Chunk[] {
  if (!(Number.isInteger(input.slots) && input.slots >= 1)) throw new RangeError(`Expected slots >= 1, got ${input.slots}`);
  const fps = input.frameRate.num / input.frameRate.den;
  const segments = Math.max(1, Math.ceil(input.durationS / input.segmentS - 1e-6));
  const fewest = Math.ceil(segments / input.chunkSegments);
  let best: { count: number; endS: number } | undefined;
  for (let count = fewest; count <= Math.min(segments, fewest + input.slots - 1); count++) {
    const endS = makespanS(chunkLengthsS(splitSegments(segments, count), input.segmentS, input.durationS), input.slots);
    if (best === undefined || endS < best.endS - 1e-9) best = { count, endS };
  }
  const sizes = splitSegments(segments, best?.count ?? fewest);
  // A boundary is the first frame at or after its mark: ffmpeg's segmenter cuts at the first
  // keyframe at or after each multiple of the segment length, so a chunk starting one frame
  // early (29.997 s at 29.97 fps) would be cut a whole GOP late. The epsilon absorbs float
  // noise on exact rates (25 fps × 30 s).
  const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((s, n) => s + n, 0));
  const boundary = (segment: number): number => Math.max(0, Math.ceil(segment * input.segmentS * fps - 1e-6));
  return starts.map((start, index) => ({
    index,
    startFrame: boundary(start),
    endFrame: index === sizes.length - 1 ? undefined : boundary(starts[index + 1] ?? 0),
    firstSegment: start,
  }));
}

/**
 * A title's chunks, over its video's extent (`videoExtentS`) with the encode's settings: the
 * encode plans them, and `package` plans them again from the same figures to find their records.
 */
export function titleChunkPlan(
  videoExtentS: number,
  frameRate: Rational,
  settings: Pick<EncodeSettings, 'segmentS' | 'chunkSegments' | 'fleetSlots'>,
): Chunk[] {
  return planChunks({
    durationS: videoExtentS,
    frameRate,
    segmentS: settings.segmentS,
    chunkSegments: settings.chunkSegments,
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

/** `segments` in `count` near-equal runs, the longer ones first. */
function splitSegments(segments: number, count: number): number[] {
  const base = Math.floor(segments / count);
  return Array.from({ length: count }, (_, i) => base + (i < segments % count ? 1 : 0));
}

/** Seconds of media in each chunk: whole segments, the title's end inside the last one. */
function chunkLengthsS(sizes: readonly number[], segmentS: number, durationS: number): number[] {
  let startS = 0;
  return sizes.map((n, i) => {
    const endS = i === sizes.length - 1 ? durationS : startS + n * segmentS;
    const lengthS = Math.max(0, endS - startS);
    startS = endS;
    return lengthS;
  });
}

/** When the last chunk ends with `slots` workers each taking the longest chunk left, each chunk costing its length plus the overhead. */
function makespanS(lengthsS: readonly number[], slots: number): number {
  return lptMakespanS(
    lengthsS.map((len) => len + CHUNK_OVERHEAD_S),
    slots,
  );
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
