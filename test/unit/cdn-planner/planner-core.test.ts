import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { indexCatalog } from '../../../cdn-planner/catalog-index.ts';
import { aggregateViews } from '../../../cdn-planner/demand.ts';
import { DAY_MS } from '../../../cdn-planner/units.ts';
import { copiesNeeded, perCopyDailyBytes, placeCluster, rankByDensity } from '../../../cdn-planner/placement.ts';
import { exponentialSmoothingModel } from '../../../cdn-planner/predict.ts';
import { planFill } from '../../../cdn-planner/plan.ts';
import { buildRing, hashKeys } from '../../../cdn-planner/ring.ts';
import { createRng } from '../../../cdn-planner/sim/prng.ts';
import type { ViewRecord } from '../../../cdn-planner/types.ts';
import { validateAppliances } from '../../../cdn-planner/validate.ts';
import { appliance, catalog } from './fixtures.ts';

const require = createRequire(import.meta.url);
const HashRing = require('hashring') as typeof import('hashring');

describe('rankByDensity (radix sort on float32 density bits)', () => {
  it('orders exactly as a comparator sort: density descending, ties by index, penalties can go negative', () => {
    const rng = createRng(7);
    const n = 5000;
    const demand = Float64Array.from({ length: n }, (_, i) => (i % 11 === 0 ? 0 : i % 13 === 0 ? 5 : rng.next() * 1000));
    const bytes = Float64Array.from({ length: n }, () => 1 + rng.int(100));
    const held = Uint8Array.from({ length: n }, () => (rng.next() < 0.5 ? 1 : 0));
    const density = (f: number) => Math.fround(demand[f]! / bytes[f]! - (held[f] === 1 ? 0 : 2));
    const expected = Array.from({ length: n }, (_, f) => f)
      .filter((f) => demand[f]! > 0)
      .sort((a, b) => density(b) - density(a) || a - b);
    const got = rankByDensity(demand, bytes, held, 2);
    expect(got).toEqual(expected);
    expect(got.some((f) => density(f) < 0)).toBe(true);
  });
});

describe('buildRing (typed continuum over hashring points)', () => {
  it('walks members in the same order as hashring.range for every key', () => {
    const members = Array.from({ length: 12 }, (_, i) => ({ id: `a${i}`, capacityBytes: (1 + (i % 3)) * 1e12 }));
    const ring = buildRing(members, { vnodeBytes: 25e9 });
    const servers: Record<string, { weight: number; vnodes: number }> = {};
    for (const m of members) servers[m.id] = { weight: 1, vnodes: Math.round(m.capacityBytes / 25e9) };
    const reference = new HashRing(servers, 'md5', { 'vnode count': -1 });
    for (let i = 0; i < 2000; i++) expect(ring.preference(`t${i}/v0/seg_${i}.m4s`, 3)).toEqual(reference.range(`t${i}/v0/seg_${i}.m4s`, 3));
  });
});

