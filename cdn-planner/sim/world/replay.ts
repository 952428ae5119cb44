/**
 * Replays a world's day of plays, in time order, against a fill plan and against the
 * baselines a planner must beat: pull-through LRU and LFU caches of the same disk that fetch
 * whole files, plain consistent hashing (one LRU per appliance, keys hashed to appliances), and
 * two oracles that know the day (its expected rates, or its realised plays) and fill the disk
 * by bytes served per byte stored. Like generate.ts it shares no code with the planner.
 *
 * Serving capacity: an appliance streams at most `serveGbps`; plays are charged to the hour
 * they start in, and a play no holder has room for goes to the origin. Per-appliance
 * strategies (the plan, consistent hashing) are held to each appliance's capacity; the
 * cluster-wide caches and oracles to the cluster's sum, which is generous to them.
 */
import type { Appliance, Plan } from '../../types.ts';
import type { Play, World } from './generate.ts';

const HOUR_MS = 3_600_000;

export interface Outcome {
  readonly name: string;
  readonly requestedBytes: number;
  /** Bytes appliances served to players. */
  readonly servedBytes: number;
  /** Bytes of plays the appliances did not serve (what players fetched from the origin). */
  readonly missBytes: number;
  /** Origin egress: misses, plus whole files fetched into caches, plus planned fills from the origin. */
  readonly originBytes: number;
  /** Bytes of titles released inside the plan's horizon: requested, and served by appliances. */
  readonly releaseRequestedBytes: number;
  readonly releaseServedBytes: number;
  /** Worst cluster: the busiest appliance's bytes per unit of serving capacity over the cluster's mean (per-appliance strategies only; 1 otherwise). */
  readonly peakToMean: number;
}

/** Per-appliance hourly budgets of served bytes: a play is served by a holder with room. */
class ServingBudget {
  private readonly used = new Map<string, number>();
  readonly served = new Map<string, number>();

  constructor(private readonly gbps: ReadonlyMap<string, number>) {}

  /** The holder with most room left in the play's hour that can take it, or undefined. */
  take(holders: readonly string[], play: Play): string | undefined {
    const hour = Math.floor(play.ms / HOUR_MS);
    let best: string | undefined;
    let bestRoom = -Infinity;
    for (const id of holders) {
      const room = ((this.gbps.get(id) ?? 0) * 1e9 * 3600) / 8 - (this.used.get(`${id}@${hour}`) ?? 0);
      if (room >= play.bytes && room > bestRoom) [best, bestRoom] = [id, room];
    }
    if (best === undefined) return undefined;
    this.used.set(`${best}@${hour}`, (this.used.get(`${best}@${hour}`) ?? 0) + play.bytes);
    this.served.set(best, (this.served.get(best) ?? 0) + play.bytes);
    return best;
  }
}

class Tally {
  requested = 0;
  served = 0;
  extraOrigin = 0;
  releaseRequested = 0;
  releaseServed = 0;

  constructor(private readonly world: World) {}

  record(play: Play, served: boolean): void {
    const release = this.world.releasedInHorizon.has(this.world.fileTitle[play.file]!);
    this.requested += play.bytes;
    if (release) this.releaseRequested += play.bytes;
    if (!served) return;
    this.served += play.bytes;
    if (release) this.releaseServed += play.bytes;
  }

  outcome(name: string, peakToMean = 1): Outcome {
    const missBytes = this.requested - this.served;
    return {
      name,
      requestedBytes: this.requested,
      servedBytes: this.served,
      missBytes,
      originBytes: missBytes + this.extraOrigin,
      releaseRequestedBytes: this.releaseRequested,
      releaseServedBytes: this.releaseServed,
      peakToMean,
    };
  }
}

const usable = (a: Appliance): boolean => a.state === 'active';
const clusterOf = (world: World, region: number): Appliance[] => world.appliances.filter((a) => a.region === world.regions[region]);

/**
 * The plan's day: a key is on an appliance if it held it (until that appliance's evictions,
 * run before its first fill) or once its fill has ended. Fills from the origin count as
 * origin egress. Down appliances serve nothing; draining ones serve what they still hold.
 */
