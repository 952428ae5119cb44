import type { Rational } from '../ffmpeg/probe.ts';

/** One chunk job's share of the timeline, in source frames. */
export interface Chunk {
  readonly index: number;
  /** First source frame (inclusive). */
  readonly startFrame: number;
  /** One past the last source frame; `undefined` for the last chunk, which reads to the end. */
  readonly endFrame: number | undefined;
}

export interface ChunkPlanInput {
  readonly durationS: number;
  readonly frameRate: Rational;
  readonly segmentS: number;
  readonly chunkSegments: number;
}

/**
 * Splits a title into chunks of whole segments. Boundaries are frame indices rather than
 * seconds so that no frame is encoded twice or dropped where two chunks meet; the last
 * chunk reads to the end of the source, so odd durations lose nothing. A short tail (under
 * half a chunk) is folded into the chunk before it rather than paying a process start.
 */
export function planChunks(input: ChunkPlanInput): Chunk[] {
  const fps = input.frameRate.num / input.frameRate.den;
  const chunkS = input.segmentS * input.chunkSegments;
  let count = Math.max(1, Math.floor(input.durationS / chunkS));
  const tailS = input.durationS - count * chunkS;
  if (tailS >= chunkS / 2) count += 1;
  // A boundary is the first frame at or after its mark: ffmpeg's segmenter cuts at the first
  // keyframe at or after each multiple of the segment length, so a chunk starting one frame
  // early (29.997 s at 29.97 fps) would be cut a whole GOP late. The epsilon absorbs float
  // noise on exact rates (25 fps × 30 s).
  const boundary = (i: number): number => Math.max(0, Math.ceil(i * chunkS * fps - 1e-6));
  return Array.from({ length: count }, (_, index) => ({
    index,
    startFrame: boundary(index),
    endFrame: index === count - 1 ? undefined : boundary(index + 1),
  }));
}
