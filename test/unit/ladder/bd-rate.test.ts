import { describe, expect, it } from 'vitest';
import { bdRate, bdRateAtPoint, type RateQualityPoint } from '../../../ladder/bd-rate.ts';
import { LadderError } from '../../../ladder/errors.ts';
import { pchip } from '../../../ladder/pchip.ts';

const curve = (points: readonly (readonly [number, number])[]): RateQualityPoint[] =>
  points.map(([bitrateKbps, quality]) => ({ bitrateKbps, quality }));

const reference = curve([
  [1358.24, 34.851],
  [2486.44, 36.845],
  [4593.6, 38.615],
  [9487.76, 40.037],
]);

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof LadderError) return error.code;
    throw error;
  }
  return undefined;
}

describe('pchip', () => {
  it('matches a hand-worked interpolant between knots', () => {
    // Knots (0,0) (1,1) (2,3): secants m0 = 1, m1 = 2, widths 1.
    // Interior slope: w1 = w2 = 3, d1 = 6 / (3/1 + 3/2) = 4/3.
    // End slopes: d0 = ((2+1)*1 - 1*2)/2 = 1/2, d2 = ((2+1)*2 - 1*1)/2 = 5/2.
    // At x = 0.5 (s = 0.5) the Hermite basis is h00 = 1/2, h10 = 1/8, h01 = 1/2, h11 = -1/8:
    // y = 0 + (1/2)(1/8) + 1(1/2) + (4/3)(-1/8) = 3/48 + 24/48 - 8/48 = 19/48.
    const f = pchip([0, 1, 2], [0, 1, 3]);
    expect(f(0.5)).toBeCloseTo(19 / 48, 12);
    expect(f(0)).toBe(0);
    expect(f(1)).toBeCloseTo(1, 12);
    expect(f(2)).toBeCloseTo(3, 12);
  });

  it('does not overshoot a flat stretch of data', () => {
    const f = pchip([0, 1, 2, 3], [0, 1, 1, 2]);
    for (let x = 1; x <= 2; x += 0.125) expect(f(x)).toBeCloseTo(1, 12);
  });

  it('is the straight line through two points', () => {
    const f = pchip([10, 20], [1, 3]);
    expect(f(12.5)).toBeCloseTo(1.5, 12);
  });
});

describe('bdRate', () => {
  it('is 0 for identical curves', () => {
    expect(bdRate(reference, reference)).toBe(0);
  });

  it('gives exactly the constant rate factor when every rate is scaled by it', () => {
    const scaled = (k: number): RateQualityPoint[] => reference.map((p) => ({ ...p, bitrateKbps: p.bitrateKbps * k }));
    expect(bdRate(reference, scaled(0.8))).toBeCloseTo(-20, 9);
    expect(bdRate(reference, scaled(1.25))).toBeCloseTo(25, 9);
  });

  it('matches a hand-worked two-point example with a constant log-rate gap', () => {
    // Reference: log10 R = 2 + (q - 30)/10 through (100 kbit/s, 30 dB), (1000, 40).
    // Test:      log10 R = 2 + (q - 32)/10 through (100, 32), (1000, 42).
    // Overlap [32, 40]; the test needs 10^-0.2 = 0.630957 times the rate everywhere,
    // so BD-rate = (0.630957 - 1) * 100 = -36.9043 %.
    const a = curve([
      [100, 30],
      [1000, 40],
    ]);
    const b = curve([
      [100, 32],
      [1000, 42],
    ]);
    expect(bdRate(a, b)).toBeCloseTo((10 ** -0.2 - 1) * 100, 9);
    expect(bdRate(a, b)).toBeCloseTo(-36.9043, 4);
  });

  it('matches a hand-worked example whose gap grows linearly', () => {
    // Reference (100, 30), (1000, 40); test (100, 30), (400, 40). Both are straight in
    // (q, ln R), so the gap ln(R_test/R_ref) runs linearly from 0 at 30 dB to ln 0.4 at 40 dB
    // and averages ln(0.4)/2 = ln(sqrt 0.4); the trapezoid rule is exact for a straight line.
    // BD-rate = (sqrt(0.4) - 1) * 100 = (0.632456 - 1) * 100 = -36.7544 %.
    const a = curve([
      [100, 30],
      [1000, 40],
    ]);
    const b = curve([
      [100, 30],
      [400, 40],
    ]);
    expect(bdRate(a, b)).toBeCloseTo((Math.sqrt(0.4) - 1) * 100, 9);
    expect(bdRate(a, b)).toBeCloseTo(-36.7544, 4);
  });

  it('agrees with SciPy PchipInterpolator integrated exactly on a four-point HEVC test case', () => {
    // Data: the FAU-LMS bjontegaard package's "Test 1". Reference value from
    // scipy.interpolate.PchipInterpolator(q, ln R).integrate over the overlap: -4.41748535 %.
    const test = curve([
      [1356.24, 34.987],
      [2451.52, 36.97],
      [4469.0, 38.651],
      [9787.8, 40.121],
    ]);
    expect(bdRate(reference, test)).toBeCloseTo(-4.41748535, 4);
    // Swapping the curves inverts the ratio: (1 + a)(1 + b) = 1.
    const forward = bdRate(reference, test) / 100;
    const backward = bdRate(test, reference) / 100;
    expect((1 + forward) * (1 + backward)).toBeCloseTo(1, 9);
  });

  it('agrees with SciPy on the high-bitrate test case, where one cubic fit misbehaves', () => {
    // FAU-LMS "Test 2"; SciPy PCHIP integrated exactly gives -4.47218200 %.
    const ref = curve([
      [4593.6, 38.615],
      [9487.76, 40.037],
      [26875.24, 41.404],
      [82472.76, 43.825],
    ]);
    const test = curve([
      [4469.0, 38.651],
      [9787.8, 40.121],
      [33952.04, 41.875],
      [99896.96, 44.731],
    ]);
    expect(bdRate(ref, test)).toBeCloseTo(-4.472182, 4);
  });

  it('does not depend on the order the points are given in', () => {
    const shuffled = [reference[2]!, reference[0]!, reference[3]!, reference[1]!];
    const test = reference.map((p) => ({ ...p, bitrateKbps: p.bitrateKbps * 0.9, quality: p.quality + 0.1 }));
    expect(bdRate(shuffled, test)).toBeCloseTo(bdRate(reference, test), 12);
  });

  it('rejects curves with fewer than two points', () => {
    expect(codeOf(() => bdRate(reference.slice(0, 1), reference))).toBe('BD_RATE_TOO_FEW_POINTS');
    expect(() => bdRate(reference, [])).toThrow(/`test` to have at least 2 points, got 0/);
  });

  it('rejects duplicate quality values', () => {
    const dup = curve([
      [100, 30],
      [200, 30],
      [400, 35],
    ]);
    expect(codeOf(() => bdRate(dup, reference))).toBe('BD_RATE_DUPLICATE_QUALITY');
    expect(() => bdRate(dup, reference)).toThrow(/`reference` has two points at quality 30/);
  });

  it('rejects curves whose quality ranges do not overlap, including ones that only touch', () => {
    const low = curve([
      [100, 30],
      [200, 33],
    ]);
    const high = curve([
      [300, 34],
      [600, 37],
    ]);
    const touching = curve([
      [300, 33],
      [600, 37],
    ]);
    expect(codeOf(() => bdRate(low, high))).toBe('BD_RATE_NO_OVERLAP');
    expect(codeOf(() => bdRate(low, touching))).toBe('BD_RATE_NO_OVERLAP');
    expect(() => bdRate(low, high)).toThrow(/reference \[30, 33\], test \[34, 37\]/);
  });

  it('names the offending field for a non-positive rate or a NaN quality', () => {
    const zero = curve([
      [0, 30],
      [200, 33],
    ]);
    expect(() => bdRate(zero, reference)).toThrow(/`reference\[0\]\.bitrateKbps` to be a finite number > 0, got 0/);
    const nan = curve([
      [100, 30],
      [200, Number.NaN],
    ]);
    expect(() => bdRate(reference, nan)).toThrow(/`test\[1\]\.quality`.*got NaN/);
    expect(() => bdRate(reference, reference, { gridIntervals: 0.5 })).toThrow(/`gridIntervals` to be an integer >= 1/);
  });
});

