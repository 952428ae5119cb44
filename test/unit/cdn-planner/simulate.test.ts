import { describe, expect, it } from 'vitest';
import { movedFraction, spearman } from '../../../cdn-planner/sim/metrics.ts';
import { simulate } from '../../../cdn-planner/sim/simulate.ts';

describe('metrics', () => {
  it('spearman is 1 for any monotone map, -1 reversed, and averages ties', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 300, 4000])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 1, 2, 2], [1, 1, 2, 2])).toBeCloseTo(1, 12);
  });

  it('counts a key that changes appliance as moved, a key entering the cluster as not', () => {
    expect(movedFraction({ a: ['x', 'y'], b: ['z', 'w'] }, { a: ['x', 'z', 'new'], b: ['w'] })).toBe(0.25);
  });
});

describe('simulate (small trace)', () => {
  const opts = { titles: 300, regions: 2, appliancesPerCluster: 4, historyDays: 8, evalDays: 1, requestsPerRegionDay: 3000, releasesPerDay: 2 } as const;
  const r = simulate(opts);

  it('is deterministic for a seed', () => {
    const again = simulate(opts);
    expect(again.planner.offload).toBe(r.planner.offload);
    expect(again.lru.originBytes).toBe(r.lru.originBytes);
  });

  it('reports offloads in [0, 1] with the oracle on top and popularity beating plain hashing', () => {
    for (const x of [r.planner.offload, r.lru.offload, r.plainHashing.offload, r.oracle.offload]) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
    }
    expect(r.oracle.offload).toBeGreaterThanOrEqual(r.planner.offload);
    expect(r.planner.offload).toBeGreaterThan(r.plainHashing.offload);
    expect(r.planner.predictedPeakToMeanLoad).toBeLessThanOrEqual(1.25 + 1e-9);
    expect(r.spearman).toBeGreaterThan(0.2);
  });

  it('moves about the departing or joining appliance share of placements', () => {
    expect(r.moved.remove).toBeLessThan(r.moved.removeIdeal * 1.5);
    expect(r.moved.add).toBeLessThan(r.moved.addIdeal * 1.5);
    expect(r.moved.add).toBeGreaterThan(0);
  });

  it('rejects a Zipf exponent outside 0.6-1.2 naming the field', () => {
    expect(() => simulate({ ...opts, zipfAlpha: 2 })).toThrow(/zipfAlpha/);
  });
});
