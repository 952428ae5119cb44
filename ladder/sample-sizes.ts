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

/** What one sample job of a window does: encode these sizes (at every CRF), and the alignment self-check or not. */
export interface SampleGroup {
  readonly sizes: FrameSize[];
  readonly selfCheck: boolean;
}

/**
 * What comparing one sample encode with the master costs (decoding it, scaling it to the
 * source's size, PSNR and SSIM on one frame in three), as a share of one sample encode at the
 * source's size. Measured with ffmpeg's own CPU figure on a 2 s window of five corpus masters
 * (vtest 768x576, launch 640x360, city 720x404, bunny 1280x720, megamind 720x528): 0.20 to
 * 0.33. Comparisons are all made at the source's size, so a small size's are dearer than its
 * encodes: the 234p size of a 720p title costs 0.11 of a 720p encode per CRF to encode, 0.25 to
 * measure.
 */
export const COMPARISON_COST = 0.25;

/**
 * The alignment self-check's cost in the same unit: its copy of the window is stored uncoded
 * (`LOSSLESS_COPY_CODEC`), so it costs a comparison and next to nothing to write. Replayed on
 * near-static's 720p window, its comparison took 0.07 s of CPU past the reference's decode, a
 * 720p sample's 0.12 s and a 234p sample's 0.07 s.
 */
export const SELF_CHECK_COST = COMPARISON_COST;

/**
 * One window's sample work in `groups` jobs of near-equal cost, for them to run side by side
 * on the fleet: a title with fewer windows than the fleet has slots would otherwise leave
 * workers idle through its analysis, which is on every title's critical path. A size costs
 * its encodes (pixels, relative to the source's) and their comparisons with the master
 * ({@link COMPARISON_COST} each, whatever the size); sizes go, dearest first, to the cheapest
 * group so far, and the self-check ({@link SELF_CHECK_COST}) to the cheapest group after them.
 * Balancing pixels alone gave a 720p title's 720p encodes a job of their own and its three
 * other sizes, nine comparisons and the self-check the other one: the second job ran 1.5x as
 * long (mixed-real in bench:pipeline, 3.1 s against 2.1 s).
 *
 * A size is never split; no group is empty; largest size first. Pure and deterministic, and
 * which job does a piece of work changes no bit of it.
 */
export function splitSampleWork(sizes: readonly FrameSize[], groups: number, crfs: number, source: FrameSize): SampleGroup[] {
  if (!(Number.isInteger(groups) && groups >= 1)) throw new RangeError(`Expected groups >= 1, got ${groups}`);
  if (sizes.length === 0) throw new RangeError('Expected at least one size to sample');
  const sourcePixels = source.width * source.height;
  const cost = (s: FrameSize): number => crfs * ((s.width * s.height) / sourcePixels + COMPARISON_COST);
  const bins = Array.from({ length: Math.min(groups, sizes.length) }, () => ({ cost: 0, sizes: [] as FrameSize[], selfCheck: false }));
  const cheapest = (): (typeof bins)[number] => bins.reduce((min, b) => (b.cost < min.cost ? b : min));
  for (const s of [...sizes].sort((a, b) => b.width * b.height - a.width * a.height)) {
    const bin = cheapest();
    bin.cost += cost(s);
    bin.sizes.push(s);
  }
  cheapest().selfCheck = true;
  return bins.map((b) => ({ sizes: b.sizes, selfCheck: b.selfCheck }));
}