describe('placeCluster: stable copies and sticky holdings', () => {
  const index = indexCatalog(catalog(300, 2, 10_000_000));
  const demand = Float64Array.from({ length: index.keys.length }, (_, f) => 1e12 / (1 + ((f * 7919) % index.keys.length)) ** 0.9);
  const members = Array.from({ length: 8 }, (_, i) => appliance(`a${i}`, { capacityBytes: 600_000_000 }));

  it('gives a file the copies its peak-hour traffic needs, and the same count whatever the member count', () => {
    // 0.05 Gbps each: one copy serves 0.04 Gbps within the load bound, 4.32e11 bytes a day at a flat peak.
    const serving = members.map((a) => ({ ...a, serveGbps: 0.05 }));
    const perCopy = perCopyDailyBytes(serving, 1.25, 1);
    expect(perCopy).toBeCloseTo(0.04 * 1.08e13, -6);
    const before = placeCluster(serving, demand, index);
    const after = placeCluster([...serving, appliance('a8', { capacityBytes: 600_000_000, serveGbps: 0.05 })], demand, index);
    const placed = Array.from(demand.keys()).filter((f) => before.copies[f]! > 0);
    expect(Math.max(...placed.map((f) => before.copies[f]!))).toBeGreaterThan(1);
    for (const f of placed) expect(before.copies[f]).toBe(copiesNeeded(demand[f]!, perCopy, members.length));
    // Equal appliances: membership does not change a count below the cap of one copy per appliance.
    for (const f of placed) if (before.copies[f]! < members.length && after.copies[f]! > 0) expect(after.copies[f]).toBe(before.copies[f]);
    // A busier peak hour needs more copies for the same daily bytes.
    const peaky = placeCluster(serving, demand, index, {}, { peakFactor: 2 });
    const hottest = placed.reduce((a, b) => (demand[a]! > demand[b]! ? a : b));
    expect(peaky.copies[hottest]).toBe(copiesNeeded(demand[hottest]!, perCopy / 2, members.length));
    expect(peaky.copies[hottest]!).toBeGreaterThan(before.copies[hottest]!);
  });

  it('places one copy per file when an appliance has no serveGbps, and fills the disk with unique files', () => {
    const none = placeCluster(members, demand, index);
    expect(none.perCopyBytes).toBe(Number.POSITIVE_INFINITY);
    const placed = Array.from(demand.keys()).filter((f) => none.copies[f]! > 0);
    expect(placed.length).toBeGreaterThan(0);
    expect(placed.every((f) => none.copies[f] === 1)).toBe(true);
    // One member without it is enough to leave the serving capacity unknown.
    const mixed = placeCluster(
      members.map((a, i) => (i === 0 ? a : { ...a, serveGbps: 0.05 })),
      demand,
      index,
    );
    expect(mixed.perCopyBytes).toBe(Number.POSITIVE_INFINITY);
    // Replicas take disk from unique files: the one-copy plan keeps more distinct files.
    const replicated = placeCluster(
      members.map((a) => ({ ...a, serveGbps: 0.05 })),
      demand,
      index,
    );
    expect(placed.length).toBeGreaterThan(Array.from(demand.keys()).filter((f) => replicated.copies[f]! > 0).length);
  });

  it('says in the plan summary when it placed one copy per file for want of serveGbps', () => {
    const at = '2025-03-10T00:00:00Z';
    const cat = catalog(20, 2, 1_000_000);
    const views: ViewRecord[] = cat.map((t, i) => ({ ts: '2025-03-09T20:00:00Z', titleId: t.titleId, region: 'us', bytes: 1e9 / (1 + i) }));
    const two = [appliance('x1', { capacityBytes: 10_000_000 }), appliance('x2', { capacityBytes: 10_000_000 })];
    const without = planFill({ appliances: two, catalog: cat, views, at });
    expect(without.stats.notes.join(' ')).toMatch(/one copy per file in cluster c1: .*serveGbps/);
    const withIt = planFill({ appliances: two.map((a) => ({ ...a, serveGbps: 10 })), catalog: cat, views, at });
    expect(withIt.stats.notes).toEqual([]);
  });

  it('places a title released inside the next day and fills it before its release, first', () => {
    const at = Date.parse('2025-03-13T00:00:00Z');
    const cat = catalog(60, 3, 2_000_000_000);
    const release = {
      titleId: 'premiere',
      releasedAt: new Date(at + 18 * 3_600_000).toISOString(),
      files: [0, 1, 2].map((i) => ({ key: `premiere/f${i}`, bytes: 2_000_000_000 })),
    };
    const views: ViewRecord[] = [];
    for (let d = 1; d <= 12; d++) {
      for (const [i, t] of cat.entries())
        views.push({
          ts: new Date(at - d * DAY_MS + 20 * 3_600_000).toISOString(),
          titleId: t.titleId,
          region: 'us',
          bytes: 1e12 / (1 + i),
        });
    }
    // Earlier releases show what a launch day brings: the first days of t5 and t6 (released 10 and 5 days back) were big.
    const released = cat.map((t, i) =>
      i === 5 || i === 6 ? { ...t, releasedAt: new Date(at - (i === 5 ? 10 : 5) * DAY_MS + 3_600_000).toISOString() } : t,
    );
    for (const [i, back] of [
      [5, 10],
      [6, 5],
    ] as const)
      for (let d = back; d >= 1; d--)
        views.push({
          ts: new Date(at - d * DAY_MS + 21 * 3_600_000).toISOString(),
          titleId: `t${i}`,
          region: 'us',
          bytes: 2e13 * 0.6 ** (back - d),
        });
    const edges = [0, 1, 2].map((i) =>
      appliance(`e${i}`, {
        capacityBytes: 20_000_000_000,
        fillGbps: 1,
        serveGbps: 40,
        fillWindow: { start: '02:00', end: '14:00', tz: 'UTC' },
      }),
    );
    const plan = planFill({ appliances: edges, catalog: [...released, release], views, at: new Date(at).toISOString() });
    const premiere = plan.fills.filter((f) => f.key.startsWith('premiere/'));
    expect(premiere.map((f) => f.key).sort()).toEqual(['premiere/f0', 'premiere/f1', 'premiere/f2']);
    for (const f of premiere) expect(Date.parse(f.endAt)).toBeLessThanOrEqual(Date.parse(release.releasedAt));
    // First on its appliance: nothing else fills there before it.
    for (const f of premiere) {
      const before = plan.fills.filter((g) => g.applianceId === f.applianceId && Date.parse(g.startAt) < Date.parse(f.startAt));
      expect(before.every((g) => g.key.startsWith('premiere/'))).toBe(true);
    }
  });

  it('keeps a copy on the appliance that holds it when that appliance has room', () => {
    const fresh = placeCluster(members, demand, index);
    const j = fresh.files.findIndex((l) => l.some((x) => fresh.copies[x] === 1));
    const f = fresh.files[j]!.find((x) => fresh.copies[x] === 1)!;
    // Pretend another appliance holds it: the plan keeps it there instead of moving it to its ring owner.
    const other = members[(j + 1) % members.length]!.id;
    const sticky = placeCluster(
      members,
      demand,
      index,
      {},
      { held: Uint8Array.from(demand, (_, i) => (i === f ? 1 : 0)), holders: new Map([[f, [other]]]) },
    );
    const holders = sticky.members.filter((_, m) => sticky.files[m]!.includes(f)).map((a) => a.id);
    expect(holders).toContain(other);
    expect(holders).not.toContain(members[j]!.id);
  });

  it('accepts precomputed key hashes with the same result', () => {
    const a = placeCluster(members, demand, index);
    const b = placeCluster(members, demand, index, {}, { keyHashes: hashKeys(index.keys) });
    expect(b.files).toEqual(a.files);
  });
});

