import { describe, expect, it } from 'vitest';
import { indexCatalog } from '../../../cdn-planner/catalog-index.ts';
import { copiesNeeded, placeCluster, servingDailyBytes } from '../../../cdn-planner/placement.ts';
import { appliance, catalog, mixedMembers, servingMembers, steepDemand, zipfDemand } from './fixtures.ts';

const cat = catalog(400, 2, 10_000_000);
const index = indexCatalog(cat);
// Zipf-like demand in bytes/day over the 800 files, in a scrambled order.
const demand = zipfDemand(index.keys.length);
const members = [
  ...mixedMembers(),
  appliance('drain', { capacityBytes: 3_000_000_000, state: 'draining' }),
  appliance('dead', { capacityBytes: 3_000_000_000, state: 'down' }),
];

describe('placeCluster (bounded-load consistent hashing)', () => {
  const p = placeCluster(members, demand, index, { loadFactor: 1.25 });

  it('gives draining and down appliances nothing', () => {
    expect(p.members.map((a) => a.id)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(p.files.length).toBe(5);
  });

  it('without serving capacities bounds the disks, not the traffic: the hottest files are placed', () => {
    for (const [j, a] of p.members.entries()) expect(p.bytes[j]!).toBeLessThanOrEqual(a.capacityBytes);
    const hottest = Array.from(demand.keys())
      .sort((a, b) => demand[b]! - demand[a]!)
      .slice(0, 10);
    for (const f of hottest) expect(p.copies[f]).toBe(1);
    expect(p.traffic.reduce((s, x) => s + x, 0)).toBeGreaterThan(0);
  });

  it('never exceeds c x capacity-weighted fair share of placed bytes, where the ring alone would', () => {
    // Disks far larger than the catalog (so only c bounds anything) and a coarse ring (few
    // vnodes each), whose arcs alone give some member well over its share.
    const roomy = members.slice(0, 5).map((a) => ({ ...a, capacityBytes: a.capacityBytes * 100 }));
    const coarse = { vnodeBytes: 1e13 };
    const capacity = roomy.reduce((sum, a) => sum + a.capacityBytes, 0);
    const maxShare = (bytes: Float64Array): number => {
      const placed = bytes.reduce((sum, x) => sum + x, 0);
      return Math.max(...roomy.map((a, j) => bytes[j]! / ((a.capacityBytes / capacity) * placed)));
    };
    expect(maxShare(placeCluster(roomy, demand, index, { ...coarse, loadFactor: 100 }).bytes)).toBeGreaterThan(1.25);
    const q = placeCluster(roomy, demand, index, { ...coarse, loadFactor: 1.25 });
    expect(q.bytes.reduce((sum, x) => sum + x, 0)).toBeGreaterThan(0);
    expect(maxShare(q.bytes)).toBeLessThanOrEqual(1.25 * (1 + 1e-9));
  });

  it('leaves the least valuable files at the origin, one copy each when serving capacity is unknown', () => {
    expect(p.leftAtOrigin).toBeGreaterThan(0);
    const density = (f: number) => demand[f]! / index.fileBytes[f]!;
    const ranked = Array.from(demand.keys()).sort((a, b) => density(b) - density(a));
    for (const f of ranked.slice(0, 50)) expect(p.copies[f]).toBe(1);
    const bottom = ranked.slice(-100);
    expect(bottom.filter((f) => p.copies[f]! > 0).length).toBeLessThan(10);
  });

  it('gives the files whose peak-hour traffic one appliance cannot serve more copies', () => {
    const steep = steepDemand(index.keys.length);
    // 0.04 Gbps per GB of disk: one copy serves about 0.4 of the hottest file's day.
    const q = placeCluster(servingMembers(0.04), steep, index, { loadFactor: 1.25 });
    const ranked = Array.from(steep.keys()).sort((a, b) => steep[b]! - steep[a]!);
    expect(q.copies[ranked[0]!]).toBe(copiesNeeded(steep[ranked[0]!]!, q.perCopyBytes, q.members.length));
    expect(q.copies[ranked[0]!]!).toBeGreaterThan(1);
    expect(q.copies[ranked[0]!]!).toBeGreaterThanOrEqual(q.copies[ranked[100]!]!);
    expect(q.copies[ranked[100]!]).toBe(1);
  });

  it('with serving capacities, bounds each appliance by what it streams at the peak, not by a share of the total', () => {
    // One title far hotter than the rest: a third of the cluster's traffic, over c x fair share (1.25/5).
    const hot = Float64Array.from(demand, (d, f) => (f === 0 ? demand.reduce((s, x) => s + x, 0) / 2 : d));
    const roomy = servingMembers(100);
    const q = placeCluster(roomy, hot, index, { loadFactor: 1.25 }, { peakFactor: 1.6 });
    expect(q.copies[0]).toBe(1);
    expect(q.files.some((list) => list.includes(0))).toBe(true);
    for (const [j, a] of q.members.entries()) expect(q.traffic[j]!).toBeLessThanOrEqual(servingDailyBytes(a, 1.25, 1.6) * (1 + 1e-9));
    // Without serving capacities nothing bounds its traffic: it is placed, one copy.
    const blind = placeCluster(mixedMembers(), hot, index, { loadFactor: 1.25 });
    expect(blind.copies[0]).toBe(1);
    // Streaming little, the same appliances hold to their capacity: the hot file gets copies instead.
    const slow = placeCluster(servingMembers(0.6), hot, index, { loadFactor: 1.25 }, { peakFactor: 1.6 });
    expect(slow.copies[0]!).toBeGreaterThan(1);
    for (const [j, a] of slow.members.entries()) expect(slow.traffic[j]!).toBeLessThanOrEqual(servingDailyBytes(a, 1.25, 1.6) * (1 + 1e-9));
  });

  it('places nothing when every appliance is draining or down', () => {
    const none = placeCluster(members.slice(5), demand, index);
    expect(none.members).toEqual([]);
    expect(none.leftAtOrigin).toBe(index.keys.length);
  });
});
