import type { CatalogIndex } from './catalog-index.ts';
import { buildRing, type Ring } from './ring.ts';
import type { Appliance } from './types.ts';

export interface PlacementOptions {
  /**
   * c of consistent hashing with bounded loads: no appliance takes more than c times its
   * capacity-weighted fair share of the cluster's placed bytes or predicted traffic.
   * @defaultValue 1.25
   */
  readonly loadFactor?: number;
  /**
   * Largest fraction of an appliance's fair traffic share one copy of a file may carry; hotter
   * files get more copies (ceil(demand / (this x fair share))). @defaultValue 0.25
   */
  readonly copyTrafficShare?: number;
  /** Most copies of one file in a cluster. @defaultValue the number of active appliances */
  readonly maxCopies?: number;
  /** Bytes of capacity per ring virtual node (see {@link RingOptions}). @defaultValue 25e9 */
  readonly vnodeBytes?: number;
  /**
   * Let files that do not fit their ring position spill into room left anywhere in the
   * cluster. Gains the room the ring's imbalance leaves unused, at the price of more moves
   * when an appliance joins or leaves. @defaultValue false
   */
  readonly spill?: boolean;
  /**
   * Days a newly filled file is expected to stay. A file not yet in the cluster must pay its
   * fill from its demand: it ranks by demand per stored byte minus 1/retentionDays, a held one
   * by its demand alone. This hysteresis keeps forecast noise from churning the disks.
   * @defaultValue 7
   */
  readonly retentionDays?: number;
}

export interface ClusterPlacement {
  readonly cluster: string;
  readonly region: string;
  /** Active appliances that can take placements, in input order. */
  readonly members: readonly Appliance[];
  /** File indexes per member (same order as `members`), most valuable first. */
  readonly files: readonly (readonly number[])[];
  /** Bytes placed per member. */
  readonly bytes: Float64Array;
  /** Predicted bytes/day served per member (a file's demand split evenly over its copies). */
  readonly traffic: Float64Array;
  /** Copies per file index (0 = origin). */
  readonly copies: Uint8Array;
  /** Files with demand left at the origin because they did not fit. */
  readonly leftAtOrigin: number;
  /** Predicted bytes/day of the cluster's region share, placed or not. */
  readonly demandBytes: number;
}

/**
 * Places one cluster's files by consistent hashing with bounded loads.
 *
 * Files are taken in order of predicted demand per stored byte (the origin bytes a stored byte
 * saves). Each gets copies in proportion to its demand; the selection stops at the cluster's
 * active capacity, so what does not fit stays at the origin, least valuable first. Then each
 * copy goes to the first appliances clockwise from the key's ring position that still have
 * room under c x fair share, in bytes and in traffic: the bounded-loads rule, which keeps the
 * keys of an unchanged appliance where they were when another joins or leaves.
 */
export function placeCluster(
  appliances: readonly Appliance[],
  demand: Float64Array,
  index: CatalogIndex,
  options: PlacementOptions = {},
  /** 1 for files some up appliance of the cluster holds now. */
  held?: Uint8Array,
): ClusterPlacement {
  const c = options.loadFactor ?? 1.25;
  const members = appliances.filter((a) => a.state === 'active' && a.capacityBytes > 0);
  const n = members.length;
  const copies = new Uint8Array(index.keys.length);
  const cluster = appliances[0]?.cluster ?? '';
  const region = appliances[0]?.region ?? '';
  const order = rankByDensity(demand, index.fileBytes, held, 1 / (options.retentionDays ?? 7));
  let demandBytes = 0;
  for (const f of order) demandBytes += demand[f] ?? 0;
  if (n === 0) return { cluster, region, members, files: [], bytes: new Float64Array(0), traffic: new Float64Array(0), copies, leftAtOrigin: order.length, demandBytes };

  const capacity = members.reduce((s, a) => s + a.capacityBytes, 0);
  const maxCopies = Math.min(options.maxCopies ?? n, n, 255);
  const perCopy = ((options.copyTrafficShare ?? 0.25) * demandBytes) / n;
  // Selection: greedy by density into the whole cluster's capacity.
  const selected: number[] = [];
  let selectedBytes = 0;
  let selectedTraffic = 0;
  for (const f of order) {
    const d = demand[f] ?? 0;
    const k = Math.max(1, Math.min(maxCopies, Math.ceil(d / perCopy)));
    const size = (index.fileBytes[f] ?? 0) * k;
    if (selectedBytes + size > capacity) continue;
    copies[f] = k;
    selected.push(f);
    selectedBytes += size;
    selectedTraffic += d;
  }
  const share = members.map((a) => a.capacityBytes / capacity);
  const slot = new Map(members.map((a, j) => [a.id, j]));
  const built = buildRing(members, options.vnodeBytes === undefined ? {} : { vnodeBytes: options.vnodeBytes });
  // Each lookup hashes the key (md5); the bound's retry rounds ask again for the same keys.
  const memo = new Map<string, readonly string[]>();
  const ring: Ring = {
    members: built.members,
    preference(key, count) {
      const id = `${count}\u0000${key}`;
      let list = memo.get(id);
      if (list === undefined) memo.set(id, (list = built.preference(key, count)));
      return list;
    },
  };
  const ctx: AssignContext = { members, share, slot, ring, index, demand, selected, c, spill: options.spill === true };
  // The bound is c x fair share of what ends up placed, which is only known afterwards: files
  // that do not fit lower the mean. Tighten the traffic total until the placed result holds it.
  let totalTraffic = selectedTraffic;
  let result = assign(ctx, copies, totalTraffic, selectedBytes);
  for (let round = 0; round < 6; round++) {
    const ratio = peakRatio(result.traffic, share);
    if (ratio <= c * (1 + 1e-9)) break;
    totalTraffic *= (c / ratio) * 0.995;
    result = assign(ctx, copies, totalTraffic, selectedBytes);
  }
  const leftAtOrigin = order.length - selected.length + result.failed;
  return { cluster, region, members, files: result.files, bytes: result.bytes, traffic: result.traffic, copies: result.copies, leftAtOrigin, demandBytes };
}

