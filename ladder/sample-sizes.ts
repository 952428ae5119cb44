import type { FrameSize } from './types.ts';

/**
 * Ratio between the heights of neighbouring sampled sizes below which the smaller of the two
 * is not sampled. Every sampled size costs two or three sample encodes; Apple's 432p sits 1.2× from
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
 * CRFs each sampled size is encoded at: three points span the useful range of x264 (near
 * transparent to heavily compressed), and the CRFs between are interpolated (`densifyCrf`).
 * Two points (20, 34) saved a third of the sample cost but draw a straight chord where the
 * rate-quality curve bends: on grainy content the chord put the 540p/720p crossover at the
 * wrong rate, and bench:ladder's noisy title went from -11.5% BD-rate to +12.9% (worse than
 * the fixed ladder). The middle point is what sees the bend.
 */
export const SAMPLE_CRFS: readonly number[] = [20, 27, 34];

/**
 * CRFs of the smallest sampled size, when a larger one is sampled too: its CRF 20 encode is
 * left out. The smallest size serves the ladder's cheapest rungs; nearer transparency, the
 * next size up buys more quality with the same bits, so this size's low-CRF end is dominated.
 * Against a dense grid (11 CRFs from 16 to 40 at every size, measured by a plain ffmpeg psnr
 * on 2 s windows of the corpus and generated masters: `npm run bench:sample-grid`), the ladder
 * chosen without it was never worse than with it (BD-rate of the rungs' true points); leaving
 * CRF 20 out of every size below the top instead lost up to 7.5% on Big Buck Bunny, whose
 * 360p carries rungs down to CRF 20.
 * It saves one encode and one comparison a window, the window's cheapest: the cost model
 * below puts that at a twelfth of a 720p title's sample work, but bench:ladder measured less,
 * within the noise of single runs (five short corpus titles' analysis: 11.1 s of CPU before,
 * 11.0 s after). The grid is per size so that sizes can be sampled at different CRFs at all.
 */
export const SMALLEST_SIZE_CRFS: readonly number[] = [27, 34];

/** A size to sample-encode and the CRFs it is encoded at. */
export interface SampledSize extends FrameSize {
  readonly crfs: readonly number[];
}

/** The sample grid of `sizes`: every size at {@link SAMPLE_CRFS}, the smallest of several at {@link SMALLEST_SIZE_CRFS}. Pure. */
export function sampleGrid(sizes: readonly FrameSize[]): SampledSize[] {
  const area = (s: FrameSize): number => s.width * s.height;
  const smallest = sizes.reduce<FrameSize | undefined>((min, s) => (min === undefined || area(s) < area(min) ? s : min), undefined);
  return sizes.map((s) => ({
    width: s.width,
    height: s.height,
    crfs: sizes.length > 1 && s === smallest ? SMALLEST_SIZE_CRFS : SAMPLE_CRFS,
  }));
}

/** What one sample job of a window does: encode these sizes (each at its CRFs), and the alignment self-check or not. */
export interface SampleGroup {
  readonly sizes: SampledSize[];
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
export function splitSampleWork(sizes: readonly SampledSize[], groups: number, source: FrameSize): SampleGroup[] {
  if (!(Number.isInteger(groups) && groups >= 1)) throw new RangeError(`Expected groups >= 1, got ${groups}`);
  if (sizes.length === 0) throw new RangeError('Expected at least one size to sample');
  const sourcePixels = source.width * source.height;
  const cost = (s: SampledSize): number => s.crfs.length * ((s.width * s.height) / sourcePixels + COMPARISON_COST);
  const bins = Array.from({ length: Math.min(groups, sizes.length) }, () => ({ cost: 0, sizes: [] as SampledSize[], selfCheck: false }));
  const cheapest = (): (typeof bins)[number] => bins.reduce((min, b) => (b.cost < min.cost ? b : min));
  for (const s of [...sizes].sort((a, b) => b.width * b.height - a.width * a.height)) {
    const bin = cheapest();
    bin.cost += cost(s);
    bin.sizes.push(s);
  }
  cheapest().selfCheck = true;
  return bins.map((b) => ({ sizes: b.sizes, selfCheck: b.selfCheck }));
}
