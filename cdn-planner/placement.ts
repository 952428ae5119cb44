import type { CatalogIndex } from './catalog-index.ts';
import { buildRing, hashKeys, type Ring } from './ring.ts';
import type { Appliance } from './types.ts';

/** c of bounded loads when the caller names none (see {@link PlacementOptions.loadFactor}). */
export const DEFAULT_LOAD_FACTOR = 1.25;

export interface PlacementOptions {
  /**
   * c of consistent hashing with bounded loads: no appliance takes more than c times its
   * capacity-weighted fair share of the cluster's placed bytes, nor predicted peak-hour
   * traffic beyond its `serveGbps` over c (headroom for forecast error). @defaultValue 1.25
   */
  readonly loadFactor?: number;
  /** Most copies of one file in a cluster. @defaultValue the number of active appliances */
  readonly maxCopies?: number;
  /** Bytes of capacity per ring virtual node (see {@link RingOptions}). @defaultValue 1e10 */
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
  /**
   * Predicted bytes/day one copy may serve ({@link perCopyDailyBytes}); Infinity when an
   * active appliance has no `serveGbps`, and every file then has one copy.
   */
  readonly perCopyBytes: number;
  /** Files with demand left at the origin because they did not fit. */
  readonly leftAtOrigin: number;
  /** Predicted bytes/day of the cluster's region share, placed or not. */
  readonly demandBytes: number;
}

/**
 * Places one cluster's files by consistent hashing with bounded loads.
 *
 * Files are taken in order of predicted demand per stored byte (the origin bytes a stored byte
 * saves). Each gets the copies its peak-hour traffic needs ({@link copiesNeeded}): one, unless
 * one appliance could not serve it; the selection stops at the cluster's active capacity, so
 * what does not fit stays at the origin, least valuable first. A copy of a file one appliance
 * can serve would only take the disk of a file that would have served traffic. Then each
 * copy goes to the first appliances clockwise from the key's ring position that still have
 * room: in bytes under c x fair share (the bounded-loads rule, which keeps the keys of an
 * unchanged appliance where they were when another joins or leaves), and in traffic under what
 * the appliance streams at the peak hour over c, when its `serveGbps` is known.
 *
 * A copy an active appliance holds now stays there while that appliance has room under both
 * bounds: the ring decides where new copies go, not where existing ones must move to, so a
 * plan never refills a file elsewhere just because the ring changed.
 */
