import { placeCluster, type ClusterPlacement, type PlacementOptions } from '../placement.ts';
import type { PlanDetail } from '../plan.ts';
import { hashKeys } from '../ring.ts';
import type { Appliance } from '../types.ts';
import { movedFraction } from './judge.ts';
import type { Scenario } from './trace.ts';

/** Fraction of placements that move when one appliance joins or leaves a cluster (mean over clusters). */
export interface MembershipChurn {
  readonly add: number;
  readonly addIdeal: number;
  readonly remove: number;
  readonly removeIdeal: number;
  readonly appliancesPerCluster: number;
}

/**
 * Re-places every cluster with one appliance removed (the median-sized one) and with one of
 * mean size added, same forecast. Ideal is the departing appliance's share of placements, or
 * the newcomer's share of capacity: both about 1/N.
 */
export function membershipChurn(
  s: Scenario,
  clusters: readonly (readonly Appliance[])[],
  detail: PlanDetail,
  options: PlacementOptions,
): MembershipChurn {
  const add: number[] = [];
  const remove: number[] = [];
  const current = { keyHashes: hashKeys(s.index.keys) };
  const addIdeal: number[] = [];
  const removeIdeal: number[] = [];
  clusters.forEach((members, r) => {
    const demand = detail.forecast.regions.get(s.regions[r]!)!.fileDemand;
    const placed = placeCluster(members, demand, s.index, options, current);
    const base = asRecord(placed, s);
    const capacity = members.reduce((x, a) => x + a.capacityBytes, 0);
    const mean = Math.round(capacity / members.length);
    const joined = [...members, { ...members[0]!, id: `${members[0]!.cluster}-new`, capacityBytes: mean }];
    add.push(movedFraction(base, asRecord(placeCluster(joined, demand, s.index, options, current), s)));
    addIdeal.push(mean / (capacity + mean));
    const median = [...members].sort((x, y) => x.capacityBytes - y.capacityBytes)[members.length >> 1]!;
    const total = Object.values(base).reduce((x, l) => x + l.length, 0);
    removeIdeal.push((base[median.id]?.length ?? 0) / total);
    remove.push(
      movedFraction(
        base,
        asRecord(
          placeCluster(
            members.filter((a) => a !== median),
            demand,
            s.index,
            options,
            current,
          ),
          s,
        ),
      ),
    );
  });
  const avg = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
  return {
    add: avg(add),
    addIdeal: avg(addIdeal),
    remove: avg(remove),
    removeIdeal: avg(removeIdeal),
    appliancesPerCluster: s.options.appliancesPerCluster,
  };
}

function asRecord(p: ClusterPlacement, s: Scenario): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [j, a] of p.members.entries()) out[a.id] = p.files[j]!.map((f) => s.index.keys[f]!);
  return out;
}
