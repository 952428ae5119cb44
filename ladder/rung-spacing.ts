/**
 * How rungs are spaced in rate: the ratio steps between neighbours a ladder may take, and the
 * choices of points that keep them even. Pure; the per-title ladder and its viewer minimums use it.
 */
import type { ResolvedPerTitleOptions } from './per-title-options.ts';
import type { RdPoint } from './types.ts';

/** Relative slack on ratio comparisons so a measured 1.4999999 still counts as 1.5. */
export const RATIO_SLACK = 1e-9;

/**
 * Picks rungs from `candidates` (bottom first, top last, ascending). A step is allowed when
 * its ratio is within [minStepRatio, limit]; the smallest limit (from maxStepRatio upward) that
 * joins bottom to top in at most maxRungs rungs wins, then fewest rungs, then the smallest
 * sum of squared log-steps (the most even spacing).
 */
export function selectRungs(
  candidates: readonly RdPoint[],
  opts: Pick<ResolvedPerTitleOptions, 'minStepRatio' | 'maxStepRatio' | 'maxRungs'>,
): readonly RdPoint[] {
  const logRate = candidates.map((p) => Math.log(p.bitrateKbps));
  const minStep = Math.log(opts.minStepRatio) - RATIO_SLACK;
  const target = Math.log(opts.maxStepRatio);
  const limits = [target];
  for (let i = 0; i < logRate.length; i++) {
    for (let j = i + 1; j < logRate.length; j++) {
      const step = logRate[j]! - logRate[i]!;
      if (step > target && step >= minStep) limits.push(step);
    }
  }
  limits.sort((a, b) => a - b);

  // Feasibility is monotone in the limit, so binary search the sorted limits. The largest is
  // feasible when the direct bottom→top step is >= minStepRatio; candidates closer than that
  // end to end hold one rung, the top (the viewer minimums' range can be that narrow).
  let lo = 0;
  let hi = limits.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const path = shortestPath(logRate, minStep, limits[mid]! + RATIO_SLACK);
    if (path !== undefined && path.length <= opts.maxRungs) hi = mid;
    else lo = mid + 1;
  }
  const path = shortestPath(logRate, minStep, limits[lo]! + RATIO_SLACK);
  return path === undefined ? candidates.slice(-1) : path.map((i) => candidates[i]!);
}

/** Fewest-nodes, then most-even path from index 0 to the last index; undefined if none. */
function shortestPath(logRate: readonly number[], minStep: number, maxStep: number): number[] | undefined {
  const n = logRate.length;
  const best: { count: number; spread: number; prev: number }[] = [{ count: 1, spread: 0, prev: -1 }];
  for (let j = 1; j < n; j++) {
    let here = { count: Infinity, spread: Infinity, prev: -1 };
    for (let i = 0; i < j; i++) {
      const from = best[i]!;
      const step = logRate[j]! - logRate[i]!;
      if (from.count === Infinity) continue; // `i` itself is unreachable
      if (step < minStep || step > maxStep) continue;
      const count = from.count + 1;
      const spread = from.spread + step * step;
      if (count < here.count || (count === here.count && spread < here.spread)) here = { count, spread, prev: i };
    }
    best.push(here);
  }
  if (best[n - 1]!.count === Infinity) return undefined;
  const path: number[] = [];
  for (let k = n - 1; k !== -1; k = best[k]!.prev) path.unshift(k);
  return path;
}

/** Exactly `k` points of `points` (ascending rate), first and last included, with the most even log-rate steps. */
export function evenestPath(points: readonly RdPoint[], k: number): readonly RdPoint[] {
  const n = points.length;
  if (k >= n) return points;
  if (k <= 1) return points.slice(-1);
  const lr = points.map((p) => Math.log(p.bitrateKbps));
  // cost[c][j]: least sum of squared steps over paths of c+1 points from 0 ending at j.
  const cost: number[][] = [lr.map((_, j) => (j === 0 ? 0 : Infinity))];
  const prev: number[][] = [lr.map(() => -1)];
  for (let c = 1; c < k; c++) {
    cost.push(lr.map(() => Infinity));
    prev.push(lr.map(() => -1));
    for (let j = 1; j < n; j++) {
      for (let i = 0; i < j; i++) {
        const v = cost[c - 1]![i]! + (lr[j]! - lr[i]!) ** 2;
        if (v < cost[c]![j]!) {
          cost[c]![j] = v;
          prev[c]![j] = i;
        }
      }
    }
  }
  const path: RdPoint[] = [];
  for (let c = k - 1, j = n - 1; c >= 0 && j >= 0; j = prev[c]![j]!, c--) path.unshift(points[j]!);
  return path;
}

/** How many of `points` (ascending rate) a ladder can hold at least `minStepRatio` apart (greedy from the cheapest, which is the most). */
export function spacedCount(points: readonly RdPoint[], opts: Pick<ResolvedPerTitleOptions, 'minStepRatio'>): number {
  const minStep = Math.log(opts.minStepRatio) - RATIO_SLACK;
  let count = 0;
  let last = -Infinity;
  for (const p of points) {
    if (Math.log(p.bitrateKbps) - last >= minStep) {
      count++;
      last = Math.log(p.bitrateKbps);
    }
  }
  return count;
}
