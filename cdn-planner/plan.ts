import { indexCatalog, type CatalogIndex } from './catalog-index.ts';
import { aggregateViews, type DemandHistory } from './demand.ts';
import { DEFAULT_LOAD_FACTOR, placeCluster, type ClusterPlacement, type PlacementOptions } from './placement.ts';
import { exponentialSmoothingModel, type Forecast, type PopularityModel } from './predict.ts';
import { hashKeys } from './ring.ts';
import { scheduleFills, type ApplianceTarget } from './schedule.ts';
import { clusterStats } from './stats.ts';
import { levelTraffic, type TrafficShares } from './shares.ts';
import type { Appliance, CatalogTitle, Holdings, Plan, ViewRecord } from './types.ts';

export interface PlanOptions extends PlacementOptions {
  /** Popularity model. @defaultValue exponentialSmoothingModel() */
  readonly model?: PopularityModel;
  /** Days of view history before `at` that the model sees. @defaultValue 28 */
  readonly historyDays?: number;
  /** Days after `at` within which fills must start. @defaultValue 14 */
  readonly horizonDays?: number;
}

/** Validated inputs (see validate.ts). */
export interface PlanInput {
  readonly appliances: readonly Appliance[];
  readonly catalog: readonly CatalogTitle[];
  readonly views: Iterable<ViewRecord>;
  readonly holdings?: Holdings;
  /** Plan instant, ISO-8601: history ends and fills may start here. */
  readonly at: string;
}

/** Everything a plan was computed from, for the simulator and for explaining a plan. */
export interface PlanDetail {
  readonly plan: Plan;
  readonly forecast: Forecast;
  readonly clusters: readonly ClusterPlacement[];
  /** Per cluster (same order): how replicated files' traffic is split between their copies. */
  readonly shares: readonly TrafficShares[];
}

export function planFill(input: PlanInput, options: PlanOptions = {}): Plan {
  const index = indexCatalog(input.catalog);
  const atMs = Date.parse(input.at);
  const history = aggregateViews(input.views, index, { endMs: atMs, days: options.historyDays ?? 28 });
  return planFromHistory({ appliances: input.appliances, index, history, holdings: input.holdings ?? {}, atMs }, options).plan;
}

export interface HistoryPlanInput {
  readonly appliances: readonly Appliance[];
  readonly index: CatalogIndex;
  /** History ending at `atMs`. */
  readonly history: DemandHistory;
  readonly holdings: Holdings;
  readonly atMs: number;
}

