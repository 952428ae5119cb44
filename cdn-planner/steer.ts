import type { Appliance, Plan } from './types.ts';

/** A copy a player may be steered to, and the weight of its choice. */
export interface Holder {
  readonly id: string;
  /** Share of the key's predicted traffic in the region this copy is to serve. */
  readonly weight: number;
}

/** Which appliances of a region hold each key, with their weights, derived from an approved plan. */
export interface SteeringTable {
  readonly holders: ReadonlyMap<string, ReadonlyMap<string, readonly Holder[]>>;
}

export interface SteeringOptions {
  /**
   * Only count a placement once its fill has ended by this instant (UTC ms); without it every
   * placement counts, as after the plan has run.
   */
  readonly nowMs?: number;
}

/**
 * Builds the lookup once per approved plan; `steer` is then a map lookup and a few hashes.
 * A copy's weight is its share of the key's traffic in its cluster (`plan.shares`, even when
 * absent) times its cluster's share of the region's active capacity, which is how the planner
 * split the region's demand between clusters.
 */
export function steeringTable(plan: Plan, appliances: readonly Appliance[], options: SteeringOptions = {}): SteeringTable {
  const pending = new Set<string>();
  if (options.nowMs !== undefined) {
    for (const f of plan.fills) if (Date.parse(f.endAt) > options.nowMs) pending.add(`${f.applianceId}\u0000${f.key}`);
  }
  const active = appliances.filter((a) => a.state === 'active');
  const regionCapacity = new Map<string, number>();
  const clusterCapacity = new Map<string, number>();
  for (const a of active) {
    regionCapacity.set(a.region, (regionCapacity.get(a.region) ?? 0) + a.capacityBytes);
    clusterCapacity.set(a.cluster, (clusterCapacity.get(a.cluster) ?? 0) + a.capacityBytes);
  }
  /** Copies per cluster and key, ready or not: an even split is over all of them. */
  const copies = new Map<string, number>();
  for (const a of active)
    for (const key of plan.placements[a.id] ?? [])
      copies.set(`${a.cluster}\u0000${key}`, (copies.get(`${a.cluster}\u0000${key}`) ?? 0) + 1);
  const holders = new Map<string, Map<string, Holder[]>>();
  for (const a of active) {
    let byKey = holders.get(a.region);
    if (byKey === undefined) {
      byKey = new Map();
      holders.set(a.region, byKey);
    }
    const clusterShare = (clusterCapacity.get(a.cluster) ?? 0) / (regionCapacity.get(a.region) || 1);
    for (const key of plan.placements[a.id] ?? []) {
      if (pending.has(`${a.id}\u0000${key}`)) continue;
      const share = plan.shares?.[a.id]?.[key] ?? 1 / (copies.get(`${a.cluster}\u0000${key}`) ?? 1);
      const holder = { id: a.id, weight: clusterShare * share };
      const list = byKey.get(key);
      if (list === undefined) byKey.set(key, [holder]);
      else list.push(holder);
    }
  }
  return { holders };
}

/**
 * The appliance a player of `region` should fetch `key` from, or undefined for the origin.
 * Among several holders the choice is weighted rendezvous hashing of `clientHint` (a session
 * or client id) with the key and each holder: one player keeps hitting one appliance for a
 * key, players spread over the copies in proportion to their weights, and a copy that comes
 * or goes moves only the players it takes or gives.
 */
export function steer(table: SteeringTable, region: string, key: string, clientHint = ''): string | undefined {
  const list = table.holders.get(region)?.get(key);
  if (list === undefined || list.length === 0) return undefined;
  if (list.length === 1) return list[0]!.id;
  const i = pickWeighted(
    list.map((h) => h.weight),
    (k) => hintHash(`${clientHint}\u0000${key}\u0000${list[k]!.id}`),
  );
  return list[i]!.id;
}

/**
 * Weighted rendezvous hashing: the index with the lowest −ln(u) / w, u uniform from the
 * index's 32-bit hash. Index k wins with probability w_k / Σw. Zero weights lose to any
 * positive one; when every weight is zero the choice is even.
 */
export function pickWeighted(weights: readonly number[], hashOf: (k: number) => number): number {
  const even = !weights.some((w) => w > 0);
  let best = 0;
  let bestScore = Infinity;
  for (let k = 0; k < weights.length; k++) {
    const w = even ? 1 : weights[k]!;
    if (!(w > 0)) continue;
    const u = ((hashOf(k) >>> 0) + 0.5) / 4_294_967_296;
    const score = -Math.log(u) / w;
    if (score < bestScore) {
      bestScore = score;
      best = k;
    }
  }
  return best;
}

/** 32-bit FNV-1a with a final avalanche: the hash steering picks copies by. */
export function hintHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  // FNV's low bits mix poorly for short, similar strings: a final avalanche.
  return avalanche32(h);
}

/** murmur3's fmix32: every input bit flips each output bit with probability about 1/2. */
export function avalanche32(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