describe('forecast: age curve and all-regions prior', () => {
  const at = Date.parse('2025-03-29T00:00:00Z');

  it('shrinks a sparse regional rate towards what all regions say', () => {
    const index = indexCatalog(catalog(2, 1, 1000));
    const views: ViewRecord[] = [];
    for (let d = 1; d <= 28; d++) {
      const ts = new Date(at - d * DAY_MS + 3_600_000).toISOString();
      // Everywhere t0 and t1 are equally popular; in region "small" t1 happened to get one play.
      for (const region of ['a', 'b', 'c', 'd']) for (const t of ['t0', 't1']) views.push({ ts, titleId: t, region, bytes: 50_000 });
      if (d % 7 === 0) views.push({ ts, titleId: 't0', region: 'small', bytes: 1000 });
      if (d === 3) views.push({ ts, titleId: 't1', region: 'small', bytes: 1000 });
    }
    const history = aggregateViews(views, index, { endMs: at, days: 28 });
    const f = exponentialSmoothingModel({ regionalPriorPlays: 4 }).forecast(history, index, ['small']).regions.get('small')!;
    // Raw counts say 4:1; with the prior the two land far closer than that.
    const ratio = f.fileDemand[0]! / f.fileDemand[1]!;
    expect(ratio).toBeGreaterThan(1);
    expect(ratio).toBeLessThan(2);
  });

  it('follows a release whose interest halves every day, from the other releases', () => {
    const cat = Array.from({ length: 12 }, (_, i) => ({
      titleId: `n${i}`,
      releasedAt: new Date(at - (14 - i) * DAY_MS).toISOString(),
      files: [{ key: `n${i}/f`, bytes: 1000 }],
    }));
    const index = indexCatalog(cat);
    const views: ViewRecord[] = [];
    cat.forEach((t, i) => {
      const rel = Date.parse(t.releasedAt);
      for (let a = 0; rel + a * DAY_MS < at; a++)
        views.push({ ts: new Date(rel + a * DAY_MS + 60_000).toISOString(), titleId: t.titleId, region: 'r', bytes: 1_024_000 / 2 ** a });
      void i;
    });
    const history = aggregateViews(views, index, { endMs: at, days: 14 });
    const d = exponentialSmoothingModel().forecast(history, index, ['r']).regions.get('r')!.fileDemand;
    // n11 was released 3 days ago (ages 0, 1, 2 seen): tomorrow is age 3, half of its last day.
    const last = 1_024_000 / 4;
    expect(d[11]!).toBeGreaterThan(last * 0.35);
    expect(d[11]!).toBeLessThan(last * 0.7);
  });
});

describe('appliance baseUrl', () => {
  it('accepts http(s) URLs, trims a trailing slash, and names the field otherwise', () => {
    expect(validateAppliances([appliance('a', { baseUrl: 'https://edge-1.isp.example/' })])[0]!.baseUrl).toBe('https://edge-1.isp.example');
    expect(() => validateAppliances([appliance('a', { baseUrl: 'ftp://edge' })])).toThrow(/appliances\[0\]\.baseUrl/);
    expect(() => validateAppliances([appliance('a', { baseUrl: 'https://edge/?x=1' })])).toThrow(/appliances\[0\]\.baseUrl/);
  });
});
