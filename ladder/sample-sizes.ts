import type { FrameSize } from './types.ts';

/**
 * Ratio between the heights of neighbouring sampled sizes below which the smaller of the two
 * is not sampled. Every sampled size costs three sample encodes; Apple's 432p sits 1.2× from
 * both 360p and 540p, and its three encodes cost a sixth of the sample encodes for a point the hull can
 * approach from either neighbour.
 */
export const DEFAULT_MIN_SIZE_STEP = 1.3;

/**
 * The sizes to sample-encode, from a ladder's candidate sizes: the largest always (the top
 * rung's resolution decides most of a ladder's bits), then, going down, each size whose
 * height is at least `minStep` below the last one kept. Duplicates collapse. Output is
 * largest first.
 */
export function sampleSizes(candidates: readonly FrameSize[], minStep = DEFAULT_MIN_SIZE_STEP): FrameSize[] {
  if (!(minStep >= 1)) throw new RangeError(`Expected minStep >= 1, got ${minStep}`);
  const distinct = [...new Map(candidates.map((s) => [`${s.width}x${s.height}`, { width: s.width, height: s.height }])).values()];
  distinct.sort((a, b) => b.height * b.width - a.height * a.width);
  const kept: FrameSize[] = [];
  for (const s of distinct) {
    const last = kept.at(-1);
    if (last === undefined || last.height >= s.height * minStep - 1e-9) kept.push(s);
  }
  return kept;
}