/** Forecast, place every cluster, diff and schedule. Pure. */
export function planFromHistory(input: HistoryPlanInput, options: PlanOptions = {}): PlanDetail {
  const { appliances, index, history, holdings, atMs } = input;
  const model = options.model ?? exponentialSmoothingModel();
  const byCluster = groupBy(appliances, (a) => a.cluster);
  const regions = [...new Set(appliances.map((a) => a.region))].sort();
  const forecast = model.forecast(history, index, regions);
  // A region served by several clusters splits its demand by their active capacity.
  const regionCapacity = new Map<string, number>();
  for (const a of appliances) if (a.state === 'active') regionCapacity.set(a.region, (regionCapacity.get(a.region) ?? 0) + a.capacityBytes);
  const clusters: ClusterPlacement[] = [];
  const keyHashes = hashKeys(index.keys);
  /** Per cluster (same order as `clusters`): its share of the region's predicted demand. */
  const demands: Float64Array[] = [];
  for (const members of byCluster.values()) {
    const region = members[0]!.region;
    const demand = forecast.regions.get(region)!.fileDemand;
    const active = members.reduce((s, a) => s + (a.state === 'active' ? a.capacityBytes : 0), 0);
    const share = active / (regionCapacity.get(region) || 1);
    const held = new Uint8Array(index.keys.length);
    const holders = new Map<number, string[]>();
    for (const a of members) {
      if (a.state === 'down') continue;
      for (const key of holdings[a.id] ?? []) {
        const f = index.keyIndex.get(key);
        if (f === undefined) continue;
        held[f] = 1;
        const list = holders.get(f);
        if (list === undefined) holders.set(f, [a.id]);
        else list.push(a.id);
      }
    }
    const own = share === 1 ? demand : demand.map((d) => d * share);
    demands.push(own);
    const peakFactor = forecast.regions.get(region)!.peakFactor;
    clusters.push(placeCluster(members, own, index, options, { held, holders, keyHashes, peakFactor }));
  }
  const shares = clusters.map((p, c) => levelTraffic(p, demands[c]!));
  const targets: ApplianceTarget[] = [];
  const planShares: Record<string, Record<string, number>> = {};
  clusters.forEach((p, c) => {
    const demand = demands[c]!;
    const byFile = shares[c]!.byFile;
    // The value of a copy is the traffic it is to serve.
    const shareOf = (j: number, f: number): number => {
      const s = byFile.get(f);
      return s === undefined ? 1 : (s.shares[s.holders.indexOf(j)] ?? 0);
    };
    p.members.forEach((a, j) => {
      const keys = new Map(p.files[j]!.map((f) => [index.keys[f]!, (demand[f] ?? 0) * shareOf(j, f)]));
      // Titles not out yet are due at their release.
      const deadlines = new Map<string, number>();
      for (const f of p.files[j]!) {
        const release = index.releasedAtMs[index.fileTitle[f]!]!;
        if (release > atMs) deadlines.set(index.keys[f]!, release);
      }
      targets.push({ appliance: a, keys, ...(deadlines.size === 0 ? {} : { deadlines }) });
    });
    for (const [f, s] of byFile) {
      s.holders.forEach((j, i) => {
        const id = p.members[j]!.id;
        planShares[id] ??= {};
        const byKey = planShares[id]!;
        byKey[index.keys[f]!] = roundShare(s.shares[i]!);
      });
    }
  });
  const placed = new Set(targets.map((t) => t.appliance.id));
  for (const a of appliances) if (!placed.has(a.id)) targets.push({ appliance: a, keys: new Map() });
  const schedule = scheduleFills(targets, holdings, {
    atMs,
    horizonDays: options.horizonDays ?? 14,
    bytesOf: (key) => {
      const f = index.keyIndex.get(key);
      return f === undefined ? 0 : (index.fileBytes[f] ?? 0);
    },
  });
  const placements: Record<string, string[]> = {};
  for (const a of appliances) placements[a.id] = [];
  for (const t of targets) {
    const dropped = new Set(schedule.unscheduled.get(t.appliance.id) ?? []);
    placements[t.appliance.id] = [...t.keys.keys()].filter((k) => !dropped.has(k));
  }
  let unscheduled = 0;
  for (const list of schedule.unscheduled.values()) unscheduled += list.length;
  const plan: Plan = {
    placements,
    fills: schedule.fills,
    evictions: schedule.evictions,
    shares:
      schedule.unscheduled.size === 0
        ? planShares
        : dropUnscheduled(planShares, placements, new Map(appliances.map((a) => [a.id, a.cluster]))),
    stats: {
      at: new Date(atMs).toISOString(),
      notes: planNotes(clusters),
      model: forecast.model,
      loadFactor: options.loadFactor ?? DEFAULT_LOAD_FACTOR,
      clusters: clusters.map((p, c) =>
        clusterStats(p, byCluster.get(p.cluster)!, schedule, forecast.regions.get(p.region)!.peakFactor, atMs, shares[c]!.traffic),
      ),
      unscheduled,
    },
  };
  return { plan, forecast, clusters, shares };
}

/** What the plan's reader must know about how it was made. */
function planNotes(clusters: readonly ClusterPlacement[]): string[] {
  const single = clusters.filter((p) => p.members.length > 1 && !Number.isFinite(p.perCopyBytes)).map((p) => p.cluster);
  return single.length === 0
    ? []
    : [
        `one copy per file in ${single.length === 1 ? 'cluster' : 'clusters'} ${single.join(', ')}: ` +
          'an active appliance has no serveGbps, so nothing says a file needs a second copy',
      ];
}

/** Shares are written to four decimals: the plan stays readable, steering needs no more. */
const roundShare = (x: number): number => Math.round(x * 1e4) / 1e4;

/**
 * Shares of placements the schedule could not fill are dropped with them, and the copies left
 * of the same file in the same cluster share its traffic again in the same proportions (evenly
 * when those were all zero), so a cluster's weights for a key still sum to one.
 */
export function dropUnscheduled(
  shares: Record<string, Record<string, number>>,
  placements: Record<string, readonly string[]>,
  clusterOf: ReadonlyMap<string, string>,
): Record<string, Record<string, number>> {
  const kept: { id: string; key: string; share: number; group: string }[] = [];
  for (const [id, byKey] of Object.entries(shares)) {
    const placed = new Set(placements[id] ?? []);
    for (const [key, share] of Object.entries(byKey))
      if (placed.has(key)) kept.push({ id, key, share, group: `${clusterOf.get(id) ?? ''}\u0000${key}` });
  }
  const sum = new Map<string, { total: number; n: number }>();
  for (const k of kept) {
    const g = sum.get(k.group) ?? { total: 0, n: 0 };
    sum.set(k.group, { total: g.total + k.share, n: g.n + 1 });
  }
  const out: Record<string, Record<string, number>> = {};
  for (const k of kept) {
    const g = sum.get(k.group)!;
    out[k.id] ??= {};
    const byKey = out[k.id]!;
    byKey[k.key] = roundShare(g.total > 0 ? k.share / g.total : 1 / g.n);
  }
  return out;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list === undefined) out.set(k, [item]);
    else list.push(item);
  }
  return out;
}
