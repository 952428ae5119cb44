/**
 * How much harder to code the seconds a sample window stands for are than the window itself,
 * by the scan's own encode of the title at thumbnail size and one CRF (`CodedSecond`).
 *
 * At a fixed CRF x264 spends on each stretch what it takes to code, and the thumbnail encode
 * ranks stretches as the full-size one does. Over 2 s stretches of real clips, the title's
 * mean rate against the stretch's, by an encode at up to 540 lines (the truth) and by the
 * scan's (the estimate), error in ln: RMS 0.52 with no scaling, 0.16 with it, on the 23 corpus
 * clips of 4 s or more (292 stretches); 0.63 and 0.27 on 42 other Debian clips (653). A power
 * fitted on the corpus is 1.02, so the ratio is taken as it is. The worst stretch: the last 2 s
 * of a variable-rate Theora (mahjongg), 2.6.
 *
 * A window's rates times this ratio are the rates of what it stands for. Without it, a window
 * in a calm stretch predicted less than the title needs, and the VBV cap set from the prediction
 * starved the rest: cytadela's outro shipped its top rung at 40.9 dB against 45.0 predicted
 * (43.5 dB with the ratio). A title whose stretches differ by hundreds of times (berusky2's
 * intro: 12 to 4000 kbit/s a second at CRF 20) is still capped where it is busiest, whatever
 * the average: its peaks need far more than the cap, 1.5 times the average. Pure.
 */
import { expectNumber, expectObject } from './validate.ts';

/** Bits the scan's encode spent in one second of the title, and how much of the second its frames covered. */
export interface CodedSecond {
  readonly bits: number;
  readonly coveredS: number;
  /**
   * What the encode lost there: the MSE (luma, at the scan's size) of the frames of the second
   * it compared with what it was fed, each times the time it lasts, and that time. Absent
   * where it compared none.
   */
  readonly mseS?: number;
  readonly comparedS?: number;
}

/** Checks an entry of `codedPerSecond` where it enters. */
export function expectCodedSecond(name: string, value: unknown): CodedSecond | null {
  if (value === null) return null;
  const e = expectObject(name, value);
  const coded = {
    bits: expectNumber(`${name}.bits`, e.bits, { min: 0 }),
    coveredS: expectNumber(`${name}.coveredS`, e.coveredS, { min: 0 }),
  };
  if (e.mseS === undefined && e.comparedS === undefined) return coded;
  return {
    ...coded,
    mseS: expectNumber(`${name}.mseS`, e.mseS, { min: 0 }),
    comparedS: expectNumber(`${name}.comparedS`, e.comparedS, { min: 0 }),
  };
}

/** Each second of [startS, endS) with the share of it inside. */
function* overlaps(length: number, startS: number, endS: number): Generator<readonly [number, number]> {
  for (let sec = Math.max(0, Math.floor(startS)); sec < endS && sec < length; sec++)
    yield [sec, Math.min(endS, sec + 1) - Math.max(startS, sec)];
}

/** A per-second mean over parts of seconds (`[sec, share]`), undefined where it has nothing to average. */
type SecondsMean = (coded: readonly (CodedSecond | null)[], parts: Iterable<readonly [number, number]>) => number | undefined;

/** Bits per second of the parts, each counted for its share of the time its frames covered. */
const meanRate: SecondsMean = (coded, parts) => {
  let bits = 0;
  let covered = 0;
  for (const [sec, share] of parts) {
    const c = coded[sec];
    if (c === null || c === undefined || !(share > 0)) continue;
    bits += c.bits * share;
    covered += c.coveredS * share;
  }
  return covered > 0 ? bits / covered : undefined;
};

/**
 * An MSE under this is a picture coded as it was fed (60 dB, the alignment self-check's
 * "identical"): a ratio against it would be a ratio of rounding.
 */
const IDENTICAL_MSE = 255 * 255 * 1e-6;

/** Mean MSE of the frames compared in the parts (at least {@link IDENTICAL_MSE}). */
const meanMse: SecondsMean = (coded, parts) => {
  let mse = 0;
  let compared = 0;
  for (const [sec, share] of parts) {
    const c = coded[sec];
    if (c?.mseS === undefined || c.comparedS === undefined || !(share > 0)) continue;
    mse += c.mseS * share;
    compared += c.comparedS * share;
  }
  return compared > 0 ? Math.max(IDENTICAL_MSE, mse / compared) : undefined;
};

/** Bits per second over [startS, endS), each second counted for its overlap; undefined where nothing was coded. */
export function codedRate(coded: readonly (CodedSecond | null)[], startS: number, endS: number): number | undefined {
  return meanRate(coded, overlaps(coded.length, startS, endS));
}

/**
 * Mean MSE the scan's encode lost over [startS, endS), each second counted for its overlap (at
 * least {@link IDENTICAL_MSE}); undefined where it compared nothing.
 */
export function codedMse(coded: readonly (CodedSecond | null)[], startS: number, endS: number): number | undefined {
  return meanMse(coded, overlaps(coded.length, startS, endS));
}

/** `mean` over the whole `seconds` against over the window; 1 when either is unknown or the window's is 0. */
function windowScale(
  coded: readonly (CodedSecond | null)[],
  seconds: readonly number[],
  window: { readonly startS: number; readonly durationS: number },
  mean: SecondsMean,
): number {
  const own = mean(coded, overlaps(coded.length, window.startS, window.startS + window.durationS));
  const theirs = mean(
    coded,
    seconds.map((sec) => [sec, 1] as const),
  );
  return own === undefined || theirs === undefined || !(own > 0) ? 1 : theirs / own;
}

/**
 * The rate of the whole `seconds` (indices into `coded`) over the rate of the window
 * [startS, startS + durationS); 1 when either is unknown or the window coded to nothing.
 */
export function windowRateScale(
  coded: readonly (CodedSecond | null)[],
  seconds: readonly number[],
  window: { readonly startS: number; readonly durationS: number },
): number {
  return windowScale(coded, seconds, window, meanRate);
}

/**
 * How much more the seconds a window stands for lose at one CRF than the window does, by the
 * scan's encode: their mean MSE over the window's; 1 when either is unknown.
 *
 * At one CRF a stretch's quality is what its content allows, as its rate is: a window in a calm
 * stretch of a busy title scores well above the title. Over every 2 s window of the title
 * against the whole title (CRF 26 at up to 540 lines, PSNR-Y pooled in MSE, a plain ffmpeg
 * psnr), the window's figure times this ratio is the title's within 0.67 dB RMS on 23 corpus
 * clips, 297 windows (2.34 dB unscaled; worst 3.2 dB, 15.0 unscaled) and 1.28 dB on 49 other
 * Debian clips, 673 windows (3.30 unscaled; worst 7.1, 19.2 unscaled). Taken as it is: a
 * power of 0.75 or 1.25 does worse on the corpus (0.72, 1.08 dB), and the rate's own ratio in
 * its place does much worse (1.63 and 1.94 dB). Pure.
 */
export function windowMseScale(
  coded: readonly (CodedSecond | null)[],
  seconds: readonly number[],
  window: { readonly startS: number; readonly durationS: number },
): number {
  return windowScale(coded, seconds, window, meanMse);
}
