import { describe, expect, it } from 'vitest';
import { movedFraction, spearman } from '../../../cdn-planner/sim/judge.ts';
import { readiness, simulate } from '../../../cdn-planner/sim/simulate.ts';

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
  const opts = {
    titles: 300,
    regions: 2,
    appliancesPerCluster: 4,
    historyDays: 8,
    evalDays: 1,
    requestsPerRegionDay: 3000,
    releasesPerDay: 2,
  } as const;
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

describe('replay readiness (a placement serves only once its fill has ended)', () => {
  const member = (id: string) => ({
    id,
    cluster: 'c',
    region: 'r',
    capacityBytes: 1e12,
    fillGbps: 1,
    fillWindow: { start: '02:00', end: '06:00', tz: 'UTC' },
    state: 'active' as const,
  });
  const placement = {
    cluster: 'c',
    region: 'r',
    members: [member('a'), member('b')],
    files: [
      [0, 1],
      [1, 2],
    ],
    bytes: new Float64Array(2),
    traffic: new Float64Array(2),
    copies: new Uint8Array(3),
    leftAtOrigin: 0,
    demandBytes: 0,
  };
  const keys = new Map([
    ['k0', 0],
    ['k1', 1],
    ['k2', 2],
  ]);
  const fills = [
    { applianceId: 'a', key: 'k0', bytes: 1, startAt: '2026-01-01T02:00:00.000Z', endAt: '2026-01-01T03:00:00.000Z', source: 'origin' },
  ];
  const ready = readiness(placement as unknown as Parameters<typeof readiness>[0], fills, { a: ['k1'], b: ['k1'] }, keys, 3);
  const at = (iso: string): number => Date.parse(iso);

  it('a filled file from the end of its fill, not before', () => {
    expect(ready(0, 0, at('2026-01-01T02:30:00.000Z'))).toBe(false);
    expect(ready(0, 0, at('2026-01-01T03:00:00.000Z'))).toBe(true);
  });
  it('a file already held from the start, and a placement with no fill scheduled never', () => {
    expect(ready(0, 1, at('2026-01-01T00:00:00.000Z'))).toBe(true);
    expect(ready(1, 1, at('2026-01-01T00:00:00.000Z'))).toBe(true);
    // b was given k2 but no fill was scheduled (past the horizon): it does not have it.
    expect(ready(1, 2, at('2026-01-01T23:00:00.000Z'))).toBe(false);
  });
});
