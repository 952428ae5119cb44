import { windowOccurrences, zoneClock, type Interval, type ZoneClock } from './zone.ts';
import type { Appliance, Eviction, Fill, Holdings } from './types.ts';
import { DAY_MS } from './units.ts';

/** One appliance's target content with the value of each key (predicted bytes/day it serves). */
export interface ApplianceTarget {
  readonly appliance: Appliance;
  /** Keys to hold, with their predicted value; empty for draining and down appliances. */
  readonly keys: ReadonlyMap<string, number>;
  /** Keys that must be in place by a time (a title's release, UTC ms): filled first, earliest first. */
  readonly deadlines?: ReadonlyMap<string, number>;
}

export interface ScheduleOptions {
  /** Plan start, UTC ms: no fill starts before it. */
  readonly atMs: number;
  /** Days after `atMs` within which fills must start; later adds are dropped. @defaultValue 14 */
  readonly horizonDays?: number;
  /** Bytes of each catalog key. Keys missing here are stale holdings: 0 bytes. */
  readonly bytesOf: (key: string) => number;
}

export interface Schedule {
  readonly fills: Fill[];
  readonly evictions: Eviction[];
  /** Adds per appliance that could not start within the horizon (not filled, not placed). */
  readonly unscheduled: ReadonlyMap<string, readonly string[]>;
  /** Fill time per appliance, ms. */
  readonly fillMs: ReadonlyMap<string, number>;
}

/**
 * Diffs targets against holdings and schedules the adds.
 *
 * Adds with a deadline (a release to come) go first, earliest first: a new season must be on
 * the appliance before its premiere, whatever its value per byte. Then the rest go most
 * valuable first, back to back at the appliance's fillGbps inside its local
 * off-peak window, carried to the next night when one does not fit what is left of tonight's.
 * Evictions are listed least valuable first and run before the appliance's first fill, so the
 * room every add needs is free when it starts (targets never exceed capacity). Draining and
 * down appliances get neither: a draining one keeps serving what it has until it leaves, a down
 * one cannot be reached. The source of a fill is a peer of the cluster that holds the key now,
 * or one whose own fill of it has ended by then, else the origin.
 */
export function scheduleFills(targets: readonly ApplianceTarget[], holdings: Holdings, options: ScheduleOptions): Schedule {
  const horizonEnd = options.atMs + (options.horizonDays ?? 14) * DAY_MS;
  const clocks = new Map<string, ZoneClock>();
  const fills: Fill[] = [];
  const evictions: Eviction[] = [];
  const unscheduled = new Map<string, string[]>();
  const fillMs = new Map<string, number>();
  const timed: { fill: Omit<Fill, 'source'>; cluster: string; startMs: number; endMs: number }[] = [];
  for (const { appliance: a, keys, deadlines } of targets) {
    if (a.state !== 'active') continue;
    const held = new Set(holdings[a.id] ?? []);
    const evict = [...held].filter((k) => !keys.has(k));
    evict.sort((x, y) => (keys.get(x) ?? 0) - (keys.get(y) ?? 0) || (x < y ? -1 : x > y ? 1 : 0));
    for (const key of evict) evictions.push({ applianceId: a.id, key });
    const due = (k: string): number => deadlines?.get(k) ?? Number.POSITIVE_INFINITY;
    const adds = [...keys].filter(([k]) => !held.has(k)).sort((x, y) => due(x[0]) - due(y[0]) || y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
    if (adds.length === 0) continue;
    let clock = clocks.get(a.fillWindow.tz);
    if (clock === undefined) {
      clock = zoneClock(a.fillWindow.tz);
      clocks.set(a.fillWindow.tz, clock);
    }
    const occurrences = windowOccurrences(a.fillWindow, clock, options.atMs);
    const windows: Interval[] = [];
    const windowAt = (i: number): Interval => {
      while (windows.length <= i) windows.push(occurrences.next().value!);
      return windows[i]!;
    };
    let wi = 0;
    let cursor = windowAt(0).startMs;
    let busy = 0;
    const dropped: string[] = [];
    const bitsPerMs = a.fillGbps * 1e6;
    for (const [key] of adds) {
      const bytes = options.bytesOf(key);
      const dur = Math.ceil((bytes * 8) / bitsPerMs);
      // Find the first night from here with room; a dropped add must not move the cursor.
      let i = wi;
      let start = cursor;
      while (start + dur > windowAt(i).endMs && start < horizonEnd) {
        i++;
        start = windowAt(i).startMs;
      }
      if (start >= horizonEnd) {
        dropped.push(key);
        continue;
      }
      wi = i;
      cursor = start;
      timed.push({
        fill: { applianceId: a.id, key, bytes, startAt: iso(cursor), endAt: iso(cursor + dur) },
        cluster: a.cluster,
        startMs: cursor,
        endMs: cursor + dur,
      });
      cursor += dur;
      busy += dur;
    }
    fillMs.set(a.id, busy);
    if (dropped.length > 0) unscheduled.set(a.id, dropped);
  }
  // Sources, in time order so that an earlier fill can seed a later one in the same cluster.
  timed.sort((x, y) => x.startMs - y.startMs || (x.fill.applianceId < y.fill.applianceId ? -1 : 1));
  const holders = peerHolders(targets, holdings, new Set(timed.map((t) => t.fill.key)));
  const filledAt = new Map<string, { applianceId: string; endMs: number }[]>();
  for (const t of timed) {
    const ck = `${t.cluster}\u0000${t.fill.key}`;
    const peers = holders.get(ck)?.filter((id) => id !== t.fill.applianceId) ?? [];
    let source = peers[0];
    if (source === undefined) source = filledAt.get(ck)?.find((p) => p.endMs <= t.startMs)?.applianceId;
    fills.push({ ...t.fill, source: source ?? 'origin' });
    const list = filledAt.get(ck) ?? [];
    list.push({ applianceId: t.fill.applianceId, endMs: t.endMs });
    filledAt.set(ck, list);
  }
  return { fills, evictions, unscheduled, fillMs };
}

/**
 * Appliances (active or draining: up) holding each key now and keeping it, by cluster and key,
 * for the keys being filled only: holdings run to hundreds of thousands of keys, fills to a
 * few thousand.
 */
function peerHolders(targets: readonly ApplianceTarget[], holdings: Holdings, wanted: ReadonlySet<string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { appliance: a, keys } of targets) {
    if (a.state === 'down') continue;
    for (const key of holdings[a.id] ?? []) {
      if (!wanted.has(key)) continue;
      // An active appliance evicting the key deletes it before its own first fill: not a source.
      if (a.state === 'active' && !keys.has(key)) continue;
      const ck = `${a.cluster}\u0000${key}`;
      const list = out.get(ck) ?? [];
      list.push(a.id);
      out.set(ck, list);
    }
  }
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
