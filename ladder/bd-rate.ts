import { LadderError } from './errors.ts';
import { pchip } from './pchip.ts';
import { expectArray, expectNumber, expectObject } from './validate.ts';

/** One point of a rate-quality curve. */
export interface RateQualityPoint {
  /** Average bitrate in kbit/s (any rate unit works if both curves use it). */
  readonly bitrateKbps: number;
  /** Quality, e.g. PSNR-Y in dB; both curves must use the same metric. */
  readonly quality: number;
}

export interface BdRateOptions {
  /**
   * Number of equal intervals of the trapezoid rule over the overlapping quality range.
   * A thousand puts the error far below the measurement noise of any real encode.
   * @defaultValue 1000
   */
  readonly gridIntervals?: number;
}

/**
 * Bjøntegaard delta rate of `test` against `reference`, in percent: the average bitrate
 * difference at equal quality. Negative means `test` needs fewer bits (a saving).
 *
 * Method of the JCT-VC common test conditions (the updated VCEG-M33 method): log-rate as a
 * function of quality, interpolated with PCHIP per curve, integrated with the trapezoid
 * rule over the quality range both curves cover, averaged, and turned back into a ratio.
 *
 * @throws LadderError `BD_RATE_TOO_FEW_POINTS` (fewer than 2 points),
 *   `BD_RATE_DUPLICATE_QUALITY`, `BD_RATE_NO_OVERLAP`, or `LADDER_INVALID_ARGUMENT`.
 */
export function bdRate(reference: readonly RateQualityPoint[], test: readonly RateQualityPoint[], options: BdRateOptions = {}): number {
  const intervals = expectNumber('gridIntervals', expectObject('options', options).gridIntervals ?? 1000, {
    min: 1,
    integer: true,
  });
  const ref = logRateCurve('reference', reference);
  const tst = logRateCurve('test', test);

  const lo = Math.max(ref.qualities[0]!, tst.qualities[0]!);
  const hi = Math.min(ref.qualities[ref.qualities.length - 1]!, tst.qualities[tst.qualities.length - 1]!);
  if (!(hi > lo)) {
    throw new LadderError(
      'BD_RATE_NO_OVERLAP',
      `Quality ranges do not overlap: reference ${range(ref.qualities)}, test ${range(tst.qualities)}`,
    );
  }

  const step = (hi - lo) / intervals;
  let area = 0;
  for (let i = 0; i <= intervals; i++) {
    // Sample the end exactly at `hi` rather than lo + n*step, which may round past the data.
    const q = i === intervals ? hi : lo + i * step;
    const weight = i === 0 || i === intervals ? 0.5 : 1;
    area += weight * (tst.logRate(q) - ref.logRate(q));
  }
  const meanLogRatio = (area * step) / (hi - lo);
  return (Math.exp(meanLogRatio) - 1) * 100;
}

/**
 * The Bjøntegaard delta rate against a reference of one point (a fixed ladder of one rung, as
 * Apple's gives a source under its 234p box), in percent: `test`'s rate at the reference's
 * quality, by the same PCHIP log-rate curve as {@link bdRate}, over the reference's rate. It is
 * {@link bdRate}'s own limit as the reference's quality range shrinks to that point: the mean of
 * the log-rate difference over the overlap is then its value there.
 *
 * @throws LadderError `BD_RATE_NO_OVERLAP` when the point's quality lies outside `test`'s range
 *   (no figure without extrapolating), and as {@link bdRate} for `test`'s own faults.
 */
export function bdRateAtPoint(reference: RateQualityPoint, test: readonly RateQualityPoint[]): number {
  const o = expectObject('reference', reference);
  const rate = expectNumber('reference.bitrateKbps', o.bitrateKbps, { above: 0 });
  const quality = expectNumber('reference.quality', o.quality);
  const tst = logRateCurve('test', test);
  if (!(quality >= tst.qualities[0]! && quality <= tst.qualities[tst.qualities.length - 1]!)) {
    throw new LadderError('BD_RATE_NO_OVERLAP', `The reference's quality ${quality} lies outside test's ${range(tst.qualities)}`);
  }
  return (Math.exp(tst.logRate(quality) - Math.log(rate)) - 1) * 100;
}

/** A BD-rate against a reference of any length, and which of the two it is. */
export interface BdRateFigure {
  readonly percent: number;
  /** The reference has one point: {@link bdRateAtPoint}'s figure; otherwise {@link bdRate}'s. */
  readonly atOnePoint: boolean;
}

/**
 * `test` against `reference` by {@link bdRate}, or by {@link bdRateAtPoint} when the reference
 * is one point (a fixed ladder of one rung): the one place that choice is made.
 *
 * @throws LadderError as the function chosen does.
 */
export function bdRateAgainst(reference: readonly RateQualityPoint[], test: readonly RateQualityPoint[]): BdRateFigure {
  const [only] = reference;
  return reference.length === 1 && only !== undefined
    ? { percent: bdRateAtPoint(only, test), atOnePoint: true }
    : { percent: bdRate(reference, test), atOnePoint: false };
}

interface LogRateCurve {
  /** Ascending. */
  readonly qualities: readonly number[];
  /** Natural log of bitrate at a quality. */
  readonly logRate: (quality: number) => number;
}

function logRateCurve(field: string, points: readonly RateQualityPoint[]): LogRateCurve {
  const checked = expectArray(field, points).map((item, i) => {
    const o = expectObject(`${field}[${i}]`, item);
    return {
      rate: expectNumber(`${field}[${i}].bitrateKbps`, o.bitrateKbps, { above: 0 }),
      quality: expectNumber(`${field}[${i}].quality`, o.quality),
    };
  });
  if (checked.length < 2) {
    throw new LadderError('BD_RATE_TOO_FEW_POINTS', `Expected \`${field}\` to have at least 2 points, got ${checked.length}`);
  }
  checked.sort((a, b) => a.quality - b.quality);
  for (let i = 1; i < checked.length; i++) {
    if (checked[i]!.quality === checked[i - 1]!.quality) {
      throw new LadderError(
        'BD_RATE_DUPLICATE_QUALITY',
        `\`${field}\` has two points at quality ${checked[i]!.quality}; log-rate must be a function of quality`,
      );
    }
  }
  const qualities = checked.map((p) => p.quality);
  return {
    qualities,
    logRate: pchip(
      qualities,
      checked.map((p) => Math.log(p.rate)),
    ),
  };
}

function range(qualities: readonly number[]): string {
  return `[${qualities[0]}, ${qualities[qualities.length - 1]}]`;
}
