import { randomUUID } from 'node:crypto';
import {
  expectInstant,
  planFill,
  PlannerError,
  validateAppliances,
  validateCatalog,
  validateHoldings,
  validateViewRecord,
  type CatalogTitle,
  type Plan,
} from '../../cdn-planner/index.ts';
import { bodyAjv } from '../validation.ts';
import { allowedBaseUrl, ApplianceOriginError } from './appliance-origins.ts';
import { CreateFillPlanBody, namedFieldError, type CreateFillPlanBodyT } from './schemas.ts';
import type { FillPlanMeta, StoredFillPlan } from './store.ts';

/** A plan request that cannot be planned: `code` is the API's, the message names the field. */
export class FillPlanInputError extends Error {
  override readonly name = 'FillPlanInputError';
  constructor(
    readonly code: 'VF_INVALID_REQUEST' | 'VF_INVALID_JSON' | 'VF_FILL_PLAN_INVALID',
    message: string,
  ) {
    super(message);
  }
}

let validateBody: ReturnType<ReturnType<typeof bodyAjv>['compile']> | undefined;

/** Parses and schema-checks a plan request's raw JSON, as the route's schema would. */
export function parsePlanRequest(raw: Uint8Array): CreateFillPlanBodyT {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
  } catch (err) {
    throw new FillPlanInputError('VF_INVALID_JSON', `The request body is not valid JSON: ${(err as Error).message}`);
  }
  validateBody ??= bodyAjv().compile(CreateFillPlanBody);
  if (!validateBody(body)) throw new FillPlanInputError('VF_INVALID_REQUEST', namedFieldError(validateBody.errors ?? [], 'body').message);
  return body as CreateFillPlanBodyT;
}

export interface PlanRequest {
  readonly body: CreateFillPlanBodyT;
  /** The catalog exported from storage, when the body has none. */
  readonly exported: readonly CatalogTitle[] | undefined;
  readonly applianceOrigins: readonly string[];
  /** ISO-8601: when the plan is computed (and its default instant). */
  readonly now: string;
  readonly id?: string;
}

/** Validates with the planner's rules (field-named errors) and computes the plan. */
export function computeFillPlan(r: PlanRequest): StoredFillPlan {
  const { body } = r;
  try {
    const appliances = validateAppliances(body.appliances, 'appliances').map((a, i) =>
      a.baseUrl === undefined ? a : { ...a, baseUrl: allowedBaseUrl(`appliances[${i}].baseUrl`, a.baseUrl, r.applianceOrigins) },
    );
    const catalog = r.exported ?? validateCatalog(body.catalog, 'catalog');
    const holdings = validateHoldings(body.holdings ?? {}, appliances, 'holdings');
    const views = body.views.map((v, i) => validateViewRecord(v, `views[${i}]`));
    const at = body.at ?? r.now;
    expectInstant('at', at);
    const o = body.options ?? {};
    const plan = planFill(
      { appliances, catalog, views, holdings, at },
      {
        ...(o.loadFactor === undefined ? {} : { loadFactor: o.loadFactor }),
        ...(o.historyDays === undefined ? {} : { historyDays: o.historyDays }),
        ...(o.horizonDays === undefined ? {} : { horizonDays: o.horizonDays }),
        ...(o.retentionDays === undefined ? {} : { retentionDays: o.retentionDays }),
      },
    );
    const meta: FillPlanMeta = {
      id: r.id ?? randomUUID(),
      state: 'proposed',
      createdAt: r.now,
      at: new Date(Date.parse(at)).toISOString(),
      catalog: {
        titles: catalog.length,
        files: catalog.reduce((s, t) => s + t.files.length, 0),
        source: r.exported === undefined ? 'request' : 'storage',
      },
      totals: totals(plan),
    };
    return { meta, plan, appliances };
  } catch (err) {
    if (err instanceof PlannerError || err instanceof ApplianceOriginError)
      throw new FillPlanInputError('VF_FILL_PLAN_INVALID', err.message);
    throw err;
  }
}

function totals(plan: Plan): FillPlanMeta['totals'] {
  let fillBytes = 0;
  for (const f of plan.fills) fillBytes += f.bytes;
  let placements = 0;
  for (const keys of Object.values(plan.placements)) placements += keys.length;
  return { fills: plan.fills.length, fillBytes, evictions: plan.evictions.length, placements };
}
