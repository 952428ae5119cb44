import { trafficWeight, type ClusterPlacement } from './placement.ts';

/** How a cluster's predicted traffic is split between the copies of its files. */
export interface TrafficShares {
  /** For each file with more than one copy: its holders (member indexes, ascending) and the share of its demand each serves. */
  readonly byFile: ReadonlyMap<number, { readonly holders: readonly number[]; readonly shares: Float64Array }>;
  /** Predicted bytes/day served per member under those shares. */
  readonly traffic: Float64Array;
}

/** Passes over the replicated files; the second corrects what the first decided before the smaller files were known. */
const PASSES = 2;

/**
 * Splits each replicated file's predicted demand between its copies so that the appliances'
 * traffic per unit of capacity is as level as the placement allows.
 *
 * Placement bounds every appliance at c x its fair share with the demand split evenly over a
 * file's copies, but an even split is rarely the most level one: an appliance that holds many
 * single-copy files is busier than one that holds the same bytes in copies of popular files.
 * Players are steered by session hash, weighted by these shares (steer.ts), so the busiest
 * appliance's load comes down to what the copies allow. Water-filling: single-copy files load
 * their holder; then each replicated file, most demanded first, raises its least-loaded
 * holders to a common level. Pure and deterministic.
 */
export function levelTraffic(p: ClusterPlacement, demand: ArrayLike<number>): TrafficShares {
  const n = p.members.length;
  const weight = trafficWeight(p.members);
  const capacity = Float64Array.from(p.members, weight);
  const holdersOf = holdersByFile(p);
  /** Bytes/day per member. */
  const load = new Float64Array(n);
  const replicated: { f: number; d: number; holders: number[]; shares: Float64Array }[] = [];
  for (const [f, holders] of holdersOf) {
    const d = demand[f] ?? 0;
    if (holders.length === 1) load[holders[0]!]! += d;
    else replicated.push({ f, d, holders, shares: new Float64Array(holders.length).fill(1 / holders.length) });
  }
  replicated.sort((a, b) => b.d - a.d || a.f - b.f);
  for (const r of replicated) for (const [i, j] of r.holders.entries()) load[j]! += r.d * r.shares[i]!;
  for (let pass = 0; pass < PASSES; pass++) {
    for (const r of replicated) {
      if (!(r.d > 0)) continue;
      for (const [i, j] of r.holders.entries()) load[j]! -= r.d * r.shares[i]!;
      waterFill(r.d, r.holders, load, capacity, r.shares);
      for (const [i, j] of r.holders.entries()) load[j]! += r.d * r.shares[i]!;
    }
  }
  return { byFile: new Map(replicated.map((r) => [r.f, { holders: r.holders, shares: r.shares }])), traffic: load };
}

/** The members holding each placed file, ascending (member indexes). */
export function holdersByFile(p: Pick<ClusterPlacement, 'files'>): Map<number, number[]> {
  const out = new Map<number, number[]>();
  p.files.forEach((list, j) => {
    for (const f of list) {
      const h = out.get(f);
      if (h === undefined) out.set(f, [j]);
      else h.push(j);
    }
  });
  return out;
}

/**
 * Pours `d` into the holders with the lowest load per unit of capacity until they reach a
 * common level λ (sum over holders of cap × max(0, λ − level) = d); writes each holder's share
 * of `d` into `out`.
 */
export function waterFill(
  d: number,
  holders: readonly number[],
  load: ArrayLike<number>,
  capacity: ArrayLike<number>,
  out: Float64Array,
): void {
  const order = holders
    .map((j, i) => ({ i, level: (load[j] ?? 0) / (capacity[j] ?? 1), cap: capacity[j] ?? 1 }))
    .sort((a, b) => a.level - b.level || a.i - b.i);
  let capSum = 0;
  let weighted = 0;
  let lambda = 0;
  let k = 0;
  for (; k < order.length; k++) {
    capSum += order[k]!.cap;
    weighted += order[k]!.cap * order[k]!.level;
    lambda = (d + weighted) / capSum;
    if (k + 1 === order.length || lambda <= order[k + 1]!.level) break;
  }
  out.fill(0);
  for (let m = 0; m <= k && m < order.length; m++) {
    const o = order[m]!;
    out[o.i] = Math.max(0, (o.cap * (lambda - o.level)) / d);
  }
}
