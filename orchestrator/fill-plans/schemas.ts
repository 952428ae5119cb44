import { Type, type Static } from 'typebox';
import { FILL_PLAN_STATES, type FillPlanState } from './store.ts';

/**
 * Schemas of the fill-plan API. Shapes and types are checked here (unknown fields, wrong
 * types: 400 VF_INVALID_REQUEST naming the path); what JSON Schema cannot say (a time zone
 * that exists, duplicate ids, a cluster spanning regions) is checked by the planner's own
 * validation, which names the field the same way (400 VF_FILL_PLAN_INVALID).
 */

export const FillPlanId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Fill plan id' });
export const FillPlanParams = Type.Object({ id: FillPlanId }, { additionalProperties: false });

/**
 * Array bounds of a plan request: well past a large ISP deployment (thousands of appliances,
 * tens of thousands of titles, a 2-hour film's 8,000 segment files) and far from what would
 * let one request hold the API's memory. The body limit (32 MiB) bounds the total.
 */
export const FILL_PLAN_LIMITS = {
  appliances: 5_000,
  catalogTitles: 50_000,
  filesPerTitle: 20_000,
  views: 500_000,
  holdingAppliances: 5_000,
  keysPerHolding: 500_000,
} as const;

const HHMM = '^([01][0-9]|2[0-3]):[0-5][0-9]$';

export const ApplianceInput = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 200 }),
    cluster: Type.String({ minLength: 1, maxLength: 200 }),
    region: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' }),
    capacityBytes: Type.Integer({ minimum: 0 }),
    fillGbps: Type.Number({ exclusiveMinimum: 0 }),
    serveGbps: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: 'What it can stream to players at its peak; without it every file gets one copy' }),
    ),
    fillWindow: Type.Object(
      {
        start: Type.String({ pattern: HHMM, description: 'Local HH:MM' }),
        end: Type.String({ pattern: HHMM, description: 'Local HH:MM; earlier than start crosses midnight' }),
        tz: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. America/Chicago' }),
      },
      { additionalProperties: false },
    ),
    state: Type.Union([Type.Literal('active'), Type.Literal('draining'), Type.Literal('down')]),
    baseUrl: Type.Optional(
      Type.String({
        pattern: '^https://[^\\s?#]+$',
        maxLength: 2048,
        description: 'Where players fetch what it holds: <baseUrl>/<key>; https, on an origin listed in VF_APPLIANCE_ORIGINS',
      }),
    ),
  },
  { additionalProperties: false },
);

const CatalogFileInput = Type.Object(
  { key: Type.String({ minLength: 1, maxLength: 1024 }), bytes: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);

export const CatalogTitleInput = Type.Object(
  {
    titleId: Type.String({ minLength: 1, maxLength: 200 }),
    releasedAt: Type.String({ format: 'date-time' }),
    files: Type.Array(CatalogFileInput, { maxItems: FILL_PLAN_LIMITS.filesPerTitle }),
  },
  { additionalProperties: false },
);

export const ViewInput = Type.Object(
  {
    ts: Type.String({ format: 'date-time' }),
    titleId: Type.String({ minLength: 1, maxLength: 200 }),
    region: Type.String({ minLength: 1, maxLength: 64 }),
    bytes: Type.Number({ minimum: 0 }),
    key: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  },
  { additionalProperties: false },
);

export const CreateFillPlanBody = Type.Object(
  {
    appliances: Type.Array(ApplianceInput, { minItems: 1, maxItems: FILL_PLAN_LIMITS.appliances }),
    catalog: Type.Optional(
      Type.Array(CatalogTitleInput, {
        maxItems: FILL_PLAN_LIMITS.catalogTitles,
        description: 'Omit to export the ready titles in storage',
      }),
    ),
    views: Type.Array(ViewInput, { maxItems: FILL_PLAN_LIMITS.views, description: 'View history records' }),
    holdings: Type.Optional(
      Type.Record(
        Type.String({ maxLength: 200 }),
        Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), { maxItems: FILL_PLAN_LIMITS.keysPerHolding }),
        { maxProperties: FILL_PLAN_LIMITS.holdingAppliances, description: 'applianceId to keys held now' },
      ),
    ),
    at: Type.Optional(Type.String({ format: 'date-time', description: 'Plan instant; defaults to now' })),
    options: Type.Optional(
      Type.Object(
        {
          loadFactor: Type.Optional(Type.Number({ minimum: 1, maximum: 10 })),
          historyDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })),
          horizonDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 90 })),
          retentionDays: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type CreateFillPlanBodyT = Static<typeof CreateFillPlanBody>;

const FillPlanStateSchema = Type.Unsafe<FillPlanState>({ type: 'string', enum: [...FILL_PLAN_STATES] });

