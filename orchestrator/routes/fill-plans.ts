import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  expectInstant,
  formatSummary,
  planFill,
  PlannerError,
  validateAppliances,
  validateCatalog,
  validateHoldings,
  validateViewRecord,
  type Plan,
} from '../../cdn-planner/index.ts';
import type { RouteDeps } from '../app.ts';
import { HttpErrors } from '../errors.ts';
import { ErrorBody } from '../schemas.ts';
import { exportCatalog } from '../fill-plans/catalog.ts';
import { applianceViews } from '../fill-plans/fill-windows.ts';
import { CatalogView, CreateFillPlanBody, FillPlanList, FillPlanMetaView, FillPlanParams, FillPlanView, namedFieldError, type CreateFillPlanBodyT } from '../fill-plans/schemas.ts';
import { allowedBaseUrl, ApplianceOriginError } from '../fill-plans/appliance-origins.ts';
import type { FillPlanMeta, StoredFillPlan } from '../fill-plans/store.ts';

/**
 * Plans carry whole catalogs and view histories: 160,000 files and a month of views run to
 * tens of megabytes of JSON, far past the API's 1 MiB default for JSON bodies.
 */
export const FILL_PLAN_BODY_LIMIT = 256 * 1024 * 1024;

/**
 * The operator API of the CDN planner: compute a plan (stored as `proposed`), review it, approve
 * or reject it. Approving supersedes the approved plan and re-points player steering.
 */
export const fillPlanRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { titles, store } = deps;
  const { plans, steering } = deps.fillPlans;

  app.post('/v1/fill-plans', {
    bodyLimit: FILL_PLAN_BODY_LIMIT,
    schemaErrorFormatter: namedFieldError,
    schema: {
      tags: ['fill-plans'],
      summary: 'Compute a fill plan from appliances, view history, holdings and a catalog (default: the ready titles in storage)',
      body: CreateFillPlanBody,
      response: { 201: FillPlanMetaView, 400: ErrorBody, 413: ErrorBody },
    },
  }, async (req, reply) => {
    const body = req.body;
    const catalog = body.catalog === undefined ? await exportCatalog(titles, store) : undefined;
    const stored = computePlan(body, catalog, deps.applianceOrigins ?? []);
    await plans.create(stored);
    return reply.status(201).send(stored.meta);
  });

  app.get('/v1/fill-plans', {
    schema: { tags: ['fill-plans'], summary: 'Every fill plan, newest first, and the approved one', response: { 200: FillPlanList } },
  }, async () => {
    const [list, approved] = await Promise.all([plans.list(), plans.approvedId()]);
    return approved === undefined ? { plans: list } : { plans: list, approved };
  });

  // A static segment: find-my-way matches it before `/v1/fill-plans/:id`.
  app.get('/v1/fill-plans/catalog', {
    schema: {
      tags: ['fill-plans'],
      summary: 'The catalog a plan is computed over: the ready titles in storage, as `vodforge plan --catalog` reads it',
      response: { 200: CatalogView },
    },
  }, async () => (await exportCatalog(titles, store)).map((t) => ({ ...t, files: [...t.files] })));

  app.get('/v1/fill-plans/:id', {
    schema: {
      tags: ['fill-plans'],
      summary: 'A fill plan: state, readable summary, the plan, the schedule per appliance, and its appliances with their fill windows in UTC',
      params: FillPlanParams,
      response: { 200: FillPlanView, 404: ErrorBody },
    },
  }, async (req) => {
    const stored = await plans.get(req.params.id);
    if (stored === undefined) throw new HttpErrors.FillPlanNotFound(req.params.id);
    const { plan, meta } = stored;
    // Parsed from JSON, so nothing is shared: the readonly planner types only need widening.
    const placements = plan.placements as Record<string, string[]>;
    return {
      ...meta,
      summary: formatSummary(plan),
      plan: { placements, fills: [...plan.fills], evictions: [...plan.evictions], stats: plan.stats },
      schedule: perAppliance(plan),
      ...(stored.appliances === undefined ? {} : { appliances: applianceViews(stored.appliances, plan, meta.at).map((a) => ({ ...a, windowOccurrences: [...a.windowOccurrences] })) }),
    };
  });

  for (const [verb, to] of [['approve', 'approved'], ['reject', 'rejected']] as const) {
    app.post(`/v1/fill-plans/:id/${verb}`, {
      schema: {
        tags: ['fill-plans'],
        summary: verb === 'approve' ? 'Approve a proposed plan: it supersedes the approved one and players are steered by it' : 'Reject a proposed plan',
        params: FillPlanParams,
        response: { 200: FillPlanMetaView, 404: ErrorBody, 409: ErrorBody },
      },
    }, async (req) => {
      const { id } = req.params;
      const result = await plans.decide(id, to, new Date().toISOString());
      if (result === undefined) throw new HttpErrors.FillPlanNotFound(id);
      if (!result.changed) throw new HttpErrors.FillPlanNotProposed(id, result.meta.state);
      if (to === 'approved') steering.invalidate();
      return result.meta;
    });
  }
};

