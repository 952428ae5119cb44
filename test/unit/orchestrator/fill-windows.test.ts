import { describe, expect, it } from 'vitest';
import type { Appliance, Plan } from '../../../cdn-planner/index.ts';
import { applianceViews, occurrencesOver } from '../../../orchestrator/fill-plans/fill-windows.ts';

const ms = (iso: string): number => Date.parse(iso);

describe('fill window occurrences of a plan view', () => {
  it('turns a local window into UTC instants on each side of a DST jump (Berlin, spring forward 2025-03-30)', () => {
    const win = { start: '01:00', end: '04:00', tz: 'Europe/Berlin' };
    expect(occurrencesOver(win, ms('2025-03-28T12:00:00Z'), ms('2025-03-31T12:00:00Z'))).toEqual([
      { startAt: '2025-03-29T00:00:00.000Z', endAt: '2025-03-29T03:00:00.000Z' },
      // 02:00 local does not exist that night: the window is an hour shorter, not shifted.
      { startAt: '2025-03-30T00:00:00.000Z', endAt: '2025-03-30T02:00:00.000Z' },
      { startAt: '2025-03-30T23:00:00.000Z', endAt: '2025-03-31T02:00:00.000Z' },
    ]);
  });

  it('keeps a window crossing local midnight whole, including the one already open at the plan instant', () => {
    const win = { start: '22:00', end: '06:00', tz: 'America/Chicago' };
    // 2025-01-15T06:00Z is 00:00 CST: the window opened at 04:00Z and is shown from there.
    expect(occurrencesOver(win, ms('2025-01-15T06:00:00Z'), ms('2025-01-16T06:00:00Z'))).toEqual([
      { startAt: '2025-01-15T04:00:00.000Z', endAt: '2025-01-15T12:00:00.000Z' },
      { startAt: '2025-01-16T04:00:00.000Z', endAt: '2025-01-16T12:00:00.000Z' },
    ]);
  });

  it('covers at least a day from the plan instant, and up to the end of the last fill', () => {
    const appliance = (id: string, tz: string): Appliance => ({
      id,
      cluster: 'c',
      region: 'r',
      capacityBytes: 1,
      fillGbps: 1,
      fillWindow: { start: '02:00', end: '04:00', tz },
      state: 'active',
    });
    const at = '2025-06-01T00:00:00.000Z';
    const plan = (fillEnd: string): Plan => ({
      placements: { a: ['k'] },
      fills: [{ applianceId: 'a', key: 'k', bytes: 1, startAt: '2025-06-01T02:00:00Z', endAt: fillEnd, source: 'origin' }],
      evictions: [],
      stats: { at, notes: [], model: 'test', loadFactor: 1, clusters: [], unscheduled: 0 },
    });
    const [utc, tokyo] = applianceViews([appliance('a', 'UTC'), appliance('b', 'Asia/Tokyo')], plan('2025-06-01T02:10:00Z'), at);
    expect(utc!.windowOccurrences).toEqual([{ startAt: '2025-06-01T02:00:00.000Z', endAt: '2025-06-01T04:00:00.000Z' }]);
    // Tokyo's 02:00-04:00 is 17:00-19:00 UTC the day before: the next one is the first in the span.
    expect(tokyo!.windowOccurrences).toEqual([{ startAt: '2025-06-01T17:00:00.000Z', endAt: '2025-06-01T19:00:00.000Z' }]);
    expect(tokyo).toMatchObject({ id: 'b', cluster: 'c', fillWindow: { tz: 'Asia/Tokyo' }, state: 'active' });

    const [late] = applianceViews([appliance('a', 'UTC')], plan('2025-06-03T03:00:00Z'), at);
    expect(late!.windowOccurrences.map((o) => o.startAt)).toEqual([
      '2025-06-01T02:00:00.000Z',
      '2025-06-02T02:00:00.000Z',
      '2025-06-03T02:00:00.000Z',
    ]);
  });
});
