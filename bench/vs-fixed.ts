/**
 * How a per-title ladder compares with the fixed one on a title, from both ladders' rungs as
 * measured by the plain instrument: the Bjøntegaard delta rate where both curves have two
 * points or more; its limit at the fixed rung's quality where the fixed ladder has one rung
 * (`bdRateAtPoint`); where that quality lies below the per-title ladder's range, the bound the
 * per-title ladder's lowest rung sets when it has fewer bits than the fixed rung (its rate at
 * the fixed rung's quality can only be lower still). Pure.
 */
import { bdRateAgainst, type RateQualityPoint } from '../ladder/bd-rate.ts';
import { monotoneCurve } from '../ladder/aggregate.ts';

export type VsFixed =
  | { readonly kind: 'bd-rate'; readonly percent: number }
  | { readonly kind: 'at-point'; readonly percent: number }
  | { readonly kind: 'at-most'; readonly percent: number }
  | { readonly kind: 'none'; readonly reason: string };

export function vsFixed(fixed: readonly RateQualityPoint[], perTitle: readonly RateQualityPoint[]): VsFixed {
  const fx = monotoneCurve(fixed);
  const pt = monotoneCurve(perTitle);
  const [only] = fx;
  const lowest = pt[0];
  if (
    fx.length === 1 &&
    only !== undefined &&
    lowest !== undefined &&
    only.quality < lowest.quality &&
    lowest.bitrateKbps <= only.bitrateKbps
  ) {
    return { kind: 'at-most', percent: (lowest.bitrateKbps / only.bitrateKbps - 1) * 100 };
  }
  try {
    const figure = bdRateAgainst(fx, pt);
    return { kind: figure.atOnePoint ? 'at-point' : 'bd-rate', percent: figure.percent };
  } catch (err) {
    return { kind: 'none', reason: (err as Error).message };
  }
}

/** The figure a summary weighs against "never above 0%": the BD-rate, its one-point limit, or the bound. */
export function vsFixedPercent(v: VsFixed): number {
  return v.kind === 'none' ? NaN : v.percent;
}

/** As the bench prints it. */
export function describeVsFixed(v: VsFixed): string {
  switch (v.kind) {
    case 'bd-rate':
      return `${v.percent.toFixed(1)}%`;
    case 'at-point':
      return `${v.percent.toFixed(1)}% at the fixed ladder's one rung`;
    case 'at-most':
      return `at most ${v.percent.toFixed(1)}% (the lowest rung has fewer bits and more quality than the fixed ladder's one rung)`;
    case 'none':
      return `none (${v.reason})`;
  }
}
