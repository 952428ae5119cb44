import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateCatalog } from '../../cdn-planner/index.ts';
import { FILL_PLAN_LIMITS } from '../../orchestrator/fill-plans/schemas.ts';
import { createApi } from '../../orchestrator/runtime/services.ts';
import { actAsAdmin, startTestStack, type TestStack } from '../support/stack.ts';

/**
 * Plans run in a helper process at nice 19: on a machine busy with anything else it yields,
 * and a cold helper (a new API, or one replaced after running out of heap) starts slowly. The
 * cap on such tests is generous; the tests themselves wait for the answer, not for time.
 */
const PLAN_TEST_TIMEOUT_MS = 300_000;

/** The fill-plan operator API through app.inject: compute, read, approve, reject, bad input. */

const appliances = [
  {
    id: 'edge-1',
    cluster: 'eu-1',
    region: 'eu',
    capacityBytes: 600_000,
    fillGbps: 1,
    fillWindow: { start: '02:00', end: '06:00', tz: 'Europe/Berlin' },
    state: 'active',
    baseUrl: 'https://edge-1.example',
  },
  {
    id: 'edge-2',
    cluster: 'eu-1',
    region: 'eu',
    capacityBytes: 600_000,
    fillGbps: 1,
    fillWindow: { start: '02:00', end: '06:00', tz: 'Europe/Berlin' },
    state: 'active',
  },
];
const catalog = Array.from({ length: 10 }, (_, t) => ({
  titleId: `t${t}`,
  releasedAt: '2025-01-01T00:00:00Z',
  files: [0, 1].map((i) => ({ key: `titles/t${t}/v${i}/seg_00000.m4s`, bytes: 50_000 })),
}));
const at = '2025-03-10T00:00:00Z';
const views = Array.from({ length: 7 }, (_, d) =>
  catalog.map((t, i) => ({
    ts: new Date(Date.parse(at) - (d + 1) * 86_400_000).toISOString(),
    titleId: t.titleId,
    region: 'eu',
    bytes: 10_000 * (10 - i),
  })),
).flat();
const body = { appliances, catalog, views, at };