export function placeCluster(
  appliances: readonly Appliance[],
  demand: Float64Array,
  index: CatalogIndex,
  options: PlacementOptions = {},
  current: CurrentHoldings = {},
): ClusterPlacement {
  const { held, holders } = current;
  const keyHashes = current.keyHashes ?? hashKeys(index.keys);
  const c = options.loadFactor ?? DEFAULT_LOAD_FACTOR;
  const members = appliances.filter((a) => a.state === 'active' && a.capacityBytes > 0);
  const n = members.length;
  const copies = new Uint8Array(index.keys.length);
  const cluster = appliances[0]?.cluster ?? '';
  const region = appliances[0]?.region ?? '';
  const order = rankByDensity(demand, index.fileBytes, held, 1 / (options.retentionDays ?? 7));
  let demandBytes = 0;
  for (const f of order) demandBytes += demand[f]!;
  if (n === 0)
    return {
      cluster,
      region,
      members,
      files: [],
      bytes: new Float64Array(0),
      traffic: new Float64Array(0),
      copies,
      perCopyBytes: Number.POSITIVE_INFINITY,
      leftAtOrigin: order.length,
      demandBytes,
    };

  const capacity = members.reduce((s, a) => s + a.capacityBytes, 0);
  const maxCopies = Math.min(options.maxCopies ?? n, n, 255);
  const perCopy = perCopyDailyBytes(members, c, current.peakFactor ?? 1);
  // Selection: greedy by density into the whole cluster's capacity.
  const selected: number[] = [];
  let selectedBytes = 0;
  for (const f of order) {
    const d = demand[f]!;
    const k = copiesNeeded(d, perCopy, maxCopies);
    const size = index.fileBytes[f]! * k;
    if (selectedBytes + size > capacity) continue;
    copies[f] = k;
    selected.push(f);
    selectedBytes += size;
  }
  const share = Float64Array.from(members, (a) => a.capacityBytes / capacity);
  // An appliance's traffic is bounded by what it can stream at the peak hour, with the load
  // factor's headroom. A bound of c x fair share of the predicted total would keep a file
  // hotter than that (a release) off every appliance, since one copy is all it gets without
  // serving capacities, and leave the disk it would have used empty: without them, traffic is
  // not bounded (the plan's peak/mean load reports where it lands), bytes still are.
  const servingCap = Number.isFinite(perCopy)
    ? Float64Array.from(members, (a) => servingDailyBytes(a, c, current.peakFactor ?? 1))
    : new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const ring = buildRing(members, options.vnodeBytes === undefined ? {} : { vnodeBytes: options.vnodeBytes });
  // Each selected key's ring position, found once: the bound's retry rounds walk from it again.
  const start = Int32Array.from(selected, (f) => ring.position(keyHashes[f]!));
  const slot = new Map(members.map((a, j) => [a.id, j]));
  const sticky = selected.map((f) => (holders?.get(f) ?? []).map((id) => slot.get(id)).filter((j): j is number => j !== undefined));
  const ctx: AssignContext = { members, share, servingCap, ring, start, sticky, index, demand, selected, c, spill: options.spill === true };
  // The byte bound is c x fair share of what ends up placed, which is only known afterwards:
  // files that do not fit lower the mean. Tighten the byte total until the placed result holds it.
  let totalBytes = selectedBytes;
  let result = assign(ctx, copies, totalBytes);
  for (let round = 0; round < 6; round++) {
    const bytesRatio = peakRatio(result.bytes, share);
    if (bytesRatio <= c * (1 + 1e-9)) break;
    totalBytes *= (c / bytesRatio) * 0.995;
    result = assign(ctx, copies, totalBytes);
  }
  const leftAtOrigin = order.length - selected.length + result.failed;
  return {
    cluster,
    region,
    members,
    files: result.files,
    bytes: result.bytes,
    traffic: result.traffic,
    copies: result.copies,
    perCopyBytes: perCopy,
    leftAtOrigin,
    demandBytes,
  };
}

/**
 * What an appliance's fair share of a cluster's traffic is in proportion to: what it can
 * stream (`serveGbps`) when every member says, else its disk, as before serving capacities.
 */
export function trafficWeight(members: readonly Appliance[]): (a: Appliance) => number {
  return members.length > 0 && members.every((a) => a.serveGbps !== undefined) ? (a) => a.serveGbps ?? 0 : (a) => a.capacityBytes;
}

const BYTES_PER_DAY_PER_GBPS = (1e9 / 8) * 86_400;

/**
 * Predicted bytes/day one copy of a file may serve: what the cluster's mean appliance streams
 * at its peak (`serveGbps`) over the load factor (headroom for forecast error, as the bounded
 * loads keep), spread over a day whose busiest hour carries `peakFactor` times the mean hour's
 * traffic. The mean, not the smallest appliance: steering splits a file's traffic between its
 * copies by what each holder can take. Infinity when an active appliance has no `serveGbps`:
 * without a serving capacity nothing says one copy is not enough.
 */
export function perCopyDailyBytes(members: readonly Appliance[], loadFactor: number, peakFactor: number): number {
  if (members.length === 0 || members.some((a) => a.serveGbps === undefined)) return Number.POSITIVE_INFINITY;
  const meanGbps = members.reduce((sum, a) => sum + (a.serveGbps ?? 0), 0) / members.length;
  return servingDailyBytes({ serveGbps: meanGbps }, loadFactor, peakFactor);
}

