import type { FillWindow } from './types.ts';
import { DAY_MS } from './units.ts';

/** Wall-clock arithmetic in one IANA zone, from Intl.DateTimeFormat (no tz database of our own). */
export interface ZoneClock {
  readonly tz: string;
  /** Local wall-clock fields of a UTC instant (month 1-12). */
  local(utcMs: number): { year: number; month: number; day: number; hour: number; minute: number };
  /**
   * The UTC instant of a local wall-clock time. A time skipped by a DST jump resolves to the
   * same distance past the jump (02:30 on a spring-forward night is 03:30); a repeated time
   * resolves to its first occurrence, as Temporal's 'compatible' disambiguation does.
   */
  toUtc(year: number, month: number, day: number, hour: number, minute: number): number;
}

export function zoneClock(tz: string): ZoneClock {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const local = (utcMs: number) => {
    const p: Record<string, number> = {};
    for (const part of fmt.formatToParts(new Date(utcMs))) if (part.type !== 'literal') p[part.type] = Number(part.value);
    return { year: p.year!, month: p.month!, day: p.day!, hour: p.hour!, minute: p.minute!, second: p.second! };
  };
  const offset = (utcMs: number): number => {
    const l = local(utcMs);
    return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - Math.floor(utcMs / 1000) * 1000;
  };
  return {
    tz,
    local,
    toUtc(year, month, day, hour, minute) {
      const wall = Date.UTC(year, month - 1, day, hour, minute);
      const before = offset(wall - DAY_MS);
      const after = offset(wall + DAY_MS);
      const valid = [wall - before, wall - after].filter((t) => {
        const l = local(t);
        return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute) === wall;
      });
      return valid.length > 0 ? Math.min(...valid) : wall - before;
    },
  };
}

/** A UTC interval [startMs, endMs). */
export interface Interval {
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * The fill window's occurrences, in order, that end after `fromMs`; the first is clipped to
 * start at `fromMs` when it is already open. Each occurrence is computed from local dates, so
 * a DST change shortens or lengthens that night's window by the jump rather than shifting it.
 */
export function* windowOccurrences(window: FillWindow, clock: ZoneClock, fromMs: number): Generator<Interval> {
  const [sh, sm] = window.start.split(':').map(Number) as [number, number];
  const [eh, em] = window.end.split(':').map(Number) as [number, number];
  const crosses = eh * 60 + em <= sh * 60 + sm;
  const today = clock.local(fromMs);
  // Start a day early: yesterday's window may cross midnight and still be open.
  for (let i = -1; ; i++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + i));
    const next = new Date(Date.UTC(today.year, today.month - 1, today.day + i + 1));
    const startMs = clock.toUtc(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), sh, sm);
    const endDate = crosses ? next : date;
    const endMs = clock.toUtc(endDate.getUTCFullYear(), endDate.getUTCMonth() + 1, endDate.getUTCDate(), eh, em);
    if (endMs <= fromMs) continue;
    yield { startMs: Math.max(startMs, fromMs), endMs };
  }
}
