import { DAY_MS, windowOccurrences, zoneClock, type Appliance, type FillWindow, type Plan } from '../../cdn-planner/index.ts';

/** One occurrence of an appliance's fill window, as UTC instants. */
export interface WindowOccurrenceView {
  /** ISO-8601 UTC. */
  readonly startAt: string;
  /** ISO-8601 UTC. */
  readonly endAt: string;
}

/** An appliance of a plan as `GET /v1/fill-plans/:id` shows it. */
export type ApplianceView = Appliance & { readonly windowOccurrences: readonly WindowOccurrenceView[] };

/**
 * The plan's appliances, each with the occurrences of its fill window over the plan's span: from
 * the occurrence open at the plan instant to the one open when the last fill ends (at least a
 * day). The local windows are turned into UTC instants here, by the planner's own zone code (the
 * code the fills were scheduled with), and served as data: the console is plain ES modules with
 * no build step and cannot import the planner's TypeScript, and a second copy of the DST rules in
 * the browser would shade windows the schedule did not use.
 */
export function applianceViews(appliances: readonly Appliance[], plan: Plan, atIso: string): ApplianceView[] {
  const fromMs = Date.parse(atIso);
  let toMs = fromMs + DAY_MS;
  for (const f of plan.fills) toMs = Math.max(toMs, Date.parse(f.endAt));
  // Appliances usually share a few windows; each occurrence costs several Intl calls.
  const byWindow = new Map<string, WindowOccurrenceView[]>();
  return appliances.map((a) => {
    const w = a.fillWindow;
    const id = `${w.start}\u0000${w.end}\u0000${w.tz}`;
    let occurrences = byWindow.get(id);
    if (occurrences === undefined) {
      occurrences = occurrencesOver(w, fromMs, toMs);
      byWindow.set(id, occurrences);
    }
    return { ...a, windowOccurrences: occurrences };
  });
}

/** Whole occurrences of `window` that overlap [fromMs, toMs). */
export function occurrencesOver(window: FillWindow, fromMs: number, toMs: number): WindowOccurrenceView[] {
  const out: WindowOccurrenceView[] = [];
  // windowOccurrences clips the occurrence open at its `fromMs`; starting a day early shows the
  // one open at the plan instant whole (a window lasts at most a day, so the clipped one, open a
  // day before, has ended by `fromMs` and is dropped, bar a 24 h window on a 25 h DST night).
  for (const o of windowOccurrences(window, zoneClock(window.tz), fromMs - DAY_MS)) {
    if (o.startMs >= toMs) break;
    if (o.endMs <= fromMs) continue;
    out.push({ startAt: new Date(o.startMs).toISOString(), endAt: new Date(o.endMs).toISOString() });
  }
  return out;
}
