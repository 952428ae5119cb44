import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planFill } from '../../../cdn-planner/plan.ts';
import { auditPlan } from '../../../cdn-planner/sim/world/audit.ts';
import { generateWorld, REGIMES, type Play, type World } from '../../../cdn-planner/sim/world/generate.ts';
import { LfuCache, LruCache, realisedBytes, replayPlan, spearman, weightedError } from '../../../cdn-planner/sim/world/replay.ts';
import type { Appliance, Plan } from '../../../cdn-planner/types.ts';

const WORLD_DIR = path.resolve(import.meta.dirname, '../../../cdn-planner/sim/world');

describe('the independent world shares no code with the planner', () => {
  it('imports nothing from cdn-planner but its input types', async () => {
    const outside: string[] = [];
    for (const name of await readdir(WORLD_DIR)) {
      const source = await readFile(path.join(WORLD_DIR, name), 'utf8');
      for (const [, s] of source.matchAll(/from '([^']+)'/g))
        if (!/^\.\/[a-z-]+\.ts$/.test(s!) && s !== '../../types.ts') outside.push(`${name}: ${s}`);
    }
    expect(outside).toEqual([]);
  });
});

describe('generateWorld', () => {
  const small = { ...REGIMES[0]!, viewsPerDay: 8000 };
  const world = generateWorld(small);

  it('is deterministic for a regime', () => {
    const again = generateWorld(small);
    expect(again.plays.length).toBe(world.plays.length);
    expect(again.plays.slice(0, 50)).toEqual(world.plays.slice(0, 50));
  });

  it('replays the day in time order, after each title is out, and its expected bytes match what was played', () => {
    for (let i = 1; i < world.plays.length; i++) expect(world.plays[i]!.ms).toBeGreaterThanOrEqual(world.plays[i - 1]!.ms);
    for (const p of world.plays) expect(p.ms).toBeGreaterThanOrEqual(Date.parse(world.catalog[world.fileTitle[p.file]!]!.releasedAt));
    const expected = world.expected.reduce((s, e) => s + e.reduce((a, b) => a + b, 0), 0);
    const played = world.plays.reduce((s, p) => s + p.bytes, 0);
    expect(played / expected).toBeGreaterThan(0.9);
    expect(played / expected).toBeLessThan(1.1);
    expect(world.releasedInHorizon.size).toBeGreaterThan(0);
  });

  it('writes history as the regime says: file records per 4 h, or title records per play', () => {
    const dense = [...world.history()].slice(0, 200);
    for (const r of dense) {
      expect(r.key).toBeDefined();
      expect(new Date(r.ts).getUTCHours() % 4).toBe(2);
    }
    const sparse = [...generateWorld({ ...REGIMES[1]!, viewsPerDay: 2000 }).history()].slice(0, 200);
    for (const r of sparse) expect(r.key).toBeUndefined();
  });
});

describe('pull-through caches', () => {
  it('LRU evicts the least recently used file', () => {
    const c = new LruCache(30);
    expect(c.access(1, 10)).toBe(false);
    c.access(2, 10);
    c.access(3, 10);
    expect(c.access(1, 10)).toBe(true);
    c.access(4, 10); // evicts 2, the least recent
    expect(c.access(1, 10)).toBe(true);
    expect(c.access(2, 10)).toBe(false);
  });

  it('LFU evicts the least frequently used file', () => {
    const c = new LfuCache(30);
    for (let i = 0; i < 3; i++) c.access(1, 10);
    c.access(2, 10);
    c.access(2, 10);
    c.access(3, 10);
    c.access(4, 10); // evicts 3 (one request)
    expect(c.access(1, 10)).toBe(true);
    expect(c.access(2, 10)).toBe(true);
    expect(c.access(3, 10)).toBe(false);
  });
});