interface AssignContext {
  readonly members: readonly Appliance[];
  readonly share: readonly number[];
  readonly slot: ReadonlyMap<string, number>;
  readonly ring: Ring;
  readonly index: CatalogIndex;
  readonly demand: Float64Array;
  readonly selected: readonly number[];
  readonly c: number;
  readonly spill: boolean;
}

interface Assignment {
  readonly files: number[][];
  readonly bytes: Float64Array;
  readonly traffic: Float64Array;
  readonly copies: Uint8Array;
  readonly failed: number;
}

function assign(ctx: AssignContext, wanted: Uint8Array, totalTraffic: number, totalBytes: number): Assignment {
  const { members, share, slot, ring, index, demand, selected, c } = ctx;
  const n = members.length;
  const copies = wanted.slice();
  const files: number[][] = members.map(() => []);
  const bytes = new Float64Array(n);
  const traffic = new Float64Array(n);
  const byteCap = share.map((s, j) => Math.min(members[j]!.capacityBytes, c * s * totalBytes));
  const trafficCap = share.map((s) => c * s * totalTraffic);
  let failed = 0;
  const place = (f: number, chosen: readonly number[], load: number, size: number): void => {
    for (const j of chosen) {
      files[j]!.push(f);
      bytes[j] = bytes[j]! + size;
      traffic[j] = traffic[j]! + load;
    }
  };
  // Pass 1: copies go clockwise past appliances at their traffic bound (bounded loads), but
  // stop at one that is out of bytes. Walking on past full disks would make every appliance
  // that fills up early (say, one that inherited a departed peer's keys) push its later keys
  // onto the next, which pushes its own: a cascade that moves far more than 1/N.
  const deferred: number[] = [];
  for (const f of selected) {
    const k = copies[f] ?? 1;
    const size = index.fileBytes[f] ?? 0;
    const load = (demand[f] ?? 0) / k;
    const chosen = pick(ring, index.keys[f]!, k, n, slot, (j) => {
      if (bytes[j]! + size > byteCap[j]!) return 'stop';
      return traffic[j]! + load <= trafficCap[j]! ? 'take' : 'skip';
    });
    if (chosen.length === k) place(f, chosen, load, size);
    else deferred.push(f);
  }
  // Pass 2 (spill): what pass 1 left, most valuable first, into room left anywhere.
  for (const f of deferred) {
    const k = copies[f] ?? 1;
    const size = index.fileBytes[f] ?? 0;
    const load = (demand[f] ?? 0) / k;
    const chosen = ctx.spill
      ? pick(ring, index.keys[f]!, k, n, slot, (j) => (bytes[j]! + size <= byteCap[j]! && traffic[j]! + load <= trafficCap[j]! ? 'take' : 'skip'))
      : [];
    if (chosen.length === k) {
      place(f, chosen, load, size);
    } else {
      // Fewer copies than the demand needs would overload them: the file stays at the origin.
      copies[f] = 0;
      failed++;
    }
  }
  return { files, bytes, traffic, copies, failed };
}

/** Max over members of load per capacity share, over the mean (1 = proportional). */
function peakRatio(load: Float64Array, share: readonly number[]): number {
  let total = 0;
  for (const v of load) total += v;
  if (total <= 0) return 1;
  let peak = 0;
  share.forEach((s, j) => (peak = Math.max(peak, (load[j] ?? 0) / total / s)));
  return peak;
}

/**
 * The first k members with room in ring order from the key. Asks the ring for a few members
 * first and only for all of them when those are full: most lookups stop early, and a full
 * walk over a cluster's ring costs about members x ln(members) points.
 */
function pick(
  ring: Ring,
  key: string,
  k: number,
  n: number,
  slot: ReadonlyMap<string, number>,
  verdict: (j: number) => 'take' | 'skip' | 'stop',
): number[] {
  const short = Math.min(n, k + 2);
  for (const count of short === n ? [n] : [short, n]) {
    const chosen: number[] = [];
    const members = ring.preference(key, count);
    for (const id of members) {
      const j = slot.get(id)!;
      const v = verdict(j);
      if (v === 'stop') return chosen;
      if (v === 'take') chosen.push(j);
      if (chosen.length === k) return chosen;
    }
    if (members.length === n) return chosen;
  }
  return [];
}

/**
 * File indexes with positive demand, by demand per byte descending (ties by index); files not
 * `held` pay `fillPenalty` (per day) off their density.
 */
export function rankByDensity(demand: Float64Array, fileBytes: Float64Array, held?: Uint8Array, fillPenalty = 0): number[] {
  const idx: number[] = [];
  for (let f = 0; f < demand.length; f++) if ((demand[f] ?? 0) > 0) idx.push(f);
  const density = new Float64Array(demand.length);
  for (const f of idx) density[f] = demand[f]! / fileBytes[f]! - (held === undefined || held[f] === 1 ? 0 : fillPenalty);
  return idx.sort((a, b) => density[b]! - density[a]! || a - b);
}
