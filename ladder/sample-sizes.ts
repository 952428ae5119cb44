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

/**
 * The sampled sizes in `groups` sets of near-equal encoding cost (pixels per frame), largest
 * first, for sample jobs of one window to run side by side on the fleet: a title with fewer
 * windows than the fleet has slots would otherwise leave workers idle through its analysis.
 * A size is never split; groups that would be empty are left out. Pure and deterministic:
 * which job encodes a size changes no bit of its encode.
 */
export function splitSizes(sizes: readonly FrameSize[], groups: number): FrameSize[][] {
  if (!(Number.isInteger(groups) && groups >= 1)) throw new RangeError(`Expected groups >= 1, got ${groups}`);
  const bins = Array.from({ length: Math.min(groups, sizes.length) }, () => ({ cost: 0, sizes: [] as FrameSize[] }));
  const byCost = [...sizes].sort((a, b) => b.width * b.height - a.width * a.height);
  for (const s of byCost) {
    const bin = bins.reduce((min, b) => (b.cost < min.cost ? b : min));
    bin.cost += s.width * s.height;
    bin.sizes.push(s);
  }
  return bins.map((b) => b.sizes);
}