/** Predicted bytes/day an appliance may serve: its `serveGbps` at the peak hour, over the load factor. */
export function servingDailyBytes(a: Pick<Appliance, 'serveGbps'>, loadFactor: number, peakFactor: number): number {
  return (((a.serveGbps ?? 0) / loadFactor) * BYTES_PER_DAY_PER_GBPS) / Math.max(1, peakFactor);
}

/** Copies a file with `demand` predicted bytes/day needs when one may serve `perCopy`: at least one, at most `maxCopies`. */
export function copiesNeeded(demand: number, perCopy: number, maxCopies: number): number {
  return Math.max(1, Math.min(maxCopies, Math.ceil(demand / perCopy)));
}

/** What the cluster holds now, and work a plan shares between its clusters. */
export interface CurrentHoldings {
  /** 1 for files some up appliance of the cluster holds now (they pay no fill penalty). */
  readonly held?: Uint8Array;
  /** Per file index, the ids of the cluster's appliances holding it now. */
  readonly holders?: ReadonlyMap<number, readonly string[]>;
  /** {@link hashKeys} of the catalog, so a plan hashes it once for all its clusters. */
  readonly keyHashes?: Uint32Array;
  /** The region's busiest hour over its mean hour (the forecast's `peakFactor`). @defaultValue 1 */
  readonly peakFactor?: number;
}

