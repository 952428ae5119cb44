import type { RdPoint } from './types.ts';
import { expectRdPoints, psnrDb } from './validate.ts';

const COLLINEAR_SLACK = 1e-12;

/**
 * The upper convex hull of quality (PSNR-Y, dB) over log-bitrate, across every resolution's
 * points, cut at its highest-quality point.
 *
 * Why convex and not merely Pareto: an ABR player switching between two hull points gets, on
 * average, quality on the straight segment between them in this plane, so a point under that
 * segment is never worth encoding even when no single point beats it on both axes.
 *
 * Why log-bitrate: quality grows roughly linearly in log-rate for a fixed resolution, and
 * ladder steps are ratios (1.5-2x), so the hull's shape in this plane is the one that matters.
 *
 * Returns the original point objects, ascending in bitrate and strictly ascending in quality.
 * Points at equal bitrate keep only the best quality. Points exactly on a hull edge are kept
 * (they cost nothing over the edge and give the ladder more rungs to choose from).
 *
 * @param points - measurements from any mix of resolutions and CRFs; may be empty.
 */
export function upperConvexHull<P extends RdPoint>(points: readonly P[]): P[] {
  expectRdPoints('points', points);
  const sorted = points
    .map((point) => ({ point, x: Math.log(point.bitrateKbps), y: psnrDb(point) }))
    .sort((a, b) => a.x - b.x || b.y - a.y);

  const hull: typeof sorted = [];
  for (const p of sorted) {
    const last = hull[hull.length - 1];
    if (last !== undefined && last.x === p.x) continue; // same bitrate, lower quality
    while (hull.length >= 2) {
      const o = hull[hull.length - 2]!;
      const a = hull[hull.length - 1]!;
      // cross > 0: `a` lies below the chord o→p. The relative slack keeps points that are on
      // the chord up to rounding in the logs.
      const lhs = (a.x - o.x) * (p.y - o.y);
      const rhs = (a.y - o.y) * (p.x - o.x);
      if (lhs - rhs <= COLLINEAR_SLACK * (Math.abs(lhs) + Math.abs(rhs))) break;
      hull.pop();
    }
    hull.push(p);
  }

  // Past the best-quality vertex the upper hull descends: more bits for less quality.
  let best = 0;
  hull.forEach((h, i) => {
    if (h.y > hull[best]!.y) best = i;
  });
  return hull.slice(0, best + 1).map((h) => h.point);
}

/**
 * The points within `toleranceDb` of the upper convex hull that no other point dominates
 * (none is as cheap and at least as good), ascending in bitrate and in quality.
 *
 * Why not the hull vertices alone: where one resolution's curve overtakes another, the hull
 * bridges the crossing with a straight edge and real data often leaves 3-5x bitrate gaps
 * between vertices, too coarse for a ladder whose steps are 1.5-2x. Points just under such an
 * edge cost little (0.5 dB is about 6% of bitrate at typical slopes) and fill the gaps, with
 * their own measured quality as the prediction.
 *
 * @param toleranceDb - how far under the hull (PSNR-Y, dB) a point may lie; 0 keeps only
 *   points on the hull.
 */
export function nearHull<P extends RdPoint>(points: readonly P[], toleranceDb: number): P[] {
  const hull = upperConvexHull(points);
  const hullDbAt = (rate: number): number => {
    const x = Math.log(rate);
    for (let i = 0; i + 1 < hull.length; i++) {
      const a = hull[i]!;
      const b = hull[i + 1]!;
      const xa = Math.log(a.bitrateKbps);
      const xb = Math.log(b.bitrateKbps);
      if (x <= xb) return psnrDb(a) + ((x - xa) / (xb - xa)) * (psnrDb(b) - psnrDb(a));
    }
    // Past the last vertex the hull has been cut at its best quality: flat from there.
    return psnrDb(hull[hull.length - 1]!);
  };

  const near = points
    .filter((p) => psnrDb(p) >= hullDbAt(p.bitrateKbps) - toleranceDb)
    .sort((a, b) => a.bitrateKbps - b.bitrateKbps || psnrDb(b) - psnrDb(a));
  const kept: P[] = [];
  for (const p of near) {
    const last = kept[kept.length - 1];
    if (last === undefined || (p.bitrateKbps > last.bitrateKbps && psnrDb(p) > psnrDb(last))) kept.push(p);
  }
  return kept;
}
