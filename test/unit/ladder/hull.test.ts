import { describe, expect, it } from 'vitest';
import { nearHull, upperConvexHull } from '../../../ladder/hull.ts';
import { LadderArgumentError } from '../../../ladder/errors.ts';
import type { RdPoint } from '../../../ladder/types.ts';
import { pt, SIZES_16X9, syntheticPoints } from './rd-fixture.ts';

const SMALL = { width: 640, height: 360 };
const LARGE = { width: 1920, height: 1080 };

/** True when `p` lies on or under the hull's piecewise-linear curve in (ln rate, PSNR). */
function onOrUnder(hull: readonly RdPoint[], p: RdPoint): boolean {
  const x = Math.log(p.bitrateKbps);
  for (let i = 0; i + 1 < hull.length; i++) {
    const a = hull[i]!;
    const b = hull[i + 1]!;
    const xa = Math.log(a.bitrateKbps);
    const xb = Math.log(b.bitrateKbps);
    if (x >= xa && x <= xb) return p.psnrY <= a.psnrY + ((x - xa) / (xb - xa)) * (b.psnrY - a.psnrY) + 1e-9;
  }
  // Outside the hull's rate span: left of it nothing exists; right of it the hull's end is the best quality.
  return p.psnrY <= hull[hull.length - 1]!.psnrY + 1e-9;
}

describe('upperConvexHull', () => {
  it('is empty for no points and the point itself for one', () => {
    expect(upperConvexHull([])).toEqual([]);
    const only = pt(1000, 38);
    expect(upperConvexHull([only])).toEqual([only]);
  });

  it('excludes a point under the chord of its neighbours even though nothing dominates it', () => {
    // In (ln rate, dB): ln 100 = 4.605, ln 400 = 5.991, ln 1600 = 7.378. The middle point
    // 200 kbit/s (ln 5.298) at 33 dB is Pareto-optimal (cheaper than 400, better than 100),
    // but the chord 100@30 → 400@36 passes 33 dB exactly at ln 200, and 32.9 is under it.
    const a = pt(100, 30);
    const under = pt(200, 32.9);
    const b = pt(400, 36);
    const c = pt(1600, 39);
    expect(upperConvexHull([c, under, b, a])).toEqual([a, b, c]);
    const above = pt(200, 33.5, SMALL);
    expect(upperConvexHull([c, above, b, a])).toEqual([a, above, b, c]);
  });

  it('mixes resolutions: small sizes at the bottom, large at the top', () => {
    const points = syntheticPoints(LARGE, SIZES_16X9);
    const hull = upperConvexHull(points);
    expect(hull[0]!.height).toBeLessThan(hull[hull.length - 1]!.height);
    expect(new Set(hull.map((p) => p.height)).size).toBeGreaterThan(2);
    for (const p of points) expect(onOrUnder(hull, p)).toBe(true);
  });

  it('is strictly increasing in rate and quality, with decreasing slope (concave)', () => {
    const hull = upperConvexHull(syntheticPoints(LARGE, SIZES_16X9, [14, 18, 22, 26, 30, 34, 38, 42, 46]));
    expect(hull.length).toBeGreaterThan(3);
    for (let i = 1; i < hull.length; i++) {
      expect(hull[i]!.bitrateKbps).toBeGreaterThan(hull[i - 1]!.bitrateKbps);
      expect(hull[i]!.psnrY).toBeGreaterThan(hull[i - 1]!.psnrY);
    }
    const slope = (i: number): number => (hull[i + 1]!.psnrY - hull[i]!.psnrY) / Math.log(hull[i + 1]!.bitrateKbps / hull[i]!.bitrateKbps);
    for (let i = 1; i + 1 < hull.length; i++) expect(slope(i)).toBeLessThan(slope(i - 1));
  });

  it('drops the descending tail: more bits for less quality', () => {
    const best = pt(2000, 42);
    const worse = pt(4000, 41.5, LARGE);
    expect(upperConvexHull([pt(500, 35), best, worse])).toEqual([pt(500, 35), best]);
  });

  it('keeps the better of two points at the same bitrate', () => {
    const better = pt(800, 38, LARGE);
    expect(upperConvexHull([pt(800, 37, SMALL), better, pt(200, 31)])).toEqual([pt(200, 31), better]);
  });

  it('returns the caller’s objects, extra fields included', () => {
    const tagged = { ...pt(500, 35), sampleId: 'w3' };
    expect(upperConvexHull([tagged])[0]).toBe(tagged);
  });

  it('treats ffmpeg’s inf PSNR (bit-identical frames) as the best quality, not as bad input', () => {
    const lossless = pt(5000, Number.POSITIVE_INFINITY);
    expect(upperConvexHull([pt(300, 40), lossless])).toEqual([pt(300, 40), lossless]);
  });

  it('names the field of a bad point', () => {
    const bad = { ...pt(500, 35), psnrY: Number.NaN };
    expect(() => upperConvexHull([pt(100, 30), bad])).toThrow(LadderArgumentError);
    expect(() => upperConvexHull([pt(100, 30), bad])).toThrow(/`points\[1\]\.psnrY`.*got NaN/);
  });
});

describe('nearHull', () => {
  // Hull: 100@30 → 1000@40, a straight edge in (ln rate, dB) that gains 10 dB per ln 10,
  // so at 316.2 kbit/s (ln-midpoint) the edge is at 35 dB.
  const a = pt(100, 30);
  const b = pt(1000, 40);

  it('keeps a point just under a hull edge and drops one further under', () => {
    const justUnder = pt(316.2278, 34.7, SMALL);
    const farUnder = pt(316.2278, 34.2, SMALL);
    expect(nearHull([a, b, justUnder], 0.5)).toEqual([a, justUnder, b]);
    expect(nearHull([a, b, farUnder], 0.5)).toEqual([a, b]);
    expect(nearHull([a, b, justUnder], 0)).toEqual([a, b]);
  });

  it('drops near-hull points that another point dominates', () => {
    const near = pt(500, 36.8); // edge is at 36.99 dB here
    const dominated = pt(520, 36.75); // within 0.5 dB of the edge (37.16), but dearer and worse than `near`
    expect(nearHull([a, b, dominated], 0.5)).toEqual([a, dominated, b]);
    expect(nearHull([a, b, near, dominated], 0.5)).toEqual([a, near, b]);
  });
});