export const FillPlanMetaView = Type.Object({
  id: Type.String(),
  state: FillPlanStateSchema,
  createdAt: Type.String(),
  at: Type.String(),
  decidedAt: Type.Optional(Type.String()),
  supersededBy: Type.Optional(Type.String()),
  supersedes: Type.Optional(Type.String()),
  catalog: Type.Object({
    titles: Type.Integer(),
    files: Type.Integer(),
    source: Type.Union([Type.Literal('request'), Type.Literal('storage')]),
  }),
  totals: Type.Object({ fills: Type.Integer(), fillBytes: Type.Number(), evictions: Type.Integer(), placements: Type.Integer() }),
  approvals: Type.Optional(
    Type.Array(Type.Object({ keyId: Type.String(), keyName: Type.String(), at: Type.String() }), {
      description: 'The keys that approved it so far, when approval takes more than one (VF_PLAN_APPROVALS)',
    }),
  ),
});

const FillView = Type.Object({
  applianceId: Type.String(),
  key: Type.String(),
  bytes: Type.Number(),
  startAt: Type.String(),
  endAt: Type.String(),
  source: Type.String(),
});
const EvictionView = Type.Object({ applianceId: Type.String(), key: Type.String() });

const ApplianceScheduleView = Type.Object({
  evictions: Type.Array(Type.String(), { description: 'Keys to delete, in order, before the first fill' }),
  fills: Type.Array(
    Type.Object({ key: Type.String(), bytes: Type.Number(), startAt: Type.String(), endAt: Type.String(), source: Type.String() }),
  ),
  bytesToFill: Type.Number(),
  firstFillAt: Type.Optional(Type.String()),
  lastFillEndAt: Type.Optional(Type.String()),
});

const ApplianceView = Type.Object({
  ...ApplianceInput.properties,
  windowOccurrences: Type.Array(Type.Object({ startAt: Type.String(), endAt: Type.String() }), {
    description:
      "Its fill window as UTC instants, every occurrence over the plan's span (from the one open at `at` to the one open when the last fill ends)",
  }),
});

export const FillPlanView = Type.Object({
  ...FillPlanMetaView.properties,
  appliances: Type.Optional(
    Type.Array(ApplianceView, { description: 'The appliances the plan was computed for; absent when the plan was stored without them' }),
  ),
  summary: Type.String({ description: 'The readable per-cluster summary `vodforge plan` prints' }),
  plan: Type.Object({
    placements: Type.Record(Type.String(), Type.Array(Type.String())),
    fills: Type.Array(FillView),
    evictions: Type.Array(EvictionView),
    shares: Type.Optional(
      Type.Record(Type.String(), Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 1 })), {
        description:
          "Per appliance, per key placed on several appliances of its cluster: the share of the key's traffic it is to serve; " +
          'steering weights its choice by it',
      }),
    ),
    stats: Type.Unknown({ description: 'Per-cluster figures (see cdn-planner PlanStats)' }),
  }),
  schedule: Type.Record(Type.String(), ApplianceScheduleView, { description: 'Per appliance: evictions then fills, in order' }),
});

/** The planner's catalog, as `vodforge plan --catalog` and `POST /v1/fill-plans` read it. */
export const CatalogView = Type.Array(CatalogTitleInput, {
  description: 'Every ready title with its published segment files and their sizes',
});

export const FillPlanList = Type.Object({ plans: Type.Array(FillPlanMetaView), approved: Type.Optional(Type.String()) });

/** Query of the manifest endpoints: the player's region turns steering on. */
export const SteerQuery = Type.Object({
  region: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9_.-]{1,64}$',
      description: 'Player region: media URLs point at an appliance of its cluster that holds them (approved plan), else the origin',
    }),
  ),
  session: Type.Optional(
    Type.String({ pattern: '^[A-Za-z0-9_.-]{1,128}$', description: 'Stable per player: spreads players over the copies of a file' }),
  ),
});

/**
 * Route-level `schemaErrorFormatter`: names the offending field the way the planner does
 * (`appliances[0].fillWindow.tz`), including the name of an unexpected property, which Ajv's
 * default message ("must NOT have additional properties") leaves out.
 */
export function namedFieldError(
  errors: readonly { instancePath: string; keyword: string; message?: string; params: Record<string, unknown> }[],
  dataVar: string,
): Error {
  const e = errors[0];
  if (e === undefined) return new Error(`${dataVar} is invalid`);
  const parts = e.instancePath
    .split('/')
    .filter((p) => p !== '')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'additionalProperties' && typeof e.params.additionalProperty === 'string') parts.push(e.params.additionalProperty);
  if (e.keyword === 'required' && typeof e.params.missingProperty === 'string') parts.push(e.params.missingProperty);
  const field = parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`), '');
  const what =
    e.keyword === 'additionalProperties' ? 'is not a known field' : e.keyword === 'required' ? 'is required' : (e.message ?? 'is invalid');
  return new Error(`${dataVar} field \`${field === '' ? dataVar : field}\` ${what}`);
}
