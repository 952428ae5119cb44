/**
 * Checks a fill plan against the physical limits of a world's appliances, written apart from
 * the planner (it shares only the input types): what ends on an appliance fits its disk, every
 * fill runs inside the appliance's local fill window, the fills running at once on an
 * appliance stay within its fill bandwidth, nothing is filled onto a draining or down
 * appliance, a fill carries the file's whole size, and a peer source holds the file when the
 * fill starts. Each broken rule is one line naming the appliance and the key.
 */
import type { Appliance, Plan } from '../../types.ts';
import type { World } from './generate.ts';

/** Local wall-clock minutes of the day at `ms` in `tz`. */
const formats = new Map<string, Intl.DateTimeFormat>();
function localMinutes(ms: number, tz: string): number {
  let format = formats.get(tz);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formats.set(tz, format);
  }
  const parts = format.formatToParts(new Date(ms));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get('hour') * 60 + get('minute') + get('second') / 60;
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** True when [startMs, endMs] lies inside one opening of the appliance's window. */
function insideWindow(a: Appliance, startMs: number, endMs: number): boolean {
  const open = minutesOf(a.fillWindow.start);
  const close = minutesOf(a.fillWindow.end);
  const length = (close - open + 1440) % 1440 || 1440;
  // Minutes since the window opened, for the opening that contains the start.
  const sinceOpen = (localMinutes(startMs, a.fillWindow.tz) - open + 1440) % 1440;
  const tolerance = 1e-6;
  return sinceOpen <= length + tolerance && sinceOpen + (endMs - startMs) / 60_000 <= length + 1 / 60 + tolerance;
}

export function auditPlan(world: World, plan: Plan, holdings: Readonly<Record<string, readonly string[]>>): string[] {
  const bytesOf = new Map(world.fileKeys.map((k, f) => [k, world.fileBytes[f]!]));
  const byId = new Map(world.appliances.map((a) => [a.id, a]));
  const problems: string[] = [];

  for (const [id, keys] of Object.entries(plan.placements)) {
    const a = byId.get(id);
    if (a === undefined) {
      problems.push(`placement on unknown appliance ${id}`);
      continue;
    }
    const used = keys.reduce((s, k) => s + (bytesOf.get(k) ?? 0), 0);
    if (used > a.capacityBytes) problems.push(`${id}: ${used} bytes placed on ${a.capacityBytes} of disk`);
  }

  const evicted = new Set(plan.evictions.map((e) => `${e.applianceId}\u0000${e.key}`));
  const held = new Set(Object.entries(holdings).flatMap(([id, keys]) => keys.map((k) => `${id}\u0000${k}`)));
  const heldAtStart = (id: string, key: string): boolean => held.has(`${id}\u0000${key}`) && !evicted.has(`${id}\u0000${key}`);
  const filledAt = new Map<string, number>();
  for (const f of plan.fills) {
    const k = `${f.applianceId}\u0000${f.key}`;
    filledAt.set(k, Math.min(filledAt.get(k) ?? Infinity, Date.parse(f.endAt)));
  }
  const fillsOn = new Map<string, { start: number; end: number; rate: number }[]>();
  for (const fill of plan.fills) {
    const a = byId.get(fill.applianceId);
    const start = Date.parse(fill.startAt);
    const end = Date.parse(fill.endAt);
    const where = `${fill.applianceId} ${fill.key}`;
    if (a === undefined) {
      problems.push(`${where}: fill on an unknown appliance`);
      continue;
    }
    if (a.state !== 'active') problems.push(`${where}: fill on a ${a.state} appliance`);
    if (fill.bytes !== bytesOf.get(fill.key)) problems.push(`${where}: fill of ${fill.bytes} bytes for a file of ${bytesOf.get(fill.key)}`);
    if (!(end > start)) problems.push(`${where}: fill ends before it starts`);
    if (!insideWindow(a, start, end))
      problems.push(
        `${where}: fill ${fill.startAt}..${fill.endAt} outside its window ${a.fillWindow.start}-${a.fillWindow.end} ${a.fillWindow.tz}`,
      );
    if (fill.source !== 'origin') {
      const peer = byId.get(fill.source);
      const peerFilled = (filledAt.get(`${fill.source}\u0000${fill.key}`) ?? Infinity) <= start;
      if (
        peer === undefined ||
        peer.cluster !== a.cluster ||
        peer.state === 'down' ||
        !(heldAtStart(fill.source, fill.key) || peerFilled)
      ) {
        problems.push(`${where}: peer source ${fill.source} does not hold the file when the fill starts`);
      }
    }
    const list = fillsOn.get(a.id) ?? [];
    list.push({ start, end, rate: (fill.bytes * 8) / ((end - start) / 1000) });
    fillsOn.set(a.id, list);
  }

  // Bandwidth: at each fill's start, the fills running then add up to at most fillGbps.
  for (const [id, fills] of fillsOn) {
    const cap = byId.get(id)!.fillGbps * 1e9 * (1 + 1e-6);
    for (const f of fills) {
      const rate = fills.filter((g) => g.start <= f.start && f.start < g.end).reduce((s, g) => s + g.rate, 0);
      if (rate > cap) {
        problems.push(
          `${id}: ${(rate / 1e9).toFixed(3)} Gbps of fills at ${new Date(f.start).toISOString()} on a ${byId.get(id)!.fillGbps} Gbps link`,
        );
        break;
      }
    }
  }
  return problems;
}
