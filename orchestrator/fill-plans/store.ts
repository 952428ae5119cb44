import type { Appliance, Plan } from '../../cdn-planner/index.ts';
import { ObjectNotFoundError, type ObjectStore } from '../../storage/port.ts';

export const FILL_PLAN_STATES = ['proposed', 'approved', 'rejected', 'superseded'] as const;
/** proposed → approved | rejected; an approved plan becomes superseded when another is approved. */
export type FillPlanState = (typeof FILL_PLAN_STATES)[number];

/** What is known about a plan besides its content: small, rewritten on every transition. */
export interface FillPlanMeta {
  readonly id: string;
  readonly state: FillPlanState;
  /** ISO-8601, when the plan was computed. */
  readonly createdAt: string;
  /** ISO-8601, the plan instant: history ends and fills may start here. */
  readonly at: string;
  /** ISO-8601, when it was approved or rejected. */
  readonly decidedAt?: string;
  /** Id of the plan whose approval superseded this one. */
  readonly supersededBy?: string;
  /** Id of the approved plan this one superseded when it was approved. */
  readonly supersedes?: string;
  /** Titles and files the plan was computed over. */
  readonly catalog: { readonly titles: number; readonly files: number; readonly source: 'request' | 'storage' };
  readonly totals: { readonly fills: number; readonly fillBytes: number; readonly evictions: number; readonly placements: number };
  /** Who approved it so far, when approval takes more than one key (VF_PLAN_APPROVALS). */
  readonly approvals?: PlanApproval[];
}

/** One key's approval of a plan. */
export interface PlanApproval {
  readonly keyId: string;
  readonly keyName: string;
  readonly at: string;
}

/** The outcome of a decision: see {@link FillPlanStore.decide}. */
export type DecideResult =
  | { readonly outcome: 'decided' | 'not-proposed' | 'approval-recorded' | 'already-approved-by-key'; readonly meta: FillPlanMeta }
  | undefined;

/** A plan as stored: the meta, the planner's output and the appliances it was computed for. */
export interface StoredFillPlan {
  readonly meta: FillPlanMeta;
  readonly plan: Plan;
  /** Needed to steer: regions, states and addresses of the appliances the plan places on. */
  readonly appliances: readonly Appliance[];
}

/**
 * A plan as read back. `appliances` is `undefined` when the plan's `appliances.json` is missing
 * (a plan copied or restored without it): the plan, summary and schedule still read, but it
 * steers nothing and the console cannot shade its appliances' fill windows.
 */
export type ReadFillPlan = Omit<StoredFillPlan, 'appliances'> & { readonly appliances: readonly Appliance[] | undefined };

/** A plan ready to store: its meta, and its plan and appliances as the JSON written to the bucket. */
export interface SerializedFillPlan {
  readonly meta: FillPlanMeta;
  readonly planJson: string;
  readonly appliancesJson: string;
}

export function serializeFillPlan(stored: StoredFillPlan): SerializedFillPlan {
  return { meta: stored.meta, planJson: JSON.stringify(stored.plan), appliancesJson: JSON.stringify(stored.appliances) };
}

const ROOT = 'fill-plans/';
const metaKey = (id: string): string => `${ROOT}${id}/meta.json`;
const planKey = (id: string): string => `${ROOT}${id}/plan.json`;
const appliancesKey = (id: string): string => `${ROOT}${id}/appliances.json`;
/** Id of the approved plan; steering reads this one object to find what to load. */
export const APPROVED_POINTER_KEY = `${ROOT}approved.json`;

/**
 * Fill plans in the bucket, behind the ObjectStore port: `fill-plans/<id>/plan.json` (the plan),
 * `appliances.json`, and `meta.json` (state), plus `fill-plans/approved.json` naming the
 * approved plan. The plan and appliances are written before the meta, so a listed plan is
 * always complete.
 *
 * Transitions are serialised within one API process. Object storage offers no compare-and-set
 * through the port, so two API processes approving different plans at the same instant could
 * both succeed; the pointer then names the later write, and the other plan stays `approved`
 * in its meta until the next approval supersedes it.
 */
