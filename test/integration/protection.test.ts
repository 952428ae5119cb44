/**
 * What stands in front of every route: security headers, per-key rate limits shared through
 * Redis by every API replica, and load shedding, each tested as the abuse it answers.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type ApiHandle } from '../../orchestrator/runtime/services.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { waitUntil } from '../support/wait.ts';

describe('protection in front of the routes', () => {
  let stack: TestStack;
  const apis: ApiHandle[] = [];
  const api = async (protection: NonNullable<TestStack['config']['protection']>): Promise<ApiHandle> => {
    // No shedding on event-loop delay, which would measure the test runner (see support/stack.ts).
    const a = await createApi({ ...stack.config, protection: { maxEventLoopDelayMs: 0, ...protection } }, stack.redis.url, false);
    apis.push(a);
    return a;
  };

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 0 });
  });
  afterAll(async () => {
    await Promise.all(apis.map((a) => a.close()));
    await stack?.close();
  });

  it('limits each key per minute across API replicas (429 VF_RATE_LIMITED with Retry-After), never players', async () => {
    const [a, b] = [await api({ ratePerMinute: 5 }), await api({ ratePerMinute: 5 })];
    const other = (await a.keys.create('ops', 'second key')).key;
    const get = (app: ApiHandle, key: string, url = '/v1/titles') => app.app.inject({ method: 'GET', url, headers: { 'x-api-key': key } });
    // Three on one replica and two on the other: the fleet's count, not a process's.
    for (const app of [a, a, a, b, b]) expect((await get(app, stack.adminKey)).statusCode).toBe(200);
    const refused = await get(a, stack.adminKey);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'VF_RATE_LIMITED', error: 'Too Many Requests' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await get(b, stack.adminKey)).statusCode).toBe(429);
    // Another key has its own budget; public and player routes have none.
    expect((await get(a, other)).statusCode).toBe(200);
    for (let i = 0; i < 12; i++) expect((await a.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    for (let i = 0; i < 12; i++)
      expect((await a.app.inject({ method: 'GET', url: '/v1/titles/00000000-0000-4000-8000-000000000000/master.m3u8' })).statusCode).toBe(
        404,
      );
  });

  it('sheds load with 503 VF_OVERLOADED and Retry-After once past its heap limit', async () => {
    const a = await api({ ratePerMinute: 1_000_000, maxHeapUsedBytes: 1 });
    // The heap is sampled on an interval: wait for the first sample past the limit.
    const res = await waitUntil(
      'the first heap sample past the limit',
      async () => {
        const r = await a.app.inject({ method: 'GET', url: '/health' });
        return r.statusCode === 200 ? undefined : r;
      },
      { intervalMs: 50 },
    );
    expect(res.statusCode, res.body).toBe(503);
    expect(res.json()).toMatchObject({ code: 'VF_OVERLOADED' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('serves only the pages it is configured for, so the console can have an origin to itself', async () => {
    const consoleOnly = await createApi({ ...stack.config, pages: ['console'] }, stack.redis.url, false);
    const pagesOnly = await createApi({ ...stack.config, pages: ['player', 'docs'] }, stack.redis.url, false);
    apis.push(consoleOnly, pagesOnly);
    const status = async (a: ApiHandle, url: string) => (await a.app.inject({ method: 'GET', url })).statusCode;
    expect([
      await status(consoleOnly, '/console'),
      await status(consoleOnly, '/player/hls.html'),
      await status(consoleOnly, '/docs/json'),
    ]).toEqual([200, 404, 404]);
    expect([
      await status(pagesOnly, '/console'),
      await status(pagesOnly, '/player/hls.html'),
      await status(pagesOnly, '/docs/json'),
    ]).toEqual([404, 200, 200]);
  });

  it('sends security headers: deny-all CSP on the API, hashed inline code only on the console and players', async () => {
    const json = await stack.api.app.inject({ method: 'GET', url: '/v1/titles' });
    expect(json.headers['content-security-policy']).toContain("default-src 'none'");
    expect(json.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(json.headers['x-content-type-options']).toBe('nosniff');
    expect(json.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(json.headers['cross-origin-resource-policy']).toBe('cross-origin');

    const consolePage = await stack.api.app.inject({ method: 'GET', url: '/console' });
    const csp = String(consolePage.headers['content-security-policy']);
    // Second instrument: the import map's hash, computed here from the page served.
    const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(consolePage.body)?.[1];
    expect(importMap).toBeDefined();
    expect(csp).toContain(`script-src 'self' 'sha256-${createHash('sha256').update(importMap!).digest('base64')}'`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("'unsafe-inline' 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);

    const player = await stack.api.app.inject({ method: 'GET', url: '/player/hls.html' });
    expect(String(player.headers['content-security-policy'])).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(String(player.headers['content-security-policy'])).toContain("frame-ancestors 'self'");
  });
});
