import { describe, expect, it } from 'vitest';
import { buildRing } from '../../../cdn-planner/ring.ts';
import { movedFraction } from '../../../cdn-planner/sim/judge.ts';

describe('hashring-based ring', () => {
  // Regression: the package `hash-ring` compared raw keys, not hashes, and sent 10,000 keys
  // over 4 nodes all to one node. This guards against that class of bug.
  it('spreads 10,000 keys over 4 equal nodes within 25% of a fair quarter', () => {
    const ring = buildRing(['a', 'b', 'c', 'd'].map((id) => ({ id, capacityBytes: 2.5e12 })));
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const node = ring.preference(`title-${i}/seg.mp4`, 1)[0]!;
      counts.set(node, (counts.get(node) ?? 0) + 1);
    }
    expect(counts.size).toBe(4);
    for (const c of counts.values()) expect(Math.abs(c - 2500)).toBeLessThan(625);
  });

  it('weights keys by capacity', () => {
    const ring = buildRing([
      { id: 'big', capacityBytes: 6e12 },
      { id: 'small', capacityBytes: 2e12 },
    ]);
    let big = 0;
    for (let i = 0; i < 8000; i++) if (ring.preference(`k${i}`, 1)[0] === 'big') big++;
    expect(big / 8000).toBeGreaterThan(0.68);
    expect(big / 8000).toBeLessThan(0.82);
  });

  it('keeps weights proportional for appliances past the vnode cap (100 TB and 300 TB)', () => {
    // Regression: each member was clamped to 4096 vnodes alone, so both got half the ring.
    const ring = buildRing([
      { id: 'oca-100', capacityBytes: 100e12 },
      { id: 'oca-300', capacityBytes: 300e12 },
    ]);
    let big = 0;
    for (let i = 0; i < 20_000; i++) if (ring.preference(`title-${i}/seg.mp4`, 1)[0] === 'oca-300') big++;
    expect(big / 20_000).toBeGreaterThan(0.7);
    expect(big / 20_000).toBeLessThan(0.8);
  });

  it('moves about 1/N of keys when one of N nodes leaves, and none between the others', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `n${i}`);
    const before = buildRing(ids.map((id) => ({ id, capacityBytes: 1e12 })));
    const after = buildRing(ids.slice(1).map((id) => ({ id, capacityBytes: 1e12 })));
    const a: Record<string, string[]> = {};
    const b: Record<string, string[]> = {};
    for (let i = 0; i < 5000; i++) {
      const key = `k${i}`;
      const [from, to] = [before.preference(key, 1)[0]!, after.preference(key, 1)[0]!];
      a[from] ??= [];
      a[from]!.push(key);
      b[to] ??= [];
      b[to]!.push(key);
    }
    const departed = (a.n0?.length ?? 0) / 5000;
    expect(movedFraction(a, b)).toBeCloseTo(departed, 10);
    expect(departed).toBeGreaterThan(0.05);
    expect(departed).toBeLessThan(0.15);
  });
});
