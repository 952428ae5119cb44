import type { DemandHistory, RegionHistory } from '../demand.ts';
import type { ClusterPlacement, PlacementOptions } from '../placement.ts';
import { planFromHistory, type PlanDetail } from '../plan.ts';
import { exponentialSmoothingModel, type PopularityModel } from '../predict.ts';
import { buildRing } from '../ring.ts';
import { peakToMean } from '../stats.ts';
import { avalanche32, pickWeighted } from '../steer.ts';
import { holdersByFile } from '../shares.ts';
import type { Appliance, Holdings, Plan } from '../types.ts';
import { LruCache, oracleServedBytes, plainPlacement } from './baselines.ts';
import { spearman } from './judge.ts';
import { membershipChurn, type MembershipChurn } from './churn.ts';
import { createScenario, expectedFileBytes, forEachRequest, type Scenario, type TraceOptions } from './trace.ts';
import { DAY_MS, HOUR_MS } from '../units.ts';

export interface SimulationOptions extends TraceOptions, PlacementOptions {
  /** Popularity model under test. @defaultValue exponentialSmoothingModel() */
  readonly model?: PopularityModel;
}

/** Figures for one strategy over the replayed days. */
export interface StrategyResult {
  /** Bytes served by appliances over all bytes requested. */
  readonly offload: number;
  /**
   * Bytes the origin served to players while they watched (misses), the figure the issue's
   * "origin traffic" compares: it is what loads the origin and transit at peak.
   */
  readonly originBytes: number;
  /**
   * Bytes copied from the origin to appliances by planned fills, off-peak inside fill windows
   * under a bandwidth cap. Not serving traffic, reported beside it. 0 for pull-through
   * strategies, whose fills are their misses.
   */
  readonly fillOriginBytes: number;
  /** Worst cluster-day of served bytes per capacity share, max over mean. */
  readonly peakToMeanLoad: number;
  /** Mean over cluster-days of the same ratio. */
  readonly meanPeakToMeanLoad: number;
}

export interface SimulationReport {
  readonly scenario: {
    readonly titles: number;
    readonly files: number;
    readonly regions: number;
    readonly appliances: number;
    readonly historyDays: number;
    readonly evalDays: number;
    readonly requests: number;
    readonly requestedBytes: number;
  };
  readonly planner: StrategyResult & {
    readonly predictedPeakToMeanLoad: number;
    readonly planMs: readonly number[];
    /** CPU time of each timed plan, ms, when a CPU clock was given (one core: the planner is single-threaded). */
    readonly planCpuMs: readonly number[];
    /** Bytes filled from peers of the cluster (not from the origin). */
    readonly fillPeerBytes: number;
  };
  readonly lru: StrategyResult & {
    /**
     * What the LRU's misses cost if counted as the whole files it admits. The cache stores a
     * whole file on a miss while the play that missed watched only part of it; `originBytes`
     * counts only the watched part, which is generous to LRU (it keeps bytes it never paid for).
     */
    readonly wholeFileOriginBytes: number;
  };
  readonly plainHashing: StrategyResult;
  readonly oracle: { readonly offload: number; readonly originBytes: number };
  /** Mean over regions and replayed days of Spearman's rho, predicted vs actual per file. */
  readonly spearman: number;
  /** Fraction of placements that move when one appliance joins or leaves a cluster (mean over clusters). */
  readonly moved: MembershipChurn;
}

interface Tally {
  served: number;
  origin: number;
  fillOrigin: number;
  ratios: number[];
}

/** Clocks for timing the planning step; injected so the simulation itself stays pure. */
export interface PlanClocks {
  /** Wall clock, ms. */
  readonly wall: () => number;
  /** CPU time of this process, ms. */
  readonly cpu?: () => number;
}

/**
 * Generates a trace, plans each replayed day from the days before it (the previous plan's
 * placements are the holdings), replays the day against the plan and the baselines, and
 * reports. Deterministic for a seed. `now` is injected only to time the planning step.
 */