/** Validates with the planner's rules (field-named errors) and computes the plan. */
function computePlan(body: CreateFillPlanBodyT, exported: ReturnType<typeof validateCatalog> | undefined, applianceOrigins: readonly string[]): StoredFillPlan {
  try {
    const appliances = validateAppliances(body.appliances, 'appliances').map((a, i) =>
      a.baseUrl === undefined ? a : { ...a, baseUrl: allowedBaseUrl(`appliances[${i}].baseUrl`, a.baseUrl, applianceOrigins) });
    const catalog = exported ?? validateCatalog(body.catalog, 'catalog');
    const holdings = validateHoldings(body.holdings ?? {}, appliances, 'holdings');
    const views = body.views.map((v, i) => validateViewRecord(v, `views[${i}]`));
    const now = new Date().toISOString();
    const at = body.at ?? now;
    expectInstant('at', at);
    const o = body.options ?? {};
    const plan = planFill(
      { appliances, catalog, views, holdings, at },
      {
        ...(o.loadFactor === undefined ? {} : { loadFactor: o.loadFactor }),
        ...(o.historyDays === undefined ? {} : { historyDays: o.historyDays }),
        ...(o.horizonDays === undefined ? {} : { horizonDays: o.horizonDays }),
        ...(o.retentionDays === undefined ? {} : { retentionDays: o.retentionDays }),
        ...(o.copyDemandShare === undefined ? {} : { copyDemandShare: o.copyDemandShare }),
      },
    );
    const meta: FillPlanMeta = {
      id: randomUUID(),
      state: 'proposed',
      createdAt: now,
      at: new Date(Date.parse(at)).toISOString(),
      catalog: { titles: catalog.length, files: catalog.reduce((s, t) => s + t.files.length, 0), source: exported === undefined ? 'request' : 'storage' },
      totals: totals(plan),
    };
    return { meta, plan, appliances };
  } catch (err) {
    if (err instanceof PlannerError || err instanceof ApplianceOriginError) throw new HttpErrors.FillPlanInvalid(err.message);
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

interface ApplianceSchedule {
  evictions: string[];
  fills: { key: string; bytes: number; startAt: string; endAt: string; source: string }[];
  bytesToFill: number;
  firstFillAt?: string;
  lastFillEndAt?: string;
}

/** The plan's fills and evictions grouped by appliance, in the order the executor runs them. */
function perAppliance(plan: Plan): Record<string, ApplianceSchedule> {
  const out: Record<string, ApplianceSchedule> = {};
  for (const id of Object.keys(plan.placements)) out[id] = { evictions: [], fills: [], bytesToFill: 0 };
  const of = (id: string): ApplianceSchedule => (out[id] ??= { evictions: [], fills: [], bytesToFill: 0 });
  for (const e of plan.evictions) of(e.applianceId).evictions.push(e.key);
  for (const f of plan.fills) {
    const s = of(f.applianceId);
    s.fills.push({ key: f.key, bytes: f.bytes, startAt: f.startAt, endAt: f.endAt, source: f.source });
    s.bytesToFill += f.bytes;
  }
  for (const s of Object.values(out)) {
    s.fills.sort((a, b) => (a.startAt < b.startAt ? -1 : a.startAt > b.startAt ? 1 : 0));
    if (s.fills.length > 0) {
      s.firstFillAt = s.fills[0]!.startAt;
      s.lastFillEndAt = s.fills.at(-1)!.endAt;
    }
  }
  return out;
}
