import { describe, expect, it } from 'vitest';
import { indexCatalog } from '../../../cdn-planner/catalog-index.ts';
import { placeCluster } from '../../../cdn-planner/placement.ts';
import { appliance, catalog, mixedMembers, zipfDemand } from './fixtures.ts';

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

  it('never exceeds c x capacity-weighted fair share of traffic, nor any disk', () => {
    const capacity = p.members.reduce((s, a) => s + a.capacityBytes, 0);
    const total = p.traffic.reduce((s, x) => s + x, 0);
    expect(total).toBeGreaterThan(0);
    p.members.forEach((a, j) => {
      expect(p.traffic[j]!).toBeLessThanOrEqual(1.25 * (a.capacityBytes / capacity) * total * (1 + 1e-9));
      expect(p.bytes[j]!).toBeLessThanOrEqual(a.capacityBytes);
    });
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

  it('leaves the least valuable files at the origin and gives hot files more copies', () => {
    expect(p.leftAtOrigin).toBeGreaterThan(0);
    const density = (f: number) => demand[f]! / index.fileBytes[f]!;
    const ranked = Array.from(demand.keys()).sort((a, b) => density(b) - density(a));
    const top = ranked.slice(0, 50);
    for (const f of top) expect(p.copies[f]).toBeGreaterThan(0);
    const bottom = ranked.slice(-100);
    expect(bottom.filter((f) => p.copies[f]! > 0).length).toBeLessThan(10);
    expect(p.copies[ranked[0]!]).toBeGreaterThan(1);
    expect(p.copies[ranked[0]!]).toBeGreaterThanOrEqual(p.copies[ranked[100]!]!);
  });

  it('places nothing when every appliance is draining or down', () => {
    const none = placeCluster(members.slice(5), demand, index);
    expect(none.members).toEqual([]);
    expect(none.leftAtOrigin).toBe(index.keys.length);
  });
});
