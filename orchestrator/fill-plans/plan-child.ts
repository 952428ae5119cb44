/**
 * The planning helper: a child process of the API (see runtime/helper-process.ts) that parses,
 * schema-checks, validates and computes fill plans, one at a time, at the lowest CPU priority
 * and with its own heap limit, so that neither the event loop serving players nor the API's
 * memory depends on a plan. A body without a catalog is answered `need-catalog`; the API
 * exports the catalog from storage and asks again with it.
 */
import type { CatalogTitle } from '../../cdn-planner/index.ts';
import { serveRequests } from '../runtime/helper-child.ts';
import { computeFillPlan, FillPlanInputError, parsePlanRequest } from './compute.ts';
import { serializeFillPlan, type SerializedFillPlan } from './store.ts';

export interface PlanRequestMessage {
  /** The request's raw JSON body. */
  readonly raw: Uint8Array;
  /** ISO-8601: when the plan is computed. */
  readonly now: string;
  readonly applianceOrigins: readonly string[];
  /** The catalog exported from storage, sent when the body has none. */
  readonly catalog?: readonly CatalogTitle[];
}

export type PlanReply =
  | { readonly kind: 'need-catalog' }
  | { readonly kind: 'done'; readonly plan: SerializedFillPlan }
  | { readonly kind: 'error'; readonly code: FillPlanInputError['code']; readonly message: string };

serveRequests<PlanRequestMessage, PlanReply>(async (m) => {
  try {
    const body = parsePlanRequest(m.raw);
    if (body.catalog === undefined && m.catalog === undefined) return { kind: 'need-catalog' };
    const exported = body.catalog === undefined ? m.catalog : undefined;
    return { kind: 'done', plan: serializeFillPlan(computeFillPlan({ body, exported, applianceOrigins: m.applianceOrigins, now: m.now })) };
  } catch (err) {
    if (!(err instanceof FillPlanInputError)) throw err;
    return { kind: 'error', code: err.code, message: err.message };
  }
});
