import { describe, expect, it } from 'vitest';
import { aggregateWindows, densifyCrf, fixedLadderCurve, monotoneCurve } from '../../../ladder/aggregate.ts';
import type { RdPoint } from '../../../ladder/types.ts';

const pt = (width: number, height: number, crf: number, bitrateKbps: number, psnrY: number, ssim: number): RdPoint => ({
  width,
  height,
  crf,
  bitrateKbps,
  psnrY,
  ssim,
});
const keyOf = (p: RdPoint): string => `${p.width}x${p.height}@${p.crf}`;
const byKey = (points: readonly RdPoint[]): Map<string, RdPoint> => new Map(points.map((p) => [keyOf(p), p]));
/** PSNR of parts pooled in MSE (the mean MSE's dB), as a title's own figure is: [dB, weight] pairs. */
const pooled = (...parts: [number, number][]): number =>
  -10 * Math.log10(parts.reduce((s, [db, w]) => s + w * 10 ** (-db / 10), 0) / parts.reduce((s, [, w]) => s + w, 0));

describe('aggregateWindows', () => {
  it('averages bitrate, PSNR and SSIM over windows, weighted by the share each window stands for', () => {
    const out = aggregateWindows([
      { weight: 1, points: [pt(640, 360, 23, 1000, 40, 0.95)] },
      { weight: 3, points: [pt(640, 360, 23, 2000, 36, 0.91)] },
    ]);
    expect(out).toHaveLength(1);
    const [p] = out;
    expect(p).toMatchObject({ width: 640, height: 360, crf: 23 });
    // (1*1000 + 3*2000) / 4, PSNR from the weighted mean MSE (36.7 dB, not the 37 of the dB), (1*0.95 + 3*0.91) / 4
    expect(p?.bitrateKbps).toBeCloseTo(1750, 9);
    expect(p?.psnrY).toBeCloseTo(pooled([40, 1], [36, 3]), 9);
    expect(p?.psnrY).toBeLessThan(36.8);
    expect(p?.ssim).toBeCloseTo(0.92, 9);
  });

  it("scales each window's MSE to what the share it stands for loses, and its rate to what it costs", () => {
    const out = aggregateWindows([
      { weight: 1, rateScale: 2, mseScale: 4, points: [pt(640, 360, 23, 1000, 40, 0.95)] },
      { weight: 1, points: [pt(640, 360, 23, 1000, 40, 0.95)] },
    ]);
    // The first window's MSE four times its own: 40 - 10 log10(4) = 33.98 dB, pooled with 40.
    expect(out[0]?.psnrY).toBeCloseTo(pooled([40 - 10 * Math.log10(4), 1], [40, 1]), 9);
    expect(out[0]?.bitrateKbps).toBeCloseTo(1500, 9);
    expect(out[0]?.ssim).toBeCloseTo(0.95, 9);
  });

  it('keeps (size, CRF) points apart: same CRF at another size, or another CRF at the same size', () => {
    const out = byKey(
      aggregateWindows([
        { weight: 1, points: [pt(640, 360, 23, 1000, 40, 0.95), pt(1280, 720, 23, 3000, 42, 0.96), pt(640, 360, 29, 500, 36, 0.9)] },
        { weight: 1, points: [pt(640, 360, 23, 1200, 38, 0.93), pt(1280, 720, 23, 3400, 40, 0.94), pt(640, 360, 29, 700, 34, 0.88)] },
      ]),
    );
    expect([...out.keys()].sort()).toEqual(['1280x720@23', '640x360@23', '640x360@29']);
    expect(out.get('640x360@23')?.bitrateKbps).toBeCloseTo(1100, 9);
    expect(out.get('1280x720@23')?.bitrateKbps).toBeCloseTo(3200, 9);
    expect(out.get('640x360@29')?.psnrY).toBeCloseTo(pooled([36, 1], [34, 1]), 9);
  });

  it('averages a point only over the windows that have it (weights renormalised)', () => {
    const out = byKey(
      aggregateWindows([
        { weight: 2, points: [pt(640, 360, 23, 1000, 40, 0.95), pt(640, 360, 29, 600, 36, 0.9)] },
        { weight: 1, points: [pt(640, 360, 23, 4000, 31, 0.86)] },
      ]),
    );
    // 640x360@29 exists only in the first window: its values pass through unchanged.
    expect(out.get('640x360@29')).toEqual(pt(640, 360, 29, 600, 36, 0.9));
    expect(out.get('640x360@23')?.bitrateKbps).toBeCloseTo((2 * 1000 + 4000) / 3, 9);
    expect(out.get('640x360@23')?.psnrY).toBeCloseTo(pooled([40, 2], [31, 1]), 9);
  });

  it('ignores windows whose weight is zero, negative or NaN', () => {
    const good = { weight: 1, points: [pt(640, 360, 23, 1000, 40, 0.95)] };
    const out = aggregateWindows([
      good,
      { weight: 0, points: [pt(640, 360, 23, 9000, 10, 0.1), pt(1920, 1080, 23, 9000, 10, 0.1)] },
      { weight: -1, points: [pt(640, 360, 23, 9000, 10, 0.1)] },
      { weight: Number.NaN, points: [pt(640, 360, 23, 9000, 10, 0.1)] },
    ]);
    // The 1080p point only appeared in the zero-weight window, so it must not appear (and must not be 0/0 = NaN).
    expect(out).toEqual([pt(640, 360, 23, 1000, 40, 0.95)]);
  });

  it('returns nothing for no windows', () => {
    expect(aggregateWindows([])).toEqual([]);
  });
});

