/**
 * Monotone piecewise cubic Hermite interpolation (PCHIP), the interpolant of the JCT-VC
 * common-test-conditions BD-rate sheet and of MATLAB's `pchip` / SciPy's `PchipInterpolator`.
 *
 * Slopes follow Fritsch & Carlson's monotone scheme in the form Fritsch & Butland gave it:
 * a weighted harmonic mean of the neighbouring secants inside, zero at local extrema, and a
 * shape-preserving three-point formula at the ends. Unlike one cubic through all points (the
 * original VCEG-M33 fit), it never overshoots the data, so a noisy point cannot swing the
 * integral far outside the measured range.
 */

/**
 * Returns the interpolant through (xs[i], ys[i]). Callers guarantee `xs` strictly increasing,
 * both arrays the same length >= 2 and finite; outside [xs[0], xs[n-1]] the end cubics are
 * extended.
 */
export function pchip(xs: readonly number[], ys: readonly number[]): (x: number) => number {
  const n = xs.length;
  const h: number[] = [];
  const m: number[] = [];
  for (let k = 0; k < n - 1; k++) {
    h.push(xs[k + 1]! - xs[k]!);
    m.push((ys[k + 1]! - ys[k]!) / h[k]!);
  }
  const d = slopes(h, m);

  return (x: number): number => {
    // Binary search for the interval [xs[k], xs[k+1]] holding x (clamped to the end ones).
    let lo = 0;
    let hi = n - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (xs[mid]! <= x) lo = mid;
      else hi = mid - 1;
    }
    const k = lo;
    const hk = h[k]!;
    const s = (x - xs[k]!) / hk;
    const s2 = s * s;
    const s3 = s2 * s;
    return ys[k]! * (2 * s3 - 3 * s2 + 1) + hk * d[k]! * (s3 - 2 * s2 + s) + ys[k + 1]! * (-2 * s3 + 3 * s2) + hk * d[k + 1]! * (s3 - s2);
  };
}

/** Derivative at each knot from interval widths `h` and secant slopes `m`. */
function slopes(h: readonly number[], m: readonly number[]): number[] {
  const n = h.length + 1;
  if (n === 2) return [m[0]!, m[0]!]; // two points: the straight line
  const d: number[] = new Array<number>(n).fill(0);
  for (let k = 1; k < n - 1; k++) {
    const before = m[k - 1]!;
    const after = m[k]!;
    // A sign change or a flat secant is a local extremum: a non-zero slope would overshoot.
    if (before * after <= 0) continue;
    const w1 = 2 * h[k]! + h[k - 1]!;
    const w2 = h[k]! + 2 * h[k - 1]!;
    d[k] = (w1 + w2) / (w1 / before + w2 / after);
  }
  d[0] = endSlope(h[0]!, h[1]!, m[0]!, m[1]!);
  d[n - 1] = endSlope(h[n - 2]!, h[n - 3]!, m[n - 2]!, m[n - 3]!);
  return d;
}

/** Non-centred three-point estimate at an end, limited so the end cubic stays monotone. */
function endSlope(h0: number, h1: number, m0: number, m1: number): number {
  const d = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1);
  if (Math.sign(d) !== Math.sign(m0)) return 0;
  if (Math.sign(m0) !== Math.sign(m1) && Math.abs(d) > Math.abs(3 * m0)) return 3 * m0;
  return d;
}
