import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import type { Role } from '../../orchestrator/auth/roles.ts';

/** Every route, every role, and no key at all: 401 without a valid key, 403 with the wrong role, through otherwise. */
describe('access control', () => {
  let stack: TestStack;
  const keys: Partial<Record<Role, string>> = {};

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 0 });
    keys.admin = stack.adminKey;
    for (const role of ['ops', 'operator'] as const) {
      const res = await stack.api.app.inject({ method: 'POST', url: '/v1/keys', payload: { name: `${role} key`, role } });
      expect(res.statusCode).toBe(201);
      keys[role] = res.json<{ key: string }>().key;
    }
    const created = await stack.api.app.inject({ method: 'POST', url: '/v1/titles', payload: { name: 'walked' } });
    expect(created.statusCode).toBe(201);
    titleId = created.json<{ id: string }>().id;
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** A real title for reads (a mutating route gets an id that does not exist, so the walk deletes nothing). */
  let titleId = '';
  const concrete = (method: string, url: string): string =>
    url
      .replace(':id', method === 'GET' ? titleId : 'no-such-title')
      .replace(':track', 'v0')
      .replace(':file', 'seg_00001.m4s')
      .replace('*', 'x');

  const call = async (method: string, url: string, key: string): Promise<number> => {
    const res = await stack.api.app.inject({
      method: method as 'GET',
      url: concrete(method, url),
      headers: { 'x-api-key': key, ...(method === 'POST' || method === 'PUT' ? { 'content-type': 'application/json' } : {}) },
      ...(method === 'POST' || method === 'PUT' ? { payload: '{}' } : {}),
      // The status without waiting for the body: a title's event stream ends only when the title does.
      payloadAsStream: true,
    });
    res.stream().resume();
    return res.statusCode;
  };

  it('classifies every route, and walks each with every role and with no key', async () => {
    const routes = stack.api.app.routeAudiences.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
    expect(routes.length).toBeGreaterThan(15);
    const audiences = new Set(routes.map((r) => r.audience));
    expect([...audiences].sort()).toEqual(expect.arrayContaining(['admin', 'operator', 'ops', 'player', 'public']));
    const succeeded: string[] = [];
    for (const r of routes) {
      const none = await call(r.method, r.url, '');
      const wrongKey = await call(r.method, r.url, `vf_${'x'.repeat(43)}`);
      const by = {
        ops: await call(r.method, r.url, keys.ops ?? ''),
        operator: await call(r.method, r.url, keys.operator ?? ''),
        admin: await call(r.method, r.url, keys.admin ?? ''),
      };
      const label = `${r.method} ${r.url} (${r.audience})`;
      if (r.method === 'GET' && by.admin >= 200 && by.admin < 300) succeeded.push(label);
      if (r.audience === 'public' || r.audience === 'player') {
        // Open routes: the same answer with no key, a bad key or any role's key.
        for (const s of [none, wrongKey, by.ops, by.operator]) expect(s, label).toBe(by.admin);
        expect([401, 403], label).not.toContain(by.admin);
        continue;
      }
      expect(none, label).toBe(401);
      expect(wrongKey, label).toBe(401);
      expect([401, 403], label).not.toContain(by.admin);
      for (const role of ['ops', 'operator'] as const) {
        // A role the route is for gets the handler's own answer: the same as the admin's.
        if (r.audience === role) expect(by[role], `${label} as ${role}`).toBe(by.admin);
        else expect(by[role], `${label} as ${role}`).toBe(403);
      }
    }
    // The walk reached the handlers, not only the gate: reads of real resources answered 2xx.
    expect(succeeded).toEqual(
      expect.arrayContaining([
        'GET /v1/titles (ops)',
        'GET /v1/titles/:id (ops)',
        'GET /v1/fill-plans (operator)',
        'GET /v1/keys (admin)',
        'GET /health (public)',
      ]),
    );
  }, 120_000);

  it('answers 401 and 403 with stable codes', async () => {
    const none = await stack.api.app.inject({ method: 'GET', url: '/v1/titles', headers: { 'x-api-key': '' } });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ code: 'VF_UNAUTHENTICATED' });
    const wrong = await stack.api.app.inject({ method: 'GET', url: '/v1/fill-plans', headers: { 'x-api-key': keys.ops ?? '' } });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json()).toMatchObject({ code: 'VF_FORBIDDEN' });
    const bearer = await stack.api.app.inject({
      method: 'GET',
      url: '/v1/titles',
      headers: { 'x-api-key': '', authorization: `Bearer ${keys.ops ?? ''}` },
    });
    expect(bearer.statusCode).toBe(200);
  });

  it('keeps keys hashed at rest and stops accepting a revoked key', async () => {
    const redis = new Redis(stack.redis.url);
    const stored = JSON.stringify(await redis.hgetall(`${stack.config.prefix}:apikeys`));
    redis.disconnect();
    for (const k of Object.values(keys)) expect(stored).not.toContain(k);
    const list = await stack.api.app.inject({ method: 'GET', url: '/v1/keys' });
    const opsRecord = list.json<{ id: string; role: string }[]>().find((r) => r.role === 'ops');
    expect(JSON.stringify(list.json())).not.toContain(keys.ops);
    const del = await stack.api.app.inject({ method: 'DELETE', url: `/v1/keys/${opsRecord?.id ?? ''}` });
    expect(del.statusCode).toBe(204);
    const after = await stack.api.app.inject({ method: 'GET', url: '/v1/titles', headers: { 'x-api-key': keys.ops ?? '' } });
    expect(after.statusCode).toBe(401);
  });
});
