import { hintHash, pickWeighted, steer, steeringTable, type Appliance, type SteeringTable } from '../../cdn-planner/index.ts';
import type { ObjectStore } from '../../storage/port.ts';
import { FillPlanStore } from './store.ts';
import { steerableBaseUrl } from './appliance-origins.ts';

/** Where a player of a region fetches a file: an appliance URL, or undefined for the origin. */
export interface Steering {
  readonly planId: string;
  /** URL of `key` on an appliance of `region` that holds it, or undefined. */
  urlFor(region: string, key: string, clientHint: string): string | undefined;
  /**
   * Base URL of one appliance of `region` that holds every key (a DASH representation has one
   * template, so all its segments must come from one place), or undefined.
   */
  baseHoldingAll(region: string, keys: readonly string[], clientHint: string): string | undefined;
}

export interface SteeringCacheOptions {
  /** How often the approved-plan pointer is re-read, so approvals on another API process show. @defaultValue 10 s */
  readonly recheckMs?: number;
  readonly now?: () => number;
  /** Origins players may be steered to (see appliance-origins.ts). @defaultValue none: no steering */
  readonly applianceOrigins?: readonly string[];
}

/**
 * The approved plan's steering table, held in memory. Approving through this process
 * invalidates it at once; otherwise the pointer is re-read every `recheckMs`, and the table is
 * rebuilt when a pending fill's end passes (a placement counts once its fill has ended).
 */
export class SteeringCache {
  private entry:
    | { readonly id: string | undefined; readonly steering: Steering | undefined; readonly checkedAt: number; readonly validUntil: number }
    | undefined;
  private loading: Promise<Steering | undefined> | undefined;
  private readonly recheckMs: number;
  private readonly now: () => number;
  private readonly applianceOrigins: readonly string[];

  constructor(
    private readonly plans: FillPlanStore,
    options: SteeringCacheOptions = {},
  ) {
    this.recheckMs = options.recheckMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.applianceOrigins = options.applianceOrigins ?? [];
  }

  invalidate(): void {
    this.entry = undefined;
    this.loading = undefined;
  }

  async current(): Promise<Steering | undefined> {
    const now = this.now();
    const e = this.entry;
    if (e !== undefined && now - e.checkedAt < this.recheckMs && now < e.validUntil) return e.steering;
    this.loading ??= this.load(now, e).finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(now: number, previous: SteeringCache['entry']): Promise<Steering | undefined> {
    const id = await this.plans.approvedId();
    if (previous !== undefined && previous.id === id && now < previous.validUntil) {
      this.entry = { ...previous, checkedAt: now };
      return previous.steering;
    }
    const stored = id === undefined ? undefined : await this.plans.get(id);
    if (id === undefined || stored === undefined) {
      this.entry = { id, steering: undefined, checkedAt: now, validUntil: Number.POSITIVE_INFINITY };
      return undefined;
    }
    let validUntil = Number.POSITIVE_INFINITY;
    for (const f of stored.plan.fills) {
      const end = Date.parse(f.endAt);
      if (end > now && end < validUntil) validUntil = end;
    }
    // Only appliances players can reach are steered to (none when the plan lost its appliances),
    // and only on origins allowed now: a plan approved before the list changed steers no further.
    const reachable = (stored.appliances ?? []).flatMap((a) => {
      const baseUrl = a.baseUrl === undefined ? undefined : steerableBaseUrl(a.baseUrl, this.applianceOrigins);
      return baseUrl === undefined ? [] : [{ ...a, baseUrl }];
    });
    const steering = makeSteering(id, steeringTable(stored.plan, reachable, { nowMs: now }), reachable);
    this.entry = { id, steering, checkedAt: now, validUntil };
    return steering;
  }
}

function makeSteering(planId: string, table: SteeringTable, appliances: readonly Appliance[]): Steering {
  const base = new Map(appliances.map((a) => [a.id, a.baseUrl!]));
  return {
    planId,
    urlFor(region, key, hint) {
      const id = steer(table, region, key, hint);
      return id === undefined ? undefined : `${base.get(id)!}/${encodeKey(key)}`;
    },
    baseHoldingAll(region, keys, hint) {
      const byKey = table.holders.get(region);
      if (byKey === undefined || keys.length === 0) return undefined;
      let candidates = byKey.get(keys[0]!) ?? [];
      for (const key of keys.slice(1)) {
        if (candidates.length === 0) break;
        const has = new Set((byKey.get(key) ?? []).map((h) => h.id));
        candidates = candidates.filter((h) => has.has(h.id));
      }
      if (candidates.length === 0) return undefined;
      // Weighted as the first key's copies are, the way `steer` picks for that key alone.
      const id =
        candidates[
          pickWeighted(
            candidates.map((h) => h.weight),
            (k) => hintHash(`${hint}\u0000${keys[0]!}\u0000${candidates[k]!.id}`),
          )
        ]!.id;
      return base.get(id);
    },
  };
}

/** A storage key as a URL path: each segment percent-encoded, slashes kept. */
export function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

export interface FillPlanServices {
  readonly plans: FillPlanStore;
  readonly steering: SteeringCache;
}

/**
 * The fill-plan store and steering cache of one app, shared by the fill-plan routes (which
 * invalidate the cache on approval) and the playback routes (which read it).
 */
export function createFillPlanServices(store: ObjectStore, applianceOrigins: readonly string[]): FillPlanServices {
  const plans = new FillPlanStore(store);
  return { plans, steering: new SteeringCache(plans, { applianceOrigins }) };
}