export function replayPlan(world: World, plan: Plan, holdings: Readonly<Record<string, readonly string[]>>): Outcome {
  const keyIndex = new Map(world.fileKeys.map((k, f) => [k, f]));
  const firstFill = new Map<string, number>();
  for (const fill of plan.fills)
    firstFill.set(fill.applianceId, Math.min(firstFill.get(fill.applianceId) ?? Infinity, Date.parse(fill.startAt)));
  /** Per file: holder id to [from, until) ms. */
  const spans = new Map<number, { id: string; from: number; until: number }[]>();
  const add = (key: string, id: string, from: number, until: number): void => {
    const f = keyIndex.get(key);
    if (f === undefined) return;
    const list = spans.get(f) ?? [];
    list.push({ id, from, until });
    spans.set(f, list);
  };
  const evicted = new Set(plan.evictions.map((e) => `${e.applianceId}\u0000${e.key}`));
  const down = new Set(world.appliances.filter((a) => a.state === 'down').map((a) => a.id));
  for (const [id, keys] of Object.entries(holdings)) {
    if (down.has(id)) continue;
    for (const key of keys) add(key, id, -Infinity, evicted.has(`${id}\u0000${key}`) ? (firstFill.get(id) ?? world.planAtMs) : Infinity);
  }
  const tally = new Tally(world);
  for (const fill of plan.fills) {
    add(fill.key, fill.applianceId, Date.parse(fill.endAt), Infinity);
    if (fill.source === 'origin') tally.extraOrigin += fill.bytes;
  }
  const budget = new ServingBudget(new Map(world.appliances.map((a) => [a.id, a.serveGbps ?? 0])));
  const regionOf = new Map(world.appliances.map((a) => [a.id, a.region]));
  for (const play of world.plays) {
    const region = world.regions[play.region]!;
    const holders = (spans.get(play.file) ?? [])
      .filter((s) => s.from <= play.ms && play.ms < s.until && regionOf.get(s.id) === region)
      .map((s) => s.id);
    tally.record(play, budget.take(holders, play) !== undefined);
  }
  return tally.outcome('vodforge', worstPeakToMean(world, budget.served));
}

/** Busiest appliance's served bytes per unit of serving capacity over the cluster mean, worst cluster. */
function worstPeakToMean(world: World, served: ReadonlyMap<string, number>): number {
  let worst = 1;
  for (let r = 0; r < world.regions.length; r++) {
    const members = clusterOf(world, r).filter(usable);
    const total = members.reduce((s, a) => s + (served.get(a.id) ?? 0), 0);
    const capacity = members.reduce((s, a) => s + (a.serveGbps ?? 0), 0);
    if (total <= 0 || capacity <= 0) continue;
    for (const a of members) worst = Math.max(worst, (served.get(a.id) ?? 0) / total / ((a.serveGbps ?? 0) / capacity));
  }
  return worst;
}

/** Cluster-wide strategies (caches, oracles): one budget per region, the sum of its usable appliances' serving capacity. */
function clusterServingBudget(world: World): ServingBudget {
  const byRegion = world.regions.map((region, r): [string, number] => [
    region,
    clusterOf(world, r)
      .filter(usable)
      .reduce((s, a) => s + (a.serveGbps ?? 0), 0),
  ]);
  return new ServingBudget(new Map(byRegion));
}

/** A whole-file pull-through cache: `access` is true on a hit; a miss admits the file, evicting by the policy. */
export interface Cache {
  access(file: number, bytes: number): boolean;
}

export class LruCache implements Cache {
  private readonly entries = new Map<number, number>();
  private used = 0;

  constructor(private readonly capacity: number) {}

  access(file: number, bytes: number): boolean {
    const size = this.entries.get(file);
    if (size !== undefined) {
      this.entries.delete(file);
      this.entries.set(file, size);
      return true;
    }
    if (bytes > this.capacity) return false;
    for (const [oldest, s] of this.entries) {
      if (this.used + bytes <= this.capacity) break;
      this.entries.delete(oldest);
      this.used -= s;
    }
    this.entries.set(file, bytes);
    this.used += bytes;
    return false;
  }
}

/** Least frequently used: requests counted since the cache started; ties go to the least recent. */
export class LfuCache implements Cache {
  private readonly entries = new Map<number, { bytes: number; count: number; last: number }>();
  private readonly counts = new Map<number, number>();
  private used = 0;
  private clock = 0;

  constructor(private readonly capacity: number) {}

  access(file: number, bytes: number): boolean {
    const count = (this.counts.get(file) ?? 0) + 1;
    this.counts.set(file, count);
    this.clock++;
    const e = this.entries.get(file);
    if (e !== undefined) {
      e.count = count;
      e.last = this.clock;
      return true;
    }
    if (bytes > this.capacity) return false;
    while (this.used + bytes > this.capacity) {
      let victim = -1;
      let v = { count: Infinity, last: Infinity };
      for (const [f, x] of this.entries) if (x.count < v.count || (x.count === v.count && x.last < v.last)) [victim, v] = [f, x];
      const gone = this.entries.get(victim)!;
      this.entries.delete(victim);
      this.used -= gone.bytes;
    }
    this.entries.set(file, { bytes, count, last: this.clock });
    this.used += bytes;
    return false;
  }
}