/** The fixtures of the replay and audit tests: one cluster, one title of two 10 GB files. */
const AT = Date.parse('2025-01-18T00:00:00Z');
const edgeOf = (id: string, over: Partial<Appliance> = {}): Appliance => ({
  id,
  cluster: 'c',
  region: 'r0',
  capacityBytes: 1e12,
  fillGbps: 1,
  serveGbps: 1,
  fillWindow: { start: '02:00', end: '14:00', tz: 'UTC' },
  state: 'active',
  ...over,
});
const twoFileWorld = (plays: Play[], appliances: Appliance[]): World => ({
  regime: REGIMES[0]!,
  regions: ['r0'],
  appliances,
  catalog: [
    {
      titleId: 't',
      releasedAt: '2024-01-01T00:00:00Z',
      files: [
        { key: 'a', bytes: 1e10 },
        { key: 'b', bytes: 1e10 },
      ],
    },
  ],
  fileKeys: ['a', 'b'],
  fileBytes: Float64Array.of(1e10, 1e10),
  fileTitle: Int32Array.of(0, 0),
  planAtMs: AT,
  historyDays: 12,
  history: () => [],
  warmup: [],
  plays,
  expected: [Float64Array.of(0, 0)],
  releasedInHorizon: new Set(),
});
const planOf = (over: Partial<Plan>): Plan => ({
  placements: {},
  fills: [],
  evictions: [],
  stats: { at: new Date(AT).toISOString(), notes: [], model: 'm', loadFactor: 1.25, clusters: [], unscheduled: 0 },
  ...over,
});

describe('replayPlan', () => {
  const at = AT;
  const edge = (id: string, state: Appliance['state'] = 'active'): Appliance => edgeOf(id, { state });
  const play = (hour: number, file: number, bytes = 1e9): Play => ({ ms: at + hour * 3_600_000, region: 0, file, bytes });
  const world = twoFileWorld;
  const plan = planOf;
  /** File b filled onto e1 from the origin, 02:00-03:00. */
  const fill = {
    applianceId: 'e1',
    key: 'b',
    bytes: 1e10,
    startAt: new Date(at + 2 * 3_600_000).toISOString(),
    endAt: new Date(at + 3 * 3_600_000).toISOString(),
    source: 'origin',
  };

  it('serves a filled key only once its fill has ended, and counts the fill as origin egress', () => {
    const out = replayPlan(world([play(1, 1), play(4, 1)], [edge('e1')]), plan({ fills: [fill] }), {});
    expect(out.servedBytes).toBe(1e9);
    expect(out.originBytes).toBe(1e9 + 1e10);
  });

  it("stops serving an evicted key at the appliance's first fill, and a down appliance serves nothing", () => {
    const out = replayPlan(
      world([play(1, 0), play(5, 0)], [edge('e1')]),
      plan({ fills: [fill], evictions: [{ applianceId: 'e1', key: 'a' }] }),
      { e1: ['a'] },
    );
    expect(out.servedBytes).toBe(1e9);
    const down = replayPlan(world([play(1, 0)], [edge('e1', 'down')]), plan({}), { e1: ['a'] });
    expect(down.servedBytes).toBe(0);
  });

  it('sends a play to the origin when every holder is at its serving capacity that hour', () => {
    // 1 Gbps streams 450 GB an hour: the fourth 150 GB play of the hour overflows.
    const plays = [0, 1, 2, 3].map((i) => ({ ...play(5, 0, 150e9), ms: at + 5 * 3_600_000 + i }));
    const out = replayPlan(world(plays, [edge('e1')]), plan({}), { e1: ['a'] });
    expect(out.servedBytes).toBe(450e9);
    expect(out.missBytes).toBe(150e9);
  });
});