describe('fixedLadderCurve', () => {
  // 360p measured at 1000 and 4000 kbps (and 16000 kbps); 720p at 2000 and 8000 kbps.
  const points = [
    pt(640, 360, 30, 1000, 36, 0.9),
    pt(640, 360, 18, 16000, 45, 0.99),
    pt(640, 360, 24, 4000, 42, 0.96),
    pt(1280, 720, 28, 2000, 38, 0.92),
    pt(1280, 720, 22, 8000, 44, 0.97),
  ];

  it('interpolates linearly in log-rate between the two nearest points of the rung size', () => {
    // 2000 kbps is halfway between 1000 and 4000 in log-rate: ln2 / ln4 = 0.5, so 36 + 0.5 * 6 = 39 dB.
    expect(fixedLadderCurve(points, [{ width: 640, height: 360, bitrateKbps: 2000 }])).toEqual([{ bitrateKbps: 2000, quality: 39 }]);
    // 8000 kbps between 4000 and 16000: halfway again, 42 + 0.5 * 3 = 43.5 dB (points are unsorted on input).
    const [q] = fixedLadderCurve(points, [{ width: 640, height: 360, bitrateKbps: 8000 }]);
    expect(q?.quality).toBeCloseTo(43.5, 12);
    // 4000 kbps at 720p: ln(4000/2000) / ln(8000/2000) = 0.5, 38 + 0.5 * 6 = 41 dB; uses 720p points, not 360p.
    const [r] = fixedLadderCurve(points, [{ width: 1280, height: 720, bitrateKbps: 4000 }]);
    expect(r?.quality).toBeCloseTo(41, 12);
  });

  it('interpolates in log-rate, not linearly in rate', () => {
    // 1500 kbps: log fraction ln1.5 / ln4 = 0.29248..., quality 37.7549 dB; linear in rate would give 37 dB.
    const [q] = fixedLadderCurve(points, [{ width: 640, height: 360, bitrateKbps: 1500 }]);
    expect(q?.quality).toBeCloseTo(36 + (6 * Math.log(1.5)) / Math.log(4), 12);
    expect(q?.quality).toBeCloseTo(37.7549, 4);
  });

  it('includes rungs exactly at the ends of the measured range', () => {
    const out = fixedLadderCurve(points, [
      { width: 640, height: 360, bitrateKbps: 1000 },
      { width: 640, height: 360, bitrateKbps: 16000 },
    ]);
    expect(out.map((p) => p.quality)).toEqual([36, 45]);
  });

  it('leaves out rungs below or above the measured range of their size, and sizes never measured', () => {
    const out = fixedLadderCurve(points, [
      { width: 640, height: 360, bitrateKbps: 999 },
      { width: 640, height: 360, bitrateKbps: 2000 },
      { width: 1280, height: 720, bitrateKbps: 9000 },
      { width: 1920, height: 1080, bitrateKbps: 5000 },
    ]);
    expect(out).toEqual([{ bitrateKbps: 2000, quality: 39 }]);
  });

  it('gives nothing for a size with a single point', () => {
    expect(fixedLadderCurve([pt(640, 360, 23, 1000, 40, 0.95)], [{ width: 640, height: 360, bitrateKbps: 1000 }])).toEqual([]);
  });
});

