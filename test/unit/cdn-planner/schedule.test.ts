import { describe, expect, it } from 'vitest';
import { scheduleFills } from '../../../cdn-planner/schedule.ts';
import { windowOccurrences, zoneClock } from '../../../cdn-planner/zone.ts';
import { appliance } from './fixtures.ts';

const GB = 1e9;
const chicago = { start: '02:00', end: '06:00', tz: 'America/Chicago' };

function localHHMM(iso: string, tz: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

describe('fill windows in local time', () => {
  it('follows the 2025 spring-forward night in Chicago', () => {
    const w = windowOccurrences(chicago, zoneClock('America/Chicago'), Date.parse('2025-03-08T00:00:00Z'));
    const iso = (ms: number) => new Date(ms).toISOString();
    const got = [w.next().value!, w.next().value!, w.next().value!].map((x) => [iso(x.startMs), iso(x.endMs)]);
    expect(got).toEqual([
      ['2025-03-08T08:00:00.000Z', '2025-03-08T12:00:00.000Z'], // CST, 4 h
      ['2025-03-09T08:00:00.000Z', '2025-03-09T11:00:00.000Z'], // 02:00 does not exist: 03:00 CDT, 3 h
      ['2025-03-10T07:00:00.000Z', '2025-03-10T11:00:00.000Z'], // CDT, 4 h
    ]);
  });

  it('handles a window across midnight and a repeated hour (fall back, Berlin)', () => {
    const w = windowOccurrences(
      { start: '22:00', end: '04:00', tz: 'Europe/Berlin' },
      zoneClock('Europe/Berlin'),
      Date.parse('2025-10-25T12:00:00Z'),
    );
    const first = w.next().value!;
    // 22:00 CEST on the 25th to 04:00 CET on the 26th: 7 h because 02:00-03:00 happens twice.
    expect(new Date(first.startMs).toISOString()).toBe('2025-10-25T20:00:00.000Z');
    expect(new Date(first.endMs).toISOString()).toBe('2025-10-26T03:00:00.000Z');
  });
});

describe('scheduleFills', () => {
  const a = appliance('a', { capacityBytes: 100 * GB, fillGbps: 1, fillWindow: chicago });
  const b = appliance('b', { capacityBytes: 100 * GB, fillGbps: 1, fillWindow: chicago });
  // 450 GB at 1 Gbps takes exactly one hour: 4 fit a normal night, 3 the spring-forward one.
  const keys = new Map(Array.from({ length: 12 }, (_, i) => [`k${i}`, 100 - i] as [string, number]));
  const big = (k: string) => (k.startsWith('k') ? 450 * GB : 0);
  const atMs = Date.parse('2025-03-08T00:00:00Z');
  const s = scheduleFills(
    [
      { appliance: { ...a, capacityBytes: 100_000 * GB }, keys },
      { appliance: { ...b, capacityBytes: 100_000 * GB }, keys: new Map([['k0', 100]]) },
    ],
    { a: ['stale-1', 'k0'], b: [] },
    { atMs, bytesOf: big, horizonDays: 10 },
  );

  it('keeps every fill inside its local window, DST night included, across days', () => {
    expect(s.fills.length).toBe(12);
    for (const f of s.fills) {
      expect(localHHMM(f.startAt, 'America/Chicago') >= '02:00').toBe(true);
      expect(localHHMM(f.endAt, 'America/Chicago') <= '06:00').toBe(true);
      expect(Date.parse(f.endAt) - Date.parse(f.startAt)).toBe(3_600_000);
    }
    const perNight = new Map<string, number>();
    for (const f of s.fills)
      if (f.applianceId === 'a') perNight.set(f.startAt.slice(0, 10), (perNight.get(f.startAt.slice(0, 10)) ?? 0) + 1);
    expect(Object.fromEntries(perNight)).toEqual({ '2025-03-08': 4, '2025-03-09': 3, '2025-03-10': 4 });
  });

  it('orders adds by value and evicts what the target drops, before any add', () => {
    const aFills = s.fills.filter((f) => f.applianceId === 'a').map((f) => f.key);
    expect(aFills).toEqual(Array.from({ length: 11 }, (_, i) => `k${i + 1}`));
    expect(s.evictions).toEqual([{ applianceId: 'a', key: 'stale-1' }]);
  });

  it('fills from a peer of the cluster that holds the key, else the origin', () => {
    const bFill = s.fills.find((f) => f.applianceId === 'b');
    expect(bFill?.source).toBe('a');
    expect(s.fills.filter((f) => f.applianceId === 'a').every((f) => f.source === 'origin')).toBe(true);
  });

  it('never fills from a peer that evicts the key (it deletes it before its own first fill)', () => {
    const t = scheduleFills(
      [
        { appliance: a, keys: new Map([['other', 1]]) },
        { appliance: b, keys: new Map([['k0', 100]]) },
        {
          appliance: { ...appliance('c', { capacityBytes: 100 * GB, fillGbps: 1, fillWindow: chicago }), state: 'draining' },
          keys: new Map(),
        },
      ],
      { a: ['k0'], c: [] },
      { atMs, bytesOf: () => GB, horizonDays: 2 },
    );
    expect(t.evictions).toEqual([{ applianceId: 'a', key: 'k0' }]);
    expect(t.fills.find((f) => f.applianceId === 'b' && f.key === 'k0')?.source).toBe('origin');
    // A draining peer keeps what it holds: it stays a source.
    const u = scheduleFills(
      [
        { appliance: b, keys: new Map([['k0', 100]]) },
        { appliance: { ...a, state: 'draining' }, keys: new Map() },
      ],
      { a: ['k0'] },
      { atMs, bytesOf: () => GB, horizonDays: 2 },
    );
    expect(u.fills.find((f) => f.applianceId === 'b' && f.key === 'k0')?.source).toBe('a');
  });

  it('gives draining and down appliances no fills and no evictions', () => {
    const t = scheduleFills(
      [
        { appliance: { ...a, state: 'draining' }, keys: new Map() },
        { appliance: { ...b, state: 'down' }, keys: new Map() },
      ],
      { a: ['x'], b: ['y'] },
      { atMs, bytesOf: () => 1 },
    );
    expect(t.fills).toEqual([]);
    expect(t.evictions).toEqual([]);
  });

  it('fills the keys of a release to come first, earliest release first, whatever their value', () => {
    const valued = new Map([
      ['hot', 1000],
      ['r-late', 1],
      ['r-soon', 2],
      ['warm', 500],
    ]);
    const deadlines = new Map([
      ['r-late', atMs + 3 * 86_400_000],
      ['r-soon', atMs + 86_400_000],
    ]);
    const order = scheduleFills(
      [{ appliance: { ...a, capacityBytes: 100_000 * GB }, keys: valued, deadlines }],
      {},
      { atMs, bytesOf: () => 450 * GB },
    ).fills.map((f) => f.key);
    expect(order).toEqual(['r-soon', 'r-late', 'hot', 'warm']);
    // Without deadlines: most valuable first.
    expect(
      scheduleFills([{ appliance: { ...a, capacityBytes: 100_000 * GB }, keys: valued }], {}, { atMs, bytesOf: () => 450 * GB }).fills.map(
        (f) => f.key,
      ),
    ).toEqual(['hot', 'warm', 'r-soon', 'r-late']);
  });
});
