import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { formatSummary, type Plan } from '../../cdn-planner/index.ts';
import type { RouteDeps } from '../deps.ts';
import { HttpErrors } from '../errors.ts';
import { ErrorBody } from '../schemas.ts';
import { exportCatalog } from '../fill-plans/catalog.ts';
import { applianceViews } from '../fill-plans/fill-windows.ts';
import { CatalogView, CreateFillPlanBody, FillPlanList, FillPlanMetaView, FillPlanParams, FillPlanView } from '../fill-plans/schemas.ts';
import { PlanRunner } from '../fill-plans/plan-runner.ts';

/**
 * Plans carry catalogs and view histories: tens of thousands of files and weeks of views run
 * to megabytes of JSON, past the API's 1 MiB default. Larger inputs are planned offline
 * (`vodforge plan`): what the API accepts it must be able to plan beside live traffic.
 */
export const FILL_PLAN_BODY_LIMIT = 32 * 1024 * 1024;

/**
 * The operator API of the CDN planner: compute a plan (stored as `proposed`), review it, approve
 * or reject it. Approving supersedes the approved plan and re-points player steering.
 */
export const fillPlanRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { titles, store } = deps;
  const { plans, steering } = deps.fillPlans;
  const runner = new PlanRunner(deps.applianceOrigins ?? [], deps.planner);
  app.addHook('onClose', () => runner.close());

  // Its own context: the body stays raw bytes here, parsed and checked in the planning helper.
  await app.register(async (raw) => {
    raw.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: FILL_PLAN_BODY_LIMIT }, (_req, body, done) =>
      done(null, body),
    );
    raw.post(
      '/v1/fill-plans',
      {
        bodyLimit: FILL_PLAN_BODY_LIMIT,
        // The body is its only input: the schema documents it here and the planning helper checks it.
        validatorCompiler: () => () => true,
        schema: {
          tags: ['fill-plans'],
          summary: 'Compute a fill plan from appliances, view history, holdings and a catalog (default: the ready titles in storage)',
          body: CreateFillPlanBody,
          response: { 201: FillPlanMetaView, 400: ErrorBody, 413: ErrorBody, 422: ErrorBody, 503: ErrorBody },
        },
      },
      async (req, reply) => {
        const planned = await runner.run(req.body as unknown as Buffer, () => exportCatalog(titles, store));
        await plans.create(planned);
        return reply.status(201).send(planned.meta);
      },
    );
  });

  app.get(
    '/v1/fill-plans',
    {
      schema: { tags: ['fill-plans'], summary: 'Every fill plan, newest first, and the approved one', response: { 200: FillPlanList } },
    },
    async () => {
      const [list, approved] = await Promise.all([plans.list(), plans.approvedId()]);
      return approved === undefined ? { plans: list } : { plans: list, approved };
    },
  );

  // A static segment: find-my-way matches it before `/v1/fill-plans/:id`.
  app.get(
    '/v1/fill-plans/catalog',
    {
      schema: {
        tags: ['fill-plans'],
        summary: 'The catalog a plan is computed over: the ready titles in storage, as `vodforge plan --catalog` reads it',
        response: { 200: CatalogView },
      },
    },
    async () => (await exportCatalog(titles, store)).map((t) => ({ ...t, files: [...t.files] })),
  );

  app.get(
    '/v1/fill-plans/:id',
    {
      schema: {
        tags: ['fill-plans'],
        summary:
          'A fill plan: state, readable summary, the plan, the schedule per appliance, and its appliances with their fill windows in UTC',
        params: FillPlanParams,
        response: { 200: FillPlanView, 404: ErrorBody },
      },
    },
    async (req) => {
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
        ...(stored.appliances === undefined
          ? {}
          : {
              appliances: applianceViews(stored.appliances, plan, meta.at).map((a) => ({
                ...a,
                windowOccurrences: [...a.windowOccurrences],
              })),
            }),
      };
    },
  );

  const approvalsRequired = deps.planApprovals ?? 1;
  for (const [verb, to] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const) {
    app.post(
      `/v1/fill-plans/:id/${verb}`,
      {
        schema: {
          tags: ['fill-plans'],
          summary:
            verb === 'approve'
              ? 'Approve a proposed plan: it supersedes the approved one and players are steered by it ' +
                '(with VF_PLAN_APPROVALS=2, 202 until a second key approves)'
              : 'Reject a proposed plan',
          params: FillPlanParams,
          response: { 200: FillPlanMetaView, 202: FillPlanMetaView, 404: ErrorBody, 409: ErrorBody },
        },
      },
      async (req, reply) => {
        const { id } = req.params;
        const key = req.apiKey;
        const approval =
          to === 'approved' && approvalsRequired > 1 && key !== undefined
            ? { by: { keyId: key.id, keyName: key.name }, required: approvalsRequired }
            : undefined;
        const result = await plans.decide(id, to, new Date().toISOString(), approval);
        if (result === undefined) throw new HttpErrors.FillPlanNotFound(id);
        if (result.outcome === 'not-proposed') throw new HttpErrors.FillPlanNotProposed(id, result.meta.state);
        if (result.outcome === 'already-approved-by-key') throw new HttpErrors.FillPlanSecondKeyRequired(id, approvalsRequired);
        if (result.outcome === 'approval-recorded') return reply.status(202).send(result.meta);
        if (to === 'approved') steering.invalidate();
        return reply.status(200).send(result.meta);
      },
    );
  }
};

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