export function simulate(options: SimulationOptions = {}, clocks: PlanClocks | (() => number) = () => 0): SimulationReport {
  const now = typeof clocks === 'function' ? clocks : clocks.wall;
  const cpuNow = typeof clocks === 'function' ? undefined : clocks.cpu;
  const s = createScenario(options);
  const o = s.options;
  const { index } = s;
  const H = o.historyDays;
  const D = H + o.evalDays;
  const T = index.titleIds.length;
  const F = index.keys.length;
  const model = options.model ?? exponentialSmoothingModel();
  const clusters = s.regions.map((region) => s.appliances.filter((a) => a.region === region));
  const daily = s.regions.map(() => new Float32Array(T * D));
  const hourly = s.regions.map(() => new Float64Array(24));
  const fileKeyed = new Float64Array(F);
  const titleKeyed = new Float64Array(T);
  const owners = clusters.map((members) => ringOwners(members, s));
  const lru = clusters.map((members) => members.map((a) => new LruCache(a.capacityBytes)));
  const ours: Tally = { served: 0, origin: 0, fillOrigin: 0, ratios: [] };
  const lruT: Tally = { served: 0, origin: 0, fillOrigin: 0, ratios: [] };
  const plainT: Tally = { served: 0, origin: 0, fillOrigin: 0, ratios: [] };
  let oracleServed = 0;
  let total = 0;
  let requests = 0;
  const rhos: number[] = [];
  const predictedRatios: number[] = [];
  const planMs: number[] = [];
  const planCpuMs: number[] = [];
  let fillPeer = 0;
  let lruWholeFile = 0;
  let holdings: Holdings = {};
  /** What the appliances held when today's plan was made: those files serve from 00:00. */
  let heldBefore: Holdings = {};
  let detail: PlanDetail | undefined;
  const keyIndex = new Map(index.keys.map((k, f) => [k, f]));
  for (let d = 0; d < D; d++) {
    const evaluating = d >= H;
    if (d >= H - 1) {
      const days = Math.min(d, H);
      const t0 = now();
      const c0 = cpuNow?.() ?? 0;
      detail = planFromHistory(
        {
          appliances: s.appliances,
          index,
          history: historyWindow(s, daily, hourly, fileKeyed, titleKeyed, d, days, D),
          holdings,
          atMs: s.startMs + d * DAY_MS,
        },
        { ...options, model },
      );
      if (evaluating) {
        planMs.push(now() - t0);
        if (cpuNow !== undefined) planCpuMs.push(cpuNow() - c0);
      }
      heldBefore = holdings;
      holdings = detail.plan.placements;
      if (evaluating) {
        for (const f of detail.plan.fills) {
          if (f.source === 'origin') ours.fillOrigin += f.bytes;
          else fillPeer += f.bytes;
        }
        for (const c of detail.plan.stats.clusters) predictedRatios.push(c.peakToMeanLoad);
      }
    }
    const plainHeld = evaluating
      ? owners.map((own, r) =>
          plainPlacement(
            own,
            index,
            clusters[r]!.map((a) => a.capacityBytes),
            s.startMs + (d + 1) * DAY_MS,
          ),
        )
      : [];
    s.regions.forEach((region, r) => {
      const members = clusters[r]!;
      const caches = lru[r]!;
      const own = owners[r]!;
      const cells = daily[r]!;
      const hours = hourly[r]!;
      const actual = evaluating ? new Float64Array(F) : undefined;
      const c = evaluating ? detail!.clusters.findIndex((x) => x.region === region) : -1;
      const placement = c >= 0 ? detail!.clusters[c] : undefined;
      const shares = c >= 0 ? detail!.shares[c]!.byFile : undefined;
      const holders = placement === undefined ? undefined : holdersByFile(placement);
      const ready = placement === undefined ? undefined : readiness(placement, detail!.plan.fills, heldBefore, keyIndex, F);
      const dayStartMs = s.startMs + d * DAY_MS;
      const oursLoad = new Float64Array(members.length);
      const lruLoad = new Float64Array(members.length);
      const plainLoad = new Float64Array(members.length);
      forEachRequest(s, r, d, (f, bytes, hour) => {
        const t = index.fileTitle[f]!;
        cells[t * D + d] = cells[t * D + d]! + bytes;
        hours[hour] = hours[hour]! + bytes;
        fileKeyed[f] = fileKeyed[f]! + bytes;
        titleKeyed[t] = titleKeyed[t]! + bytes;
        const j = own[f]!;
        const hit = caches[j]!.access(f, index.fileBytes[f]!);
        if (actual === undefined || holders === undefined) return;
        requests++;
        total += bytes;
        actual[f] = actual[f]! + bytes;
        if (hit) {
          lruT.served += bytes;
          lruLoad[j] = lruLoad[j]! + bytes;
        } else {
          lruT.origin += bytes;
          lruWholeFile += index.fileBytes[f]!;
        }
        const k = plainHeld[r]![f]!;
        if (k >= 0) {
          plainT.served += bytes;
          plainLoad[k] = plainLoad[k]! + bytes;
        } else plainT.origin += bytes;
        // Steering as production does it (steer.ts): among the holders that have the file by
        // now (a new placement serves only once its off-peak fill has ended), one picked by a
        // hash of the session weighted by the plan's traffic shares, blind to actual load.
        const requestMs = dayStartMs + (hour + 0.5) * HOUR_MS;
        const all = holders.get(f) ?? [];
        const candidates = all.filter((h) => ready!(h, f, requestMs));
        if (candidates.length === 0) {
          ours.origin += bytes;
          return;
        }
        const split = shares!.get(f);
        const weights = candidates.map((h) => (split === undefined ? 1 : (split.shares[split.holders.indexOf(h)] ?? 0)));
        const best = candidates[pickWeighted(weights, (k) => sessionHash(requests, candidates[k]!))]!;
        oursLoad[best] = oursLoad[best]! + bytes;
        ours.served += bytes;
      });
      if (actual === undefined || placement === undefined) return;
      ours.ratios.push(peakToMean(oursLoad, placement.members));
      lruT.ratios.push(peakToMean(lruLoad, members));
      plainT.ratios.push(peakToMean(plainLoad, members));
      oracleServed += oracleServedBytes(
        expectedFileBytes(s, r, d),
        actual,
        index,
        members.reduce((x, a) => x + a.capacityBytes, 0),
      );
      rhos.push(rankCorrelation(detail!.forecast.regions.get(region)!.fileDemand, actual, s, d));
    });
  }
  const result = (t: Tally): StrategyResult => ({
    offload: t.served / total,
    originBytes: t.origin,
    fillOriginBytes: t.fillOrigin,
    peakToMeanLoad: Math.max(...t.ratios),
    meanPeakToMeanLoad: t.ratios.reduce((a, b) => a + b, 0) / t.ratios.length,
  });
  return {
    scenario: {
      titles: T,
      files: F,
      regions: o.regions,
      appliances: s.appliances.length,
      historyDays: H,
      evalDays: o.evalDays,
      requests,
      requestedBytes: total,
    },
    planner: { ...result(ours), predictedPeakToMeanLoad: Math.max(...predictedRatios), planMs, planCpuMs, fillPeerBytes: fillPeer },
    lru: { ...result(lruT), wholeFileOriginBytes: lruWholeFile },
    plainHashing: result(plainT),
    oracle: { offload: oracleServed / total, originBytes: total - oracleServed },
    spearman: rhos.reduce((a, b) => a + b, 0) / rhos.length,
    moved: membershipChurn(s, clusters, detail!, options),
  };
}