describe('metrics written from the textbook', () => {
  it('spearman: 1 for the same order, -1 reversed, ties by average rank', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // Ranks (1.5, 1.5, 3) against (1, 2, 3): rho = 0.866...
    expect(spearman([5, 5, 9], [1, 2, 3])).toBeCloseTo(Math.sqrt(3) / 2, 12);
  });

  it('weighted error: total absolute error over total actual', () => {
    expect(weightedError([1, 1], [2, 0])).toBe(1);
    expect(weightedError([2, 2], [2, 2])).toBe(0);
  });

  it("realisedBytes sums each region's plays per file", () => {
    const w = {
      regions: ['r0'],
      fileKeys: ['a', 'b'],
      plays: [
        { ms: 0, region: 0, file: 1, bytes: 5 },
        { ms: 1, region: 0, file: 1, bytes: 7 },
      ],
    } as unknown as World;
    expect([...realisedBytes(w)[0]!]).toEqual([0, 12]);
  });
});

describe('auditPlan', () => {
  const edge = (id: string, over: Partial<Appliance> = {}): Appliance =>
    edgeOf(id, { capacityBytes: 25e9, fillWindow: { start: '02:00', end: '14:00', tz: 'Asia/Tokyo' }, ...over });
  const world = (appliances: Appliance[]): World => twoFileWorld([], appliances);
  const plan = planOf;
  // 10 GB at 1 Gbps takes 80 s; Tokyo's 02:00 is 17:00 UTC.
  const fill = (startUtc: string, over: Partial<Plan['fills'][number]> = {}): Plan['fills'][number] => {
    const start = Date.parse(startUtc);
    return {
      applianceId: 'e1',
      key: 'b',
      bytes: 1e10,
      startAt: new Date(start).toISOString(),
      endAt: new Date(start + 80_000).toISOString(),
      source: 'origin',
      ...over,
    };
  };

  it('passes a plan that keeps every limit', () => {
    const ok = plan({ placements: { e1: ['a', 'b'] }, fills: [fill('2025-01-18T17:00:00Z')] });
    expect(auditPlan(world([edge('e1')]), ok, { e1: ['a'] })).toEqual([]);
  });

  it('finds a full disk, a fill outside the local window, a fill too fast, a fill on a down appliance and a peer without the file', () => {
    const w = world([edge('e1', { capacityBytes: 15e9 }), edge('e2'), edge('e3', { state: 'down' })]);
    const bad = plan({
      placements: { e1: ['a', 'b'] },
      fills: [
        fill('2025-01-18T09:00:00Z'), // 18:00 in Tokyo: after the window
        fill('2025-01-18T17:10:00Z', { applianceId: 'e2', endAt: '2025-01-18T17:10:40Z' }), // 2 Gbps on a 1 Gbps link
        fill('2025-01-18T17:20:00Z', { applianceId: 'e3' }),
        fill('2025-01-18T17:30:00Z', { applianceId: 'e2', key: 'a', source: 'e1' }), // e1 never held a
      ],
    });
    const found = auditPlan(w, bad, {}).join('\n');
    expect(found).toMatch(/e1: 20000000000 bytes placed on 15000000000/);
    expect(found).toMatch(/e1 b: fill .* outside its window 02:00-14:00 Asia\/Tokyo/);
    expect(found).toMatch(/e2: 2\.000 Gbps of fills/);
    expect(found).toMatch(/e3 b: fill on a down appliance/);
    expect(found).toMatch(/e2 a: peer source e1 does not hold the file/);
  });

  it("finds no violation in the planner's own plan for a regime", () => {
    const w = generateWorld(REGIMES.find((r) => r.name === 'sparse')!);
    const yesterday = planFill({
      appliances: w.appliances,
      catalog: w.catalog,
      views: w.history(),
      at: new Date(w.planAtMs - 86_400_000).toISOString(),
    });
    const today = planFill({
      appliances: w.appliances,
      catalog: w.catalog,
      views: w.history(),
      at: new Date(w.planAtMs).toISOString(),
      holdings: yesterday.placements,
    });
    expect(today.fills.length).toBeGreaterThan(0);
    expect(auditPlan(w, today, yesterday.placements)).toEqual([]);
  });
});
