import { JSON_BODY_LIMIT } from '../../orchestrator/app.ts';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actAsAdmin, startTestStack, type TestStack } from '../support/stack.ts';
import { createTitle } from '../support/api.ts';
import { createApi } from '../../orchestrator/runtime/services.ts';

/** The HTTP API's contract: status codes and stable error codes, without running encodes. */
describe('API contract', () => {
  let stack: TestStack;
  const objectsUnder = async (prefix: string): Promise<string[]> => {
    const keys: string[] = [];
    for await (const o of stack.api.store.list(prefix)) keys.push(o.key);
    return keys;
  };

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 0 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('serves an OpenAPI document that describes the title routes', async () => {
    const res = await stack.api.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/titles',
        '/v1/titles/{id}',
        '/v1/titles/{id}/events',
        '/v1/titles/{id}/master',
        '/v1/titles/{id}/master.m3u8',
        '/health',
      ]),
    );
  });

  it('reports Redis and storage reachability', async () => {
    const res = await stack.api.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, redis: { ok: true }, storage: { ok: true } });
  });

  it.each([
    ['unknown field', { name: 'x', colour: 'red' }],
    ['wrong type', { name: 42 }],
    ['empty name', { name: '' }],
  ])('rejects a create body with %s as VF_INVALID_REQUEST', async (_label, payload) => {
    const res = await stack.api.app.inject({ method: 'POST', url: '/v1/titles', payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VF_INVALID_REQUEST' });
  });

  /** Titles in the list: a refused request must have created none. */
  const titleCount = async (): Promise<number> =>
    (await stack.api.app.inject({ method: 'GET', url: '/v1/titles' })).json<{ titles: unknown[] }>().titles.length;

  it('rejects malformed JSON with 400 VF_INVALID_JSON and creates nothing', async () => {
    const before = await titleCount();
    for (const payload of ['{"name":', '', 'null x', '{"name": "a"}}']) {
      const res = await stack.api.app.inject({
        method: 'POST',
        url: '/v1/titles',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().code, JSON.stringify(payload)).toBe('VF_INVALID_JSON');
    }
    expect(await titleCount()).toBe(before);
  });

  it('rejects an oversized JSON body with 413 VF_BODY_TOO_LARGE and a body of the wrong type with 415', async () => {
    const before = await titleCount();
    const big = await stack.api.app.inject({
      method: 'POST',
      url: '/v1/titles',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(JSON_BODY_LIMIT) }),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ code: 'VF_BODY_TOO_LARGE' });
    const xml = await stack.api.app.inject({
      method: 'POST',
      url: '/v1/titles',
      headers: { 'content-type': 'application/xml' },
      payload: '<title/>',
    });
    expect(xml.statusCode).toBe(415);
    expect(xml.json()).toMatchObject({ code: 'VF_UNSUPPORTED_MEDIA_TYPE' });
    expect(await titleCount()).toBe(before);
  });

  it('answers unknown routes with 404 VF_ROUTE_NOT_FOUND', async () => {
    const res = await stack.api.app.inject({ method: 'GET', url: '/v1/no-such-thing?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'VF_ROUTE_NOT_FOUND', message: 'No route GET /v1/no-such-thing' });
  });

  it('answers 404 VF_TITLE_NOT_FOUND for unknown titles and 400 for ids that are not ids', async () => {
    const missing = await stack.api.app.inject({ method: 'GET', url: '/v1/titles/does-not-exist' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'VF_TITLE_NOT_FOUND' });
    for (const url of [
      '/v1/titles/..%2F..%2Fetc/master.m3u8',
      '/v1/titles/%2e%2e%2f%2e%2e%2fetc/manifest.mpd',
      '/v1/titles/..%252F..%252Fetc',
    ]) {
      const res = await stack.api.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().code, url).toBe('VF_INVALID_REQUEST');
    }
    // A track or file that climbs out of the title's published prefix, plain or encoded.
    for (const url of ['/v1/titles/abc/..%2Fsource/master', '/v1/titles/abc/v0/..%2F..%2Fsource%2Fmaster']) {
      const res = await stack.api.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().code, url).toMatch(/^VF_(INVALID_REQUEST|INVALID_KEY)$/);
    }
  });

  it('refuses a master larger than the limit with 413 before storing anything (declared length)', async () => {
    const t = await createTitle(stack.api.app, 'too big');
    const res = await stack.api.app.inject({
      method: 'PUT',
      url: `/v1/titles/${t.id}/master`,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(stack.config.maxUploadBytes + 1) },
      payload: Buffer.alloc(16),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'VF_UPLOAD_TOO_LARGE' });
    expect(await objectsUnder(`titles/${t.id}/source/`)).toEqual([]);
  });

  it('stops a chunked upload at the limit with 413 and keeps no partial master', async () => {
    // A second API on the same Redis and storage with a 1 MiB limit, so the body can cross it quickly.
    const api = await createApi({ ...stack.config, maxUploadBytes: 1024 * 1024 }, stack.redis.url, false);
    actAsAdmin(api.app, stack.adminKey);
    const t = await createTitle(api.app, 'streamed too big');
    const limit = 1024 * 1024;
    const chunk = Buffer.alloc(256 * 1024, 7);
    let sent = 0;
    const body = new Readable({
      read() {
        if (sent > limit + chunk.length) this.push(null);
        else {
          sent += chunk.length;
          this.push(chunk);
        }
      },
    });
    const res = await api.app.inject({
      method: 'PUT',
      url: `/v1/titles/${t.id}/master`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: body,
    });
    await api.close();
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'VF_UPLOAD_TOO_LARGE' });
    expect(await objectsUnder(`titles/${t.id}/source/`)).toEqual([]);
    const after = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${t.id}` });
    expect(after.json()).toMatchObject({ state: 'uploading' });
  });

  it('accepts a master sent as video/mp4 (regression: the video/* parser matched only the literal string)', async () => {
    const t = await createTitle(stack.api.app, 'typed upload');
    const res = await stack.api.app.inject({
      method: 'PUT',
      url: `/v1/titles/${t.id}/master`,
      headers: { 'content-type': 'video/mp4' },
      payload: Buffer.from('not really a video'),
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ state: 'queued', source: { sizeBytes: 18 } });
  });

  it('registers a master already in the bucket by key, and 422s a key that is not there', async () => {
    await stack.api.store.put('incoming/master.mp4', Buffer.from('pretend video'));
    const ok = await stack.api.app.inject({
      method: 'POST',
      url: '/v1/titles',
      payload: { name: 'by key', sourceKey: 'incoming/master.mp4' },
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ state: 'queued', source: { key: 'incoming/master.mp4', sizeBytes: 13 } });
    const missing = await stack.api.app.inject({
      method: 'POST',
      url: '/v1/titles',
      payload: { name: 'by key', sourceKey: 'incoming/nope.mp4' },
    });
    expect(missing.statusCode).toBe(422);
    expect(missing.json()).toMatchObject({ code: 'VF_SOURCE_KEY_NOT_FOUND' });
    const traversal = await stack.api.app.inject({
      method: 'POST',
      url: '/v1/titles',
      payload: { name: 'x', sourceKey: '../../etc/passwd' },
    });
    expect(traversal.statusCode).toBe(400);
    expect(traversal.json()).toMatchObject({ code: 'VF_INVALID_KEY' });
  });

  it('lists titles newest first and deletes a title with its objects', async () => {
    const a = await createTitle(stack.api.app, 'first');
    const b = await createTitle(stack.api.app, 'second');
    const list = await stack.api.app.inject({ method: 'GET', url: '/v1/titles?limit=2' });
    expect(list.json<{ titles: { id: string }[] }>().titles.map((t) => t.id)).toEqual([b.id, a.id]);
    await stack.api.store.put(`titles/${a.id}/source/master`, 'bytes');
    const del = await stack.api.app.inject({ method: 'DELETE', url: `/v1/titles/${a.id}` });
    expect(del.statusCode).toBe(204);
    expect(await stack.api.store.head(`titles/${a.id}/source/master`)).toBeUndefined();
    expect((await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${a.id}` })).statusCode).toBe(404);
    expect((await stack.api.app.inject({ method: 'DELETE', url: `/v1/titles/${a.id}` })).statusCode).toBe(404);
  });
});