interface AssignContext {
  readonly members: readonly Appliance[];
  /** Fair share of the placed bytes per member (by disk). */
  readonly share: Float64Array;
  /** Predicted bytes/day each member may serve ({@link servingDailyBytes}); Infinity without `serveGbps`. */
  readonly servingCap: Float64Array;
  readonly ring: Ring;
  /** Ring position of `selected[i]`. */
  readonly start: Int32Array;
  /** Member slots holding `selected[i]` now. */
  readonly sticky: readonly (readonly number[])[];
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

const TAKE = 0;
const SKIP = 1;
const STOP = 2;

function assign(ctx: AssignContext, wanted: Uint8Array, totalBytes: number): Assignment {
  const { members, share, ring, start, sticky, index, demand, selected, c } = ctx;
  const n = members.length;
  const copies = wanted.slice();
  const files: number[][] = members.map(() => []);
  const bytes = new Float64Array(n);
  const traffic = new Float64Array(n);
  const byteCap = Float64Array.from(share, (s, j) => Math.min(members[j]!.capacityBytes, c * s * totalBytes));
  const trafficCap = ctx.servingCap;
  const chosen = new Int32Array(n);
  // Per-walk visit marks: stamp[j] === walk id means member j was already seen on this walk.
  const stamp = new Int32Array(n).fill(-1);
  let walk = 0;
  let failed = 0;
  const { points, owners } = ring;
  /**
   * Current holders of the file with room first, then the first members in ring order from
   * position p that the verdict takes, up to k; returns the count found.
   */
  const pick = (p: number, k: number, holders: readonly number[], verdict: (j: number) => number): number => {
    walk++;
    let found = 0;
    let distinct = 0;
    for (const j of holders) {
      if (found === k) return found;
      if (keeps(j) !== TAKE) continue;
      stamp[j] = walk;
      distinct++;
      chosen[found++] = j;
    }
    if (found === k) return found;
    for (let i = p, steps = 0; steps < points.length && distinct < n; steps++, i = i + 1 === points.length ? 0 : i + 1) {
      const j = owners[i]!;
      if (stamp[j] === walk) continue;
      stamp[j] = walk;
      distinct++;
      const v = verdict(j);
      if (v === STOP) return found;
      if (v === TAKE) {
        chosen[found++] = j;
        if (found === k) return found;
      }
    }
    return found;
  };
  const place = (f: number, k: number, load: number, size: number): void => {
    for (let i = 0; i < k; i++) {
      const j = chosen[i]!;
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
  let size = 0;
  let load = 0;
  const bounded = (j: number): number => (bytes[j]! + size > byteCap[j]! ? STOP : traffic[j]! + load <= trafficCap[j]! ? TAKE : SKIP);
  const anywhere = (j: number): number => (bytes[j]! + size <= byteCap[j]! && traffic[j]! + load <= trafficCap[j]! ? TAKE : SKIP);
  // A holder keeps what it holds while its disk has room: keeping costs no fill, and the byte
  // bound balances fills, so it never moves a held file (a fill elsewhere, and a delete here).
  const keeps = (j: number): number =>
    bytes[j]! + size <= members[j]!.capacityBytes && traffic[j]! + load <= trafficCap[j]! ? TAKE : SKIP;
  for (let i = 0; i < selected.length; i++) {
    const f = selected[i]!;
    const k = copies[f]!;
    size = index.fileBytes[f]!;
    load = demand[f]! / k;
    if (pick(start[i]!, k, sticky[i]!, bounded) === k) place(f, k, load, size);
    else deferred.push(i);
  }
  // Pass 2 (spill): what pass 1 left, most valuable first, into room left anywhere.
  for (const i of deferred) {
    const f = selected[i]!;
    const k = copies[f]!;
    size = index.fileBytes[f]!;
    load = demand[f]! / k;
    if (ctx.spill && pick(start[i]!, k, sticky[i]!, anywhere) === k) {
      place(f, k, load, size);
    } else {
      // Fewer copies than the demand needs would overload them: the file stays at the origin.
      copies[f] = 0;
      failed++;
    }
  }
  return { files, bytes, traffic, copies, failed };
}

/** Max over members of load per capacity share, over the mean (1 = proportional). */
function peakRatio(load: Float64Array, share: Float64Array): number {
  let total = 0;
  for (const v of load) total += v;
  if (total <= 0) return 1;
  let peak = 0;
  for (let j = 0; j < share.length; j++) peak = Math.max(peak, load[j]! / total / share[j]!);
  return peak;
}

/**
 * File indexes with positive demand, by demand per byte descending (ties by index); files not
 * `held` pay `fillPenalty` (per day) off their density.
 *
 * A comparator sort of 160,000 indexes per cluster dominated planning time, so each density is
 * reduced to its float32 bits, flipped so that unsigned order is descending density, and the
 * indexes are radix-sorted on them (two stable 16-bit passes). Densities equal to float32
 * precision (1 part in 10^7) tie and keep index order.
 */
export function rankByDensity(demand: Float64Array, fileBytes: Float64Array, held?: Uint8Array, fillPenalty = 0): number[] {
  const n = demand.length;
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  const keys = new Uint32Array(n);
  const idx = new Uint32Array(n);
  let m = 0;
  for (let f = 0; f < n; f++) {
    if (!(demand[f]! > 0)) continue;
    f32[0] = demand[f]! / fileBytes[f]! - (held === undefined || held[f] === 1 ? 0 : fillPenalty);
    const bits = u32[0]!;
    // Positive floats: larger bits, larger value, so flip them; negative: larger bits, smaller value.
    keys[m] = bits & 0x80000000 ? bits : 0x7fffffff - bits;
    idx[m++] = f;
  }
  const tmpKeys = new Uint32Array(m);
  const tmpIdx = new Uint32Array(m);
  radixPass(keys, idx, tmpKeys, tmpIdx, m, 0);
  radixPass(tmpKeys, tmpIdx, keys, idx, m, 16);
  return Array.from(idx.subarray(0, m));
}

/** One stable counting-sort pass on 16 bits of `keys` from `shift`, carrying `idx`. */
function radixPass(keys: Uint32Array, idx: Uint32Array, outKeys: Uint32Array, outIdx: Uint32Array, m: number, shift: number): void {
  const count = new Uint32Array(65537);
  for (let i = 0; i < m; i++) {
    const b = ((keys[i]! >>> shift) & 0xffff) + 1;
    count[b] = count[b]! + 1;
  }
  for (let b = 1; b <= 65536; b++) count[b] = count[b]! + count[b - 1]!;
  for (let i = 0; i < m; i++) {
    const b = (keys[i]! >>> shift) & 0xffff;
    const at = count[b]!;
    count[b] = at + 1;
    outKeys[at] = keys[i]!;
    outIdx[at] = idx[i]!;
  }
}