describe('monotoneCurve', () => {
  it('sorts by rate and keeps only points whose quality strictly rises', () => {
    const out = monotoneCurve([
      { bitrateKbps: 4000, quality: 41 },
      { bitrateKbps: 1000, quality: 35 },
      { bitrateKbps: 3000, quality: 38 }, // below 2000's quality: dropped
      { bitrateKbps: 2000, quality: 39 },
      { bitrateKbps: 5000, quality: 41 }, // equal to 4000's: dropped
      { bitrateKbps: 6000, quality: 42 },
    ]);
    expect(out).toEqual([
      { bitrateKbps: 1000, quality: 35 },
      { bitrateKbps: 2000, quality: 39 },
      { bitrateKbps: 4000, quality: 41 },
      { bitrateKbps: 6000, quality: 42 },
    ]);
  });

  it('does not modify its input', () => {
    const input = [
      { bitrateKbps: 2000, quality: 39 },
      { bitrateKbps: 1000, quality: 35 },
    ];
    monotoneCurve(input);
    expect(input).toEqual([
      { bitrateKbps: 2000, quality: 39 },
      { bitrateKbps: 1000, quality: 35 },
    ]);
  });

  it('returns an empty curve for no points', () => {
    expect(monotoneCurve([])).toEqual([]);
  });
});

describe('densifyCrf', () => {
  const lo = pt(640, 360, 19, 4000, 44, 0.98);
  const hi = pt(640, 360, 25, 1000, 38, 0.95);

  it('step 1 between CRF 19 and 25 adds 20..24 and keeps both endpoints unchanged, in CRF order', () => {
    const out = densifyCrf([hi, lo], 1);
    expect(out.map((p) => p.crf)).toEqual([19, 20, 21, 22, 23, 24, 25]);
    expect(out[0]).toBe(lo);
    expect(out.at(-1)).toBe(hi);
    expect(out.every((p) => p.width === 640 && p.height === 360)).toBe(true);
  });

  it('interpolates log-rate and quality linearly in CRF', () => {
    const out = new Map(densifyCrf([lo, hi]).map((p) => [p.crf, p]));
    // CRF 22 is halfway: rate is the geometric mean sqrt(4000 * 1000) = 2000, PSNR 41, SSIM 0.965.
    expect(out.get(22)?.bitrateKbps).toBeCloseTo(2000, 9);
    expect(out.get(22)?.psnrY).toBeCloseTo(41, 12);
    expect(out.get(22)?.ssim).toBeCloseTo(0.965, 12);
    // CRF 21 is a third of the way: 4000 * (1/4)^(1/3) = 2519.842 kbps (linear in rate would be 3000), PSNR 42.
    expect(out.get(21)?.bitrateKbps).toBeCloseTo(4000 / Math.cbrt(4), 9);
    expect(out.get(21)?.bitrateKbps).toBeCloseTo(2519.842, 3);
    expect(out.get(21)?.psnrY).toBeCloseTo(42, 12);
    expect(out.get(24)?.ssim).toBeCloseTo(0.955, 12);
  });

  it('uses the step given: 2 between 19 and 25 adds 21 and 23; 0.5 between 19 and 20 adds 19.5', () => {
    expect(densifyCrf([lo, hi], 2).map((p) => p.crf)).toEqual([19, 21, 23, 25]);
    expect(densifyCrf([lo, pt(640, 360, 20, 3000, 43, 0.97)], 0.5).map((p) => p.crf)).toEqual([19, 19.5, 20]);
  });

  it('does not add a point on top of the next measured CRF when the step lands on it', () => {
    expect(densifyCrf([lo, hi], 3).map((p) => p.crf)).toEqual([19, 22, 25]);
    // 0.1 steps accumulate float error; the last in-between CRF is 19.9 and 20 appears once.
    const crfs = densifyCrf([lo, pt(640, 360, 20, 3000, 43, 0.97)], 0.1).map((p) => p.crf);
    expect(crfs).toEqual([19, 19.1, 19.2, 19.3, 19.4, 19.5, 19.6, 19.7, 19.8, 19.9, 20]);
  });

  it('densifies each size on its own, never interpolating across sizes', () => {
    const out = densifyCrf([lo, hi, pt(1280, 720, 19, 9000, 46, 0.99), pt(1280, 720, 21, 5000, 44, 0.98)]);
    const big = out.filter((p) => p.width === 1280);
    expect(big.map((p) => p.crf)).toEqual([19, 20, 21]);
    expect(big[1]?.bitrateKbps).toBeCloseTo(Math.sqrt(9000 * 5000), 9);
    expect(out.filter((p) => p.width === 640)).toHaveLength(7);
  });

  it('leaves a size with one point as it is', () => {
    expect(densifyCrf([lo])).toEqual([lo]);
  });

  it.each([0, -1, Number.NaN])('throws a RangeError naming the step for stepCrf %s', (step) => {
    expect(() => densifyCrf([lo, hi], step)).toThrow(RangeError);
    expect(() => densifyCrf([lo, hi], step)).toThrow(`Expected stepCrf > 0, got ${step}`);
  });
});