/** The history the planner sees at the start of day d: the `days` days before it. */
function historyWindow(
  s: Scenario,
  daily: Float32Array[],
  hourly: Float64Array[],
  fileKeyed: Float64Array,
  titleKeyed: Float64Array,
  d: number,
  days: number,
  D: number,
): DemandHistory {
  const T = s.index.titleIds.length;
  const regions = new Map<string, RegionHistory>();
  s.regions.forEach((name, r) => {
    const src = daily[r]!;
    const titleDaily = new Float32Array(T * days);
    for (let t = 0; t < T; t++) titleDaily.set(src.subarray(t * D + d - days, t * D + d), t * days);
    regions.set(name, { titleDaily, hourly: hourly[r]!.slice() });
  });
  return {
    days,
    endMs: s.startMs + d * DAY_MS,
    regions,
    fileKeyedBytes: fileKeyed.slice(),
    titleKeyedBytes: titleKeyed.slice(),
    ignoredRecords: 0,
  };
}

function ringOwners(members: readonly Appliance[], s: Scenario): Int32Array {
  const ring = buildRing(members);
  const slot = new Map(members.map((a, j) => [a.id, j]));
  return Int32Array.from(s.index.keys, (key) => slot.get(ring.preference(key, 1)[0]!)!);
}

/** A 32-bit hash of (request, holder), avalanched (murmur3 fmix32): rendezvous needs independent draws per holder. */
function sessionHash(request: number, holder: number): number {
  return avalanche32(Math.imul(request, 0x9e3779b1) ^ Math.imul(holder + 1, 0x85ebca6b));
}

/**
 * When member j of a cluster can serve file f: from the end of its fill when the plan fills it
 * there, from the start of the day when it already held f, never when the plan placed f there
 * but scheduled no fill (dropped past the fill horizon).
 */
export function readiness(
  p: ClusterPlacement,
  fills: Plan['fills'],
  heldBefore: Holdings,
  keyIndex: ReadonlyMap<string, number>,
  files: number,
): (j: number, f: number, atMs: number) => boolean {
  const slot = new Map(p.members.map((a, j) => [a.id, j]));
  const fillEndMs = new Map<number, number>();
  for (const fill of fills) {
    const j = slot.get(fill.applianceId);
    const f = keyIndex.get(fill.key);
    if (j !== undefined && f !== undefined) fillEndMs.set(j * files + f, Date.parse(fill.endAt));
  }
  const held = new Set<number>();
  p.members.forEach((a, j) => {
    for (const key of heldBefore[a.id] ?? []) {
      const f = keyIndex.get(key);
      if (f !== undefined) held.add(j * files + f);
    }
  });
  return (j, f, atMs) => {
    const end = fillEndMs.get(j * files + f);
    return end === undefined ? held.has(j * files + f) : end <= atMs;
  };
}

/** Spearman over the files playable on day d. */
function rankCorrelation(predicted: Float64Array, actual: Float64Array, s: Scenario, d: number): number {
  const end = s.startMs + (d + 1) * DAY_MS;
  const p: number[] = [];
  const a: number[] = [];
  for (let f = 0; f < actual.length; f++) {
    if (s.index.releasedAtMs[s.index.fileTitle[f]!]! >= end) continue;
    p.push(predicted[f]!);
    a.push(actual[f]!);
  }
  return spearman(p, a);
}