/** One cache per cluster over its usable disk, warmed on the warm-up plays, held to the cluster's serving capacity. */
export function replayClusterCache(world: World, name: string, make: (capacityBytes: number) => Cache): Outcome {
  const caches = world.regions.map((_, r) =>
    make(
      clusterOf(world, r)
        .filter(usable)
        .reduce((s, a) => s + a.capacityBytes, 0),
    ),
  );
  for (const play of world.warmup) caches[play.region]!.access(play.file, world.fileBytes[play.file]!);
  const budget = clusterServingBudget(world);
  const tally = new Tally(world);
  for (const play of world.plays) {
    const hit = caches[play.region]!.access(play.file, world.fileBytes[play.file]!);
    if (!hit) tally.extraOrigin += world.fileBytes[play.file]!;
    tally.record(play, hit && budget.take([world.regions[play.region]!], play) !== undefined);
  }
  return tally.outcome(name);
}

/** Plain consistent hashing: each file on the one appliance its hash lands on (capacity-weighted ring), an LRU each. */
export function replayConsistentHashing(world: World): Outcome {
  const rings = world.regions.map((_, r) => ringOf(clusterOf(world, r).filter(usable)));
  const caches = new Map(world.appliances.filter(usable).map((a) => [a.id, new LruCache(a.capacityBytes)]));
  const owner = (play: Play): string | undefined => rings[play.region]!(world.fileKeys[play.file]!);
  for (const play of world.warmup) {
    const id = owner(play);
    if (id !== undefined) caches.get(id)!.access(play.file, world.fileBytes[play.file]!);
  }
  const budget = new ServingBudget(new Map(world.appliances.map((a) => [a.id, a.serveGbps ?? 0])));
  const tally = new Tally(world);
  for (const play of world.plays) {
    const id = owner(play);
    const hit = id !== undefined && caches.get(id)!.access(play.file, world.fileBytes[play.file]!);
    if (!hit) tally.extraOrigin += world.fileBytes[play.file]!;
    tally.record(play, hit && id !== undefined && budget.take([id], play) !== undefined);
  }
  return tally.outcome('consistent hashing', worstPeakToMean(world, budget.served));
}

/** FNV-1a, 32 bits. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** A ring with one point per 10 GB of an appliance's disk; a key goes to the first point at or after its hash. */
function ringOf(members: readonly Appliance[]): (key: string) => string | undefined {
  const points: { at: number; id: string }[] = [];
  for (const a of members)
    for (let v = 0; v < Math.max(1, Math.round(a.capacityBytes / 1e10)); v++) points.push({ at: fnv1a(`${a.id}#${v}`), id: a.id });
  points.sort((x, y) => x.at - y.at);
  return (key) => {
    if (points.length === 0) return undefined;
    const h = fnv1a(key);
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid]!.at < h) lo = mid + 1;
      else hi = mid;
    }
    return points[lo % points.length]!.id;
  };
}

/**
 * An oracle: each cluster holds, from the day's start, the files that serve most bytes per
 * byte stored by `value` (per region, per file), up to its usable disk; no fill cost.
 */
export function replayOracle(world: World, name: string, value: readonly Float64Array[]): Outcome {
  const placed = world.regions.map((_, r) => {
    const capacity = clusterOf(world, r)
      .filter(usable)
      .reduce((s, a) => s + a.capacityBytes, 0);
    const v = value[r]!;
    const order = Array.from(v.keys())
      .filter((f) => v[f]! > 0)
      .sort((a, b) => v[b]! / world.fileBytes[b]! - v[a]! / world.fileBytes[a]! || a - b);
    const set = new Set<number>();
    let used = 0;
    for (const f of order) {
      if (used + world.fileBytes[f]! > capacity) continue;
      set.add(f);
      used += world.fileBytes[f]!;
    }
    return set;
  });
  const budget = clusterServingBudget(world);
  const tally = new Tally(world);
  for (const play of world.plays)
    tally.record(play, placed[play.region]!.has(play.file) && budget.take([world.regions[play.region]!], play) !== undefined);
  return tally.outcome(name);
}

/** Bytes each file was played per region on the replayed day. */
export function realisedBytes(world: World): Float64Array[] {
  const out = world.regions.map(() => new Float64Array(world.fileKeys.length));
  for (const play of world.plays) out[play.region]![play.file]! += play.bytes;
  return out;
}

/** Spearman's rank correlation (average ranks for ties). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = ra.length;
  const mean = (n + 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i]! - mean) * (rb[i]! - mean);
    da += (ra[i]! - mean) ** 2;
    db += (rb[i]! - mean) ** 2;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : 0;
}

function ranks(x: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: x.length }, (_, i) => i).sort((i, j) => x[i]! - x[j]!);
  const r = new Float64Array(x.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && x[order[j + 1]!] === x[order[i]!]) j++;
    for (let k = i; k <= j; k++) r[order[k]!] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Weighted absolute error: sum |predicted - actual| over sum actual. */
export function weightedError(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  let err = 0;
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    err += Math.abs((predicted[i] ?? 0) - actual[i]!);
    sum += actual[i]!;
  }
  return sum > 0 ? err / sum : 0;
}