describe('fill-plan API', () => {
  let stack: TestStack;
  const inject = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    stack.api.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
  const create = async (over: Record<string, unknown> = {}) => {
    const res = await inject('POST', '/v1/fill-plans', { ...body, ...over });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{
      id: string;
      state: string;
      catalog: { titles: number; files: number; source: string };
      totals: { placements: number; fills: number };
    }>();
  };

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 0, applianceOrigins: ['https://edge-1.example'] });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('computes a proposed plan, stores it in the bucket and serves plan, summary and schedule', async () => {
    const created = await create();
    expect(created).toMatchObject({ state: 'proposed', catalog: { titles: 10, files: 20, source: 'request' } });
    expect(created.totals.placements).toBeGreaterThan(0);
    expect(await stack.api.store.head(`fill-plans/${created.id}/plan.json`)).toBeDefined();

    const res = await inject('GET', `/v1/fill-plans/${created.id}`);
    expect(res.statusCode).toBe(200);
    const view = res.json<{
      state: string;
      summary: string;
      plan: { placements: Record<string, string[]>; fills: { applianceId: string; key: string }[] };
      schedule: Record<string, { fills: { key: string; startAt: string; endAt: string }[]; bytesToFill: number }>;
    }>();
    expect(view.state).toBe('proposed');
    expect(view.summary).toContain('eu-1');
    const placed = Object.values(view.plan.placements).flat();
    expect(placed.length).toBe(created.totals.placements);
    // Nothing is held yet: every placement is a fill, and the schedule groups them by appliance.
    expect(view.plan.fills.length).toBe(placed.length);
    expect(view.schedule['edge-1']!.fills.map((f) => f.key).sort()).toEqual([...view.plan.placements['edge-1']!].sort());
    expect(view.schedule['edge-1']!.bytesToFill).toBe(50_000 * view.plan.placements['edge-1']!.length);

    // The appliances it was computed for, each with its fill window as UTC instants over the
    // plan's span: 02:00-06:00 in Berlin is 01:00-05:00 UTC in March (CET), and every fill of an
    // appliance lies inside one of its windows.
    const withAppliances = res.json<{
      appliances: (Record<string, unknown> & { id: string; windowOccurrences: { startAt: string; endAt: string }[] })[];
    }>();
    expect(withAppliances.appliances.map((a) => a.id)).toEqual(['edge-1', 'edge-2']);
    for (const [i, a] of withAppliances.appliances.entries()) {
      const { windowOccurrences, ...rest } = a;
      expect(rest).toEqual(appliances[i]);
      expect(windowOccurrences).toEqual([{ startAt: '2025-03-10T01:00:00.000Z', endAt: '2025-03-10T05:00:00.000Z' }]);
      for (const f of view.schedule[a.id]!.fills) {
        expect(
          windowOccurrences.some((w) => Date.parse(w.startAt) <= Date.parse(f.startAt) && Date.parse(f.endAt) <= Date.parse(w.endAt)),
          `${a.id} ${f.startAt}`,
        ).toBe(true);
      }
    }

    // Durable: another API process on the same bucket reads it.
    const other = await createApi(stack.config, stack.redis.url, false);
    actAsAdmin(other.app, stack.adminKey);
    try {
      expect((await other.app.inject({ method: 'GET', url: `/v1/fill-plans/${created.id}` })).statusCode).toBe(200);
    } finally {
      await other.close();
    }
  });

  it(
    'still serves a plan stored without its appliances, without them',
    async () => {
      const created = await create();
      await stack.api.store.delete(`fill-plans/${created.id}/appliances.json`);
      const res = await inject('GET', `/v1/fill-plans/${created.id}`);
      expect(res.statusCode).toBe(200);
      const view = res.json<Record<string, unknown> & { schedule: Record<string, { fills: unknown[] }> }>();
      expect(view).not.toHaveProperty('appliances');
      expect(view.schedule['edge-1']!.fills.length).toBeGreaterThan(0);
      // Approvable too: it steers nothing, as no appliance of it is known.
      expect((await inject('POST', `/v1/fill-plans/${created.id}/approve`)).statusCode).toBe(200);
    },
    PLAN_TEST_TIMEOUT_MS,
  );

  it('serves the catalog of ready titles as the planner reads it, not as a plan id', async () => {
    const res = await inject('GET', '/v1/fill-plans/catalog');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    // No ready titles in this stack (cli.test.ts exports one and plans with it).
    expect(res.json()).toEqual([]);
    expect(validateCatalog(res.json(), 'catalog')).toEqual([]);
  });

  it('approves a proposed plan, supersedes the previous approval, and refuses to decide twice', async () => {
    const first = await create();
    const second = await create();
    const a1 = await inject('POST', `/v1/fill-plans/${first.id}/approve`);
    expect(a1.statusCode).toBe(200);
    expect(a1.json()).toMatchObject({ id: first.id, state: 'approved' });
    const a2 = await inject('POST', `/v1/fill-plans/${second.id}/approve`);
    expect(a2.statusCode).toBe(200);
    expect(a2.json()).toMatchObject({ id: second.id, state: 'approved', supersedes: first.id });
    expect((await inject('GET', `/v1/fill-plans/${first.id}`)).json()).toMatchObject({ state: 'superseded', supersededBy: second.id });

    const again = await inject('POST', `/v1/fill-plans/${second.id}/approve`);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'VF_FILL_PLAN_NOT_PROPOSED' });
    const rejectApproved = await inject('POST', `/v1/fill-plans/${second.id}/reject`);
    expect(rejectApproved.statusCode).toBe(409);
    expect(rejectApproved.json()).toMatchObject({ code: 'VF_FILL_PLAN_NOT_PROPOSED' });

    const list = await inject('GET', '/v1/fill-plans');
    expect(list.statusCode).toBe(200);
    const l = list.json<{ approved: string; plans: { id: string; state: string }[] }>();
    expect(l.approved).toBe(second.id);
    expect(l.plans.filter((p) => p.state === 'approved').map((p) => p.id)).toEqual([second.id]);
    expect(l.plans.map((p) => p.id)).toEqual(expect.arrayContaining([first.id, second.id]));
  });

  it('with VF_PLAN_APPROVALS=2, steers nothing until a second, different key approves', async () => {
    const two = await createApi({ ...stack.config, planApprovals: 2 }, stack.redis.url, false);
    try {
      const operator = (await two.keys.create('operator', 'second operator')).key;
      const as = (key: string, method: 'GET' | 'POST', url: string, payload?: object) =>
        two.app.inject({ method, url, headers: { 'x-api-key': key }, ...(payload === undefined ? {} : { payload }) });
      const { id } = (await as(stack.adminKey, 'POST', '/v1/fill-plans', body)).json<{ id: string }>();
      const approvedBefore = (await as(stack.adminKey, 'GET', '/v1/fill-plans')).json<{ approved?: string }>().approved;

      const first = await as(stack.adminKey, 'POST', `/v1/fill-plans/${id}/approve`);
      expect(first.statusCode).toBe(202);
      expect(first.json()).toMatchObject({ state: 'proposed', approvals: [{ keyName: 'test stack' }] });
      // The same key twice is still one approval.
      const again = await as(stack.adminKey, 'POST', `/v1/fill-plans/${id}/approve`);
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({ code: 'VF_FILL_PLAN_SECOND_KEY_REQUIRED' });
      expect((await as(stack.adminKey, 'GET', '/v1/fill-plans')).json<{ approved?: string }>().approved).toBe(approvedBefore);

      const second = await as(operator, 'POST', `/v1/fill-plans/${id}/approve`);
      expect(second.statusCode).toBe(200);
      expect(second.json<{ state: string; approvals: { keyName: string }[] }>()).toMatchObject({ state: 'approved' });
      expect(second.json<{ approvals: { keyName: string }[] }>().approvals.map((a) => a.keyName)).toEqual([
        'test stack',
        'second operator',
      ]);
      expect((await as(operator, 'GET', '/v1/fill-plans')).json<{ approved?: string }>().approved).toBe(id);
    } finally {
      await two.close();
    }
  });

  it('rejects a proposed plan, which then cannot be approved', async () => {
    const p = await create();
    const r = await inject('POST', `/v1/fill-plans/${p.id}/reject`);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ state: 'rejected' });
    const a = await inject('POST', `/v1/fill-plans/${p.id}/approve`);
    expect(a.statusCode).toBe(409);
    expect(a.json()).toMatchObject({ code: 'VF_FILL_PLAN_NOT_PROPOSED', message: expect.stringContaining('rejected') });
  });

  it.each([
    ['GET', '/v1/fill-plans/nope'],
    ['POST', '/v1/fill-plans/nope/approve'],
    ['POST', '/v1/fill-plans/nope/reject'],
  ] as const)('answers 404 VF_FILL_PLAN_NOT_FOUND for %s %s', async (method, url) => {
    const res = await inject(method, url);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'VF_FILL_PLAN_NOT_FOUND' });
  });

  it.each(
    [
      ['an unknown top-level field', { ...body, colour: 'red' }, 'VF_INVALID_REQUEST', '`colour`'],
      [
        'an unknown appliance field',
        { ...body, appliances: [{ ...appliances[0], rack: 3 }] },
        'VF_INVALID_REQUEST',
        '`appliances[0].rack`',
      ],
      [
        'a capacity of the wrong type',
        { ...body, appliances: [{ ...appliances[0], capacityBytes: '1TB' }] },
        'VF_INVALID_REQUEST',
        '`appliances[0].capacityBytes`',
      ],
      [
        'a state that does not exist',
        { ...body, appliances: [{ ...appliances[0], state: 'asleep' }] },
        'VF_INVALID_REQUEST',
        '`appliances[0].state`',
      ],
      [
        'a baseUrl that is not http(s)',
        { ...body, appliances: [{ ...appliances[0], baseUrl: 'ftp://edge' }] },
        'VF_INVALID_REQUEST',
        '`appliances[0].baseUrl`',
      ],
      [
        'a baseUrl on plain http',
        { ...body, appliances: [{ ...appliances[0], baseUrl: 'http://edge-1.example' }] },
        'VF_INVALID_REQUEST',
        '`appliances[0].baseUrl`',
      ],
      [
        'a baseUrl steering to an unlisted origin',
        { ...body, appliances: [appliances[0], { ...appliances[1], baseUrl: 'https://evil.example' }] },
        'VF_FILL_PLAN_INVALID',
        '`appliances[1].baseUrl` names https://evil.example',
      ],
      [
        'a baseUrl on a listed host but another port',
        { ...body, appliances: [{ ...appliances[0], baseUrl: 'https://edge-1.example:8443' }] },
        'VF_FILL_PLAN_INVALID',
        '`appliances[0].baseUrl`',
      ],
      ['a view of the wrong type', { ...body, views: [{ ...views[0], bytes: 'lots' }] }, 'VF_INVALID_REQUEST', '`views[0].bytes`'],
      ['no views', { appliances, catalog, at }, 'VF_INVALID_REQUEST', '`views`'],
      [
        'an unknown time zone',
        { ...body, appliances: [{ ...appliances[0], fillWindow: { start: '02:00', end: '06:00', tz: 'Mars/Olympus' } }] },
        'VF_FILL_PLAN_INVALID',
        'appliances[0].fillWindow.tz',
      ],
      ['a duplicate appliance id', { ...body, appliances: [appliances[0], appliances[0]] }, 'VF_FILL_PLAN_INVALID', 'appliances[1].id'],
      ['holdings on an unknown appliance', { ...body, holdings: { 'edge-9': ['k'] } }, 'VF_FILL_PLAN_INVALID', 'holdings.edge-9'],
      [
        'a cluster across two regions',
        { ...body, appliances: [appliances[0], { ...appliances[1], region: 'us' }] },
        'VF_FILL_PLAN_INVALID',
        'appliances[1].region',
      ],
    ].map(([label, payload, code, field]) => ({ label, payload, code, field })),
  )('rejects a plan with $label: 400 $code naming `$field`', async ({ payload, code, field }) => {
    const res = await inject('POST', '/v1/fill-plans', payload);
    expect(res.statusCode).toBe(400);
    const err = res.json<{ code: string; message: string }>();
    expect(err.code).toBe(code);
    expect(err.message).toContain(field);
  });

  it('stores a baseUrl as the URL parser writes it, so a quote cannot reach a manifest attribute', async () => {
    const created = await create({ appliances: [{ ...appliances[0], baseUrl: 'https://edge-1.example/cache/"x"/' }, appliances[1]] });
    const view = (await inject('GET', `/v1/fill-plans/${created.id}`)).json<{ appliances: { id: string; baseUrl?: string }[] }>();
    expect(view.appliances.find((a) => a.id === 'edge-1')?.baseUrl).toBe('https://edge-1.example/cache/%22x%22');
  });

  it('refuses every baseUrl when no appliance origin is configured', async () => {
    const bare = await createApi({ ...stack.config, applianceOrigins: [] }, stack.redis.url, false);
    try {
      actAsAdmin(bare.app, stack.adminKey);
      const res = await bare.app.inject({ method: 'POST', url: '/v1/fill-plans', payload: body });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        code: 'VF_FILL_PLAN_INVALID',
        message: expect.stringContaining('none is configured (set VF_APPLIANCE_ORIGINS)'),
      });
      // Without a baseUrl an appliance is planned for (filled) but never steered to: allowed.
      const unsteered = await bare.app.inject({
        method: 'POST',
        url: '/v1/fill-plans',
        payload: { ...body, appliances: appliances.map(({ baseUrl: _b, ...a }) => a) },
      });
      expect(unsteered.statusCode).toBe(201);
    } finally {
      await bare.close();
    }
  });

  it('refuses a body past 32 MiB with 413, before planning anything', async () => {
    const padding = 'x'.repeat(33 * 1024 * 1024);
    const res = await inject('POST', '/v1/fill-plans', { ...body, at: padding });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'VF_BODY_TOO_LARGE' });
  });

  it('refuses deeply nested JSON and arrays past their bounds, naming the field', async () => {
    const nested = `{"appliances":${'['.repeat(200_000)}${']'.repeat(200_000)},"views":[]}`;
    const deep = await stack.api.app.inject({
      method: 'POST',
      url: '/v1/fill-plans',
      headers: { 'content-type': 'application/json' },
      payload: nested,
    });
    expect(deep.statusCode).toBe(400);
    expect(deep.json()).toMatchObject({ code: 'VF_INVALID_REQUEST', message: expect.stringContaining('`appliances[0]`') });
    const many = Array.from({ length: FILL_PLAN_LIMITS.appliances + 1 }, (_, i) => ({ ...appliances[1], id: `e${i}` }));
    const wide = await inject('POST', '/v1/fill-plans', { ...body, appliances: many });
    expect(wide.statusCode).toBe(400);
    expect(wide.json()).toMatchObject({ code: 'VF_INVALID_REQUEST', message: expect.stringContaining('`appliances`') });
    const garbled = await stack.api.app.inject({
      method: 'POST',
      url: '/v1/fill-plans',
      headers: { 'content-type': 'application/json' },
      payload: '{"appliances": [',
    });
    expect(garbled.statusCode).toBe(400);
    expect(garbled.json()).toMatchObject({ code: 'VF_INVALID_JSON' });
  });

  it(
    "fails a plan that outgrows its helper's heap with 422, and the API serves on",
    async () => {
      const small = await createApi(stack.config, stack.redis.url, false, { planner: { maxHeapMb: 32 } });
      try {
        actAsAdmin(small.app, stack.adminKey);
        const bigViews = Array.from({ length: 200_000 }, (_, i) => ({ ...views[i % views.length]!, bytes: i }));
        const res = await small.app.inject({ method: 'POST', url: '/v1/fill-plans', payload: { ...body, views: bigViews } });
        expect(res.statusCode, res.body).toBe(422);
        expect(res.json()).toMatchObject({ code: 'VF_FILL_PLAN_TOO_LARGE' });
        // A new helper takes the next plan.
        expect((await small.app.inject({ method: 'POST', url: '/v1/fill-plans', payload: body })).statusCode).toBe(201);
      } finally {
        await small.close();
      }
    },
    PLAN_TEST_TIMEOUT_MS,
  );

  it("accepts a plan body far past the API's default JSON limit (route-level body limit)", async () => {
    const big = Array.from({ length: 3000 }, (_, t) => ({
      titleId: `big-${t}`,
      releasedAt: '2025-01-01T00:00:00Z',
      files: Array.from({ length: 8 }, (_, i) => ({ key: `titles/big-${t}/v${i}/seg_${String(i).padStart(5, '0')}.m4s`, bytes: 1000 + i })),
    }));
    const payload = { ...body, catalog: big };
    expect(JSON.stringify(payload).length).toBeGreaterThan(1024 * 1024);
    const res = await inject('POST', '/v1/fill-plans', payload);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ catalog: { titles: 3000, files: 24_000 } });
  });

  it('exports the catalog from storage when the body has none (no ready titles here: an empty plan)', async () => {
    const p = await create({ catalog: undefined });
    expect(p.catalog).toEqual({ titles: 0, files: 0, source: 'storage' });
    expect(p.totals.placements).toBe(0);
  });
});