export class FillPlanStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: ObjectStore) {}

  /** Stores a plan serialised by the planning helper (serializeFillPlan): no large stringify here. */
  async create(s: SerializedFillPlan): Promise<void> {
    const { id } = s.meta;
    await this.store.put(planKey(id), s.planJson, { contentType: 'application/json' });
    await this.store.put(appliancesKey(id), s.appliancesJson, { contentType: 'application/json' });
    await this.writeMeta(s.meta);
  }

  async meta(id: string): Promise<FillPlanMeta | undefined> {
    return this.readJson<FillPlanMeta>(metaKey(id));
  }

  async get(id: string): Promise<ReadFillPlan | undefined> {
    const meta = await this.meta(id);
    if (meta === undefined) return undefined;
    const [plan, appliances] = await Promise.all([this.readJson<Plan>(planKey(id)), this.readJson<Appliance[]>(appliancesKey(id))]);
    if (plan === undefined) return undefined;
    return { meta, plan, appliances };
  }

  /** Every plan's meta, newest first. */
  async list(): Promise<FillPlanMeta[]> {
    const ids: string[] = [];
    for await (const o of this.store.list(ROOT)) {
      const m = /^fill-plans\/([^/]+)\/meta\.json$/.exec(o.key);
      if (m !== null) ids.push(m[1]!);
    }
    const metas = await Promise.all(ids.map((id) => this.meta(id)));
    return metas
      .filter((m): m is FillPlanMeta => m !== undefined)
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
  }

  async approvedId(): Promise<string | undefined> {
    return (await this.readJson<{ id: string }>(APPROVED_POINTER_KEY))?.id;
  }

  /**
   * Moves a proposed plan to `to`. Approving also supersedes the approved plan, if any, and
   * moves the pointer. When approval takes `approval.required` keys, each key's approval is
   * recorded and the plan moves only with the last one (`approval-recorded` before it); a key
   * that approved already does not count twice (`already-approved-by-key`). Undefined when
   * there is no such plan; `not-proposed` with the unchanged meta when it is not proposed.
   */
  decide(
    id: string,
    to: 'approved' | 'rejected',
    nowIso: string,
    approval?: { readonly by: Omit<PlanApproval, 'at'>; readonly required: number },
  ): Promise<DecideResult> {
    const run = this.queue.then(async (): Promise<DecideResult> => {
      const meta = await this.meta(id);
      if (meta === undefined) return undefined;
      if (meta.state !== 'proposed') return { outcome: 'not-proposed', meta };
      if (to === 'rejected') {
        const next: FillPlanMeta = { ...meta, state: 'rejected', decidedAt: nowIso };
        await this.writeMeta(next);
        return { outcome: 'decided', meta: next };
      }
      const approvals = approval === undefined ? undefined : [...(meta.approvals ?? [])];
      if (approval !== undefined && approvals !== undefined) {
        if (approvals.some((a) => a.keyId === approval.by.keyId)) return { outcome: 'already-approved-by-key', meta };
        approvals.push({ ...approval.by, at: nowIso });
        if (approvals.length < approval.required) {
          const recorded: FillPlanMeta = { ...meta, approvals };
          await this.writeMeta(recorded);
          return { outcome: 'approval-recorded', meta: recorded };
        }
      }
      const previous = await this.approvedId();
      const next: FillPlanMeta = {
        ...meta,
        state: 'approved',
        decidedAt: nowIso,
        ...(approvals === undefined ? {} : { approvals }),
        ...(previous === undefined || previous === id ? {} : { supersedes: previous }),
      };
      // Meta first, then the pointer: a crash between them leaves an approved plan that is not
      // yet steered to, never a pointer to a plan whose meta says proposed.
      await this.writeMeta(next);
      await this.store.put(APPROVED_POINTER_KEY, JSON.stringify({ id }), { contentType: 'application/json' });
      if (previous !== undefined && previous !== id) {
        const old = await this.meta(previous);
        if (old !== undefined && old.state === 'approved') await this.writeMeta({ ...old, state: 'superseded', supersededBy: id });
      }
      return { outcome: 'decided', meta: next };
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async writeMeta(meta: FillPlanMeta): Promise<void> {
    await this.store.put(metaKey(meta.id), JSON.stringify(meta), { contentType: 'application/json' });
  }

  private async readJson<T>(key: string): Promise<T | undefined> {
    try {
      return JSON.parse((await this.store.get(key)).toString('utf8')) as T;
    } catch (err) {
      if (err instanceof ObjectNotFoundError) return undefined;
      throw err;
    }
  }
}
