import { trafficWeight, type ClusterPlacement } from './placement.ts';
import type { Schedule } from './schedule.ts';
import type { Appliance, ClusterStats } from './types.ts';
import { DAY_MS, HOUR_MS } from './units.ts';

/** Summary figures an operator reviews before approving a cluster's part of a plan. */
export function clusterStats(
  p: ClusterPlacement,
  appliances: readonly Appliance[],
  schedule: Schedule,
  peakFactor: number,
  atMs: number,
  traffic: Float64Array = p.traffic,
): ClusterStats {
  const ids = new Set(appliances.map((a) => a.id));
  const fills = schedule.fills.filter((f) => ids.has(f.applianceId));
  let bytesToFill = 0;
  let bytesFromOrigin = 0;
  let lastEnd = atMs;
  for (const f of fills) {
    bytesToFill += f.bytes;
    if (f.source === 'origin') bytesFromOrigin += f.bytes;
    lastEnd = Math.max(lastEnd, Date.parse(f.endAt));
  }
  let windowMs = 0;
  for (const a of appliances) windowMs += schedule.fillMs.get(a.id) ?? 0;
  let placedFiles = 0;
  let replicatedFiles = 0;
  const seen = new Set<number>();
  let placedDemand = 0;
  for (const list of p.files) {
    for (const f of list) {
      if (seen.has(f)) continue;
      seen.add(f);
      placedFiles++;
      if ((p.copies[f] ?? 0) > 1) replicatedFiles++;
    }
  }
  for (let j = 0; j < p.members.length; j++) placedDemand += traffic[j] ?? 0;
  const capacity = p.members.reduce((s, a) => s + a.capacityBytes, 0);
  return {
    cluster: p.cluster,
    region: p.region,
    activeAppliances: p.members.length,
    capacityBytes: capacity,
    placedBytes: sum(p.bytes),
    placedFiles,
    replicatedFiles,
    filesLeftAtOrigin: p.leftAtOrigin,
    bytesToFill,
    bytesFromOrigin,
    fills: fills.length,
    evictions: schedule.evictions.filter((e) => ids.has(e.applianceId)).length,
    windowHoursUsed: round(windowMs / HOUR_MS, 3),
    fillDays: round((lastEnd - atMs) / DAY_MS, 3),
    predictedDemandBytes: Math.round(p.demandBytes),
    expectedOffload: round(p.demandBytes > 0 ? placedDemand / p.demandBytes : 0, 4),
    peakToMeanLoad: round(peakToMean(traffic, p.members, trafficWeight(p.members)), 4),
    peakToMeanBytes: round(peakToMean(p.bytes, p.members), 4),
    peakApplianceGbps: round((Math.max(0, ...traffic) * peakFactor * 8) / 86_400 / 1e9, 3),
  };
}

/**
 * Max over appliances of load per unit of capacity share, over the mean: 1 is a perfectly
 * capacity-proportional spread, c is the bounded-loads ceiling. Capacity is the disk unless
 * `weight` says otherwise (traffic is weighed by serving capacity, {@link trafficWeight}).
 */
export function peakToMean(
  load: ArrayLike<number>,
  members: readonly Appliance[],
  weight: (a: Appliance) => number = (a) => a.capacityBytes,
): number {
  const capacity = members.reduce((s, a) => s + weight(a), 0);
  let total = 0;
  for (let j = 0; j < members.length; j++) total += load[j] ?? 0;
  if (total <= 0 || capacity <= 0) return members.length > 0 ? 1 : 0;
  let peak = 0;
  members.forEach((a, j) => {
    peak = Math.max(peak, (load[j] ?? 0) / total / (weight(a) / capacity));
  });
  return peak;
}

function sum(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}

function round(x: number, digits: number): number {
  const m = 10 ** digits;
  return Math.round(x * m) / m;
}
