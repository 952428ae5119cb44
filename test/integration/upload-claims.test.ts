/**
 * Two uploads of one master, as a CLI retry or two operators make them: the first claims the
 * title, the second gets 409 while the first streams, and the master stored is the first's,
 * whole; an upload that dies mid-way frees the title for the next at once.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTitle } from '../support/api.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

describe('master uploads claimed atomically', () => {
  let stack: TestStack;
  let redis: Redis;
  let base: string;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 0 });
    redis = new Redis(stack.redis.url);
    base = await stack.listen();
  });
  afterAll(async () => {
    redis?.disconnect();
    await stack?.close();
  });

  const claimKey = (id: string): string => `${stack.config.prefix}:title:${id}:upload`;
  /** Waits until the title's upload claim is held (`true`) or free (`false`). */
  const claimHeld = async (id: string, held: boolean): Promise<void> => {
    await waitFor(
      `the upload claim of ${id} to be ${held ? 'held' : 'free'}`,
      async () => (await redis.exists(claimKey(id))) === (held ? 1 : 0),
      {
        intervalMs: 25,
      },
    );
  };
  const sourceKeys = async (id: string): Promise<string[]> => {
    const keys: string[] = [];
    for await (const o of stack.api.store.list(`titles/${id}/source/`)) keys.push(o.key);
    return keys;
  };

  it('answers a second upload 409 with Retry-After while the first streams, and keeps the first master whole', async () => {
    const t = await createTitle(stack.api.app, 'race');
    const firstBytes = Buffer.alloc(3 * 1024 * 1024, 1);
    const first = new PassThrough();
    const firstRes = stack.api.app.inject({
      method: 'PUT',
      url: `/v1/titles/${t.id}/master`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: first,
    });
    first.write(firstBytes.subarray(0, 1024 * 1024));
    await claimHeld(t.id, true);

    const second = await stack.api.app.inject({
      method: 'PUT',
      url: `/v1/titles/${t.id}/master`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(2048, 2),
    });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ code: 'VF_UPLOAD_IN_PROGRESS' });
    expect(Number(second.headers['retry-after'])).toBeGreaterThan(0);

    first.end(firstBytes.subarray(1024 * 1024));
    const done = await firstRes;
    expect(done.statusCode, done.body).toBe(202);
    const title = done.json<{ state: string; source: { key: string; sizeBytes: number; sha256: string } }>();
    const sha = createHash('sha256').update(firstBytes).digest('hex');
    expect(title).toMatchObject({ state: 'queued', source: { sizeBytes: firstBytes.length, sha256: sha } });
    // Second instrument: the bytes in storage, hashed here.
    expect(
      createHash('sha256')
        .update(await stack.api.store.get(title.source.key))
        .digest('hex'),
    ).toBe(sha);
    expect(await sourceKeys(t.id)).toEqual([title.source.key]);
    // Published: a third upload is refused as one too many, not as a race.
    const third = await stack.api.app.inject({
      method: 'PUT',
      url: `/v1/titles/${t.id}/master`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(16),
    });
    expect(third.json()).toMatchObject({ code: 'VF_MASTER_ALREADY_SET' });
    expect(await redis.exists(claimKey(t.id))).toBe(0);
  });

  it('frees the title when an upload dies mid-way, keeping none of it, so the retry succeeds', async () => {
    const t = await createTitle(stack.api.app, 'dropped');
    const url = new URL(`${base}/v1/titles/${t.id}/master`);
    const req = http.request({
      method: 'PUT',
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      headers: { 'x-api-key': stack.adminKey, 'content-type': 'application/octet-stream', 'content-length': String(8 * 1024 * 1024) },
    });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(1024 * 1024, 3));
    await claimHeld(t.id, true);
    req.destroy();
    await claimHeld(t.id, false);
    expect(await sourceKeys(t.id)).toEqual([]);
    expect((await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${t.id}` })).json()).toMatchObject({ state: 'uploading' });

    const retry = await stack.api.app.inject({
      method: 'PUT',
      url: `/v1/titles/${t.id}/master`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(4096, 4),
    });
    expect(retry.statusCode).toBe(202);
    expect((await sourceKeys(t.id)).length).toBe(1);
  });

  it('publishes nothing when the title is deleted while its master streams', async () => {
    const t = await createTitle(stack.api.app, 'deleted mid-upload');
    const body = new PassThrough();
    const res = stack.api.app.inject({
      method: 'PUT',
      url: `/v1/titles/${t.id}/master`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: body,
    });
    body.write(Buffer.alloc(512 * 1024, 5));
    await claimHeld(t.id, true);
    expect((await stack.api.app.inject({ method: 'DELETE', url: `/v1/titles/${t.id}` })).statusCode).toBe(204);
    body.end(Buffer.alloc(512 * 1024, 5));
    expect((await res).statusCode).toBe(404);
    expect(await sourceKeys(t.id)).toEqual([]);
  });
});