describe('bdRateAtPoint', () => {
  // Rate doubling every 3 dB: log-rate is a line in quality, which PCHIP reproduces exactly.
  const line = curve([30, 33, 36, 39].map((q) => [100 * 2 ** ((q - 30) / 3), q] as const));

  it("is test's rate at the point's quality over the point's rate, read off a curve known in closed form", () => {
    // At 34.5 dB the line runs at 100 * 2^1.5 = 282.84 kbit/s.
    expect(bdRateAtPoint({ bitrateKbps: 400, quality: 34.5 }, line)).toBeCloseTo(((100 * 2 ** 1.5) / 400 - 1) * 100, 9);
    expect(bdRateAtPoint({ bitrateKbps: 200, quality: 33 }, line)).toBeCloseTo(0, 9);
    expect(bdRateAtPoint({ bitrateKbps: 800, quality: 39 }, line)).toBeCloseTo(0, 9);
  });

  it("is bdRate's limit as the reference's quality range shrinks to the point", () => {
    const point = { bitrateKbps: 260, quality: 34.2 };
    const shifted = reference.map((p) => ({ ...p, quality: p.quality - 1.5 }));
    const at = bdRateAtPoint(point, shifted);
    // Two points about it whose log-rates average its own.
    const around = (eps: number): RateQualityPoint[] => [
      { bitrateKbps: point.bitrateKbps / Math.E ** 0.01, quality: point.quality - eps },
      { bitrateKbps: point.bitrateKbps * Math.E ** 0.01, quality: point.quality + eps },
    ];
    expect(Math.abs(bdRate(around(0.1), shifted) - at)).toBeLessThan(1.5);
    expect(Math.abs(bdRate(around(1e-4), shifted) - at)).toBeLessThan(1e-4);
  });

  it("gives no figure for a point outside test's quality range", () => {
    expect(codeOf(() => bdRateAtPoint({ bitrateKbps: 100, quality: 29.9 }, line))).toBe('BD_RATE_NO_OVERLAP');
    expect(() => bdRateAtPoint({ bitrateKbps: 100, quality: 39.1 }, line)).toThrow(/39\.1 lies outside test's \[30, 39\]/);
    expect(() => bdRateAtPoint({ bitrateKbps: 0, quality: 33 }, line)).toThrow(/`reference\.bitrateKbps`/);
  });
});
