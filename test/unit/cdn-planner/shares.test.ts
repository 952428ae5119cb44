import { describe, expect, it } from 'vitest';
import { indexCatalog } from '../../../cdn-planner/catalog-index.ts';
import { placeCluster } from '../../../cdn-planner/placement.ts';
import { levelTraffic, waterFill } from '../../../cdn-planner/shares.ts';
import { peakToMean } from '../../../cdn-planner/stats.ts';
import { dropUnscheduled } from '../../../cdn-planner/plan.ts';
import { catalog, servingMembers, steepDemand } from './fixtures.ts';

describe('waterFill', () => {
  it('pours into the least loaded holders up to a common level, per unit of capacity', () => {
    // Levels 0, 2 and 10 (loads 0, 4, 10 over capacities 1, 2, 1); 10 to pour:
    // λ with 1·(λ−0) + 2·(λ−2) = 10 gives λ = 14/3 < 10, so the third holder gets nothing.
    const out = new Float64Array(3);
    waterFill(10, [0, 1, 2], [0, 4, 10], [1, 2, 1], out);
    expect(out[0]).toBeCloseTo(14 / 3 / 10, 9);
    expect(out[1]).toBeCloseTo((2 * (14 / 3 - 2)) / 10, 9);
    expect(out[2]).toBe(0);
    expect(out.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
  });

  it('splits evenly between equal holders, and by capacity between unequal empty ones', () => {
    const even = new Float64Array(2);
    waterFill(6, [0, 1], [3, 3], [1, 1], even);
    expect([...even]).toEqual([0.5, 0.5]);
    const byCap = new Float64Array(2);
    waterFill(6, [0, 1], [0, 0], [1, 3], byCap);
    expect(byCap[0]).toBeCloseTo(0.25, 9);
    expect(byCap[1]).toBeCloseTo(0.75, 9);
  });
});

describe('levelTraffic', () => {
  const index = indexCatalog(catalog(400, 2, 10_000_000));
  // A few files carry most of the demand and need copies (one serves about 0.4 of the hottest).
  const demand = steepDemand(index.keys.length);
  const p = placeCluster(servingMembers(0.04), demand, index, { loadFactor: 1.25 });
  const levelled = levelTraffic(p, demand);

  it('gives every replicated file shares over exactly its holders that sum to one', () => {
    expect(levelled.byFile.size).toBeGreaterThan(0);
    for (const [f, { holders, shares }] of levelled.byFile) {
      expect(holders).toEqual(p.files.flatMap((list, j) => (list.includes(f) ? [j] : [])));
      expect(shares.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
      for (const x of shares) expect(x).toBeGreaterThanOrEqual(0);
    }
  });

  it('serves the same total, more level than an even split over the copies', () => {
    const total = (a: Float64Array): number => a.reduce((s, x) => s + x, 0);
    expect(total(levelled.traffic)).toBeCloseTo(total(p.traffic), -3);
    const even = peakToMean(p.traffic, p.members);
    const level = peakToMean(levelled.traffic, p.members);
    expect(even).toBeGreaterThan(1.01);
    expect(level).toBeLessThan(even);
  });
});

describe('dropUnscheduled', () => {
  it('drops the shares of unscheduled copies and shares the file again between the copies left in the cluster', () => {
    const shares = { a1: { k: 0.5, j: 1 }, a2: { k: 0.3 }, a3: { k: 0.2 }, b1: { k: 0 }, b2: { k: 0 } };
    // a1 could not be filled with k; cluster B keeps both its zero-share copies.
    const placements = { a1: ['j'], a2: ['k'], a3: ['k'], b1: ['k'], b2: ['k'] };
    const clusterOf = new Map([
      ['a1', 'A'],
      ['a2', 'A'],
      ['a3', 'A'],
      ['b1', 'B'],
      ['b2', 'B'],
    ]);
    expect(dropUnscheduled(shares, placements, clusterOf)).toEqual({
      a1: { j: 1 },
      a2: { k: 0.6 },
      a3: { k: 0.4 },
      b1: { k: 0.5 },
      b2: { k: 0.5 },
    });
  });
});
