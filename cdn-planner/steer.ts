import type { Appliance, Plan } from './types.ts';

/** Which appliances of a region hold each key, derived from an approved plan. */
export interface SteeringTable {
  readonly holders: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
}

export interface SteeringOptions {
  /**
   * Only count a placement once its fill has ended by this instant (UTC ms); without it every
   * placement counts, as after the plan has run.
   */
  readonly nowMs?: number;
}

/** Builds the lookup once per approved plan; `steer` is then a pure map lookup. */
export function steeringTable(plan: Plan, appliances: readonly Appliance[], options: SteeringOptions = {}): SteeringTable {
  const pending = new Set<string>();
  if (options.nowMs !== undefined) {
    for (const f of plan.fills) if (Date.parse(f.endAt) > options.nowMs) pending.add(`${f.applianceId}\u0000${f.key}`);
  }
  const holders = new Map<string, Map<string, string[]>>();
  for (const a of appliances) {
    if (a.state !== 'active') continue;
    let byKey = holders.get(a.region);
    if (byKey === undefined) holders.set(a.region, (byKey = new Map()));
    for (const key of plan.placements[a.id] ?? []) {
      if (pending.has(`${a.id}\u0000${key}`)) continue;
      const list = byKey.get(key);
      if (list === undefined) byKey.set(key, [a.id]);
      else list.push(a.id);
    }
  }
  return { holders };
}

/**
 * The appliance a player of `region` should fetch `key` from, or undefined for the origin.
 * Among several holders the choice is a stable hash of `clientHint` (a session or client id),
 * so one player keeps hitting one appliance and players spread evenly over the copies.
 */
export function steer(table: SteeringTable, region: string, key: string, clientHint = ''): string | undefined {
  const list = table.holders.get(region)?.get(key);
  if (list === undefined || list.length === 0) return undefined;
  return list.length === 1 ? list[0] : list[fnv1a(clientHint) % list.length];
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
