import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../../orchestrator/cli/plan.ts';
import { appliance, catalog } from './fixtures.ts';

describe('vodforge plan', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vodforge-plan-'));
    const appliances = [
      appliance('a1', { capacityBytes: 60_000 }),
      appliance('a2', { capacityBytes: 60_000 }),
      appliance('a3', { capacityBytes: 60_000, state: 'draining' }),
    ];
    await writeFile(join(dir, 'appliances.json'), JSON.stringify(appliances));
    await writeFile(join(dir, 'catalog.json'), JSON.stringify(catalog(10, 2, 10_000)));
    const lines: string[] = [];
    for (let d = 1; d <= 7; d++) {
      for (let t = 0; t < 10; t++) {
        for (let v = 0; v < 10 - t; v++)
          lines.push(JSON.stringify({ ts: `2025-03-0${d}T20:00:00Z`, titleId: `t${t}`, region: 'us', bytes: 5000 }));
      }
    }
    await writeFile(join(dir, 'views.jsonl'), lines.join('\n'));
    await writeFile(join(dir, 'holdings.json'), JSON.stringify({ a1: ['t9/f0', 'gone'], a3: ['t0/f0'] }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes plan.json with placements, fills, evictions and stats', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const code = await run([
      '--appliances',
      join(dir, 'appliances.json'),
      '--catalog',
      join(dir, 'catalog.json'),
      '--views',
      join(dir, 'views.jsonl'),
      '--holdings',
      join(dir, 'holdings.json'),
      '--at',
      '2025-03-08T00:00:00Z',
      '--out',
      join(dir, 'plan.json'),
    ]);
    const printed = out.mock.calls.map((c) => String(c[0])).join('');
    out.mockRestore();
    expect(code).toBe(0);
    expect(printed).toContain('c1');
    const plan = JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(plan).sort()).toEqual(['evictions', 'fills', 'placements', 'shares', 'stats']);
    const placements = plan.placements as Record<string, string[]>;
    expect(Object.keys(placements).sort()).toEqual(['a1', 'a2', 'a3']);
    expect(placements.a3).toEqual([]);
    expect(placements.a1!.length + placements.a2!.length).toBeGreaterThan(0);
    const fills = plan.fills as Record<string, unknown>[];
    expect(fills.length).toBeGreaterThan(0);
    for (const f of fills) expect(Object.keys(f).sort()).toEqual(['applianceId', 'bytes', 'endAt', 'key', 'source', 'startAt']);
    // The most popular title's file is held by draining a3, a peer in the cluster: fill from it.
    expect(fills.find((f) => f.key === 't0/f0')?.source).toBe('a3');
    const evictions = plan.evictions as Record<string, unknown>[];
    expect(evictions).toContainEqual({ applianceId: 'a1', key: 'gone' });
    const stats = plan.stats as { clusters: { cluster: string; expectedOffload: number }[] };
    expect(stats.clusters[0]!.cluster).toBe('c1');
    expect(stats.clusters[0]!.expectedOffload).toBeGreaterThan(0);
  });

  it('exits 1 naming the bad field', async () => {
    await writeFile(join(dir, 'bad.json'), JSON.stringify([{ ...appliance('x'), fillGbps: 0 }]));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const code = await run([
      '--appliances',
      join(dir, 'bad.json'),
      '--catalog',
      join(dir, 'catalog.json'),
      '--views',
      join(dir, 'views.jsonl'),
      '--out',
      join(dir, 'p.json'),
    ]);
    const printed = err.mock.calls.map((c) => String(c[0])).join('');
    err.mockRestore();
    expect(code).toBe(1);
    expect(printed).toContain('appliances[0].fillGbps');
  });
});
