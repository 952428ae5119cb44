/**
 * Resumable uploads (tus 1.0) on the real API, Redis and both storage adapters: an upload cut
 * three times at random offsets by a proxy resumes and ends with the file's SHA-256; tus-js-client
 * uploads a real master that the probe then reads; and each of the protocol's errors (460, 409,
 * 423, 410) is answered as the protocol says, with the catalogue's code.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Upload } from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProbe } from '../../ffmpeg/run.ts';
import { createApi } from '../../orchestrator/runtime/services.ts';
import { createTitle, getTitle } from '../support/api.ts';
import { randomCuts, startCuttingProxy } from '../support/cutting-proxy.ts';
import { makeMaster } from '../support/media.ts';
import { actAsAdmin, startTestStack, type TestStack } from '../support/stack.ts';
import { waitFor, waitUntil } from '../support/wait.ts';

const MIB = 1024 * 1024;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Uploads `data` with tus-js-client, retrying at once after each dropped connection. */
function tusUpload(endpoint: string, key: string, titleId: string, data: Buffer, extra: { chunkSize?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const upload = new Upload(data, {
      endpoint,
      metadata: { titleId, filename: 'master.bin' },
      headers: { 'x-api-key': key },
      retryDelays: [0, 50, 100, 200, 400, 800, 1600],
      ...extra,
      onSuccess: () => resolve(upload.url ?? ''),
      onError: reject,
    });
    upload.start();
  });
}

async function storedSha(stack: TestStack, key: string): Promise<string> {
  return sha256(await stack.api.store.get(key));
}

for (const kind of ['local', 's3'] as const) {
  describe(`resumable uploads on ${kind} storage`, () => {
    let stack: TestStack;
    let base: string;

    beforeAll(async () => {
      stack = await startTestStack({ storage: kind, workers: 0 });
      base = await stack.listen();
    });
    afterAll(async () => {
      await stack?.close();
    });

    it('resumes an upload cut at three random offsets and stores exactly the file', async () => {
      const data = randomBytes(20 * MIB);
      const cuts = randomCuts(3, 0.2 * data.length, 0.9 * data.length, 2 * MIB);
      const proxy = await startCuttingProxy(base, cuts);
      try {
        const t = await createTitle(stack.api.app, `cut-${kind}`);
        await tusUpload(`${proxy.url}/v1/uploads`, stack.adminKey, t.id, data);
        expect(proxy.cuts()).toBe(3);
        // Resumed, not restarted: starting again after each cut would send at least 1.6x the file.
        expect(proxy.bytesUp()).toBeLessThan(data.length * 1.1);
        const title = await getTitle(stack.api.app, t.id);
        expect(title.source?.key).toMatch(new RegExp(`^titles/${t.id}/source/tus-[0-9a-f]{32}/master$`));
        // Both figures at once, so a failure says which is wrong: the digest the API recorded,
        // and (second instrument) the object in storage, hashed here.
        const stored = await storedSha(stack, title.source?.key ?? '');
        expect({ recorded: title.source?.sha256, stored }).toEqual({ recorded: sha256(data), stored: sha256(data) });
        expect(title).toMatchObject({ state: 'queued', source: { sizeBytes: data.length } });
      } finally {
        await proxy.close();
      }
    }, 120_000);

    it('hashes the master from storage when the API did not see every byte (a part written through another process)', async () => {
      const data = randomBytes(6 * MIB);
      const t = await createTitle(stack.api.app, `two-apis-${kind}`);
      // A second API process (same Redis and storage) takes the first half, this one the rest.
      const other = await createApi(stack.config, stack.redis.url, false);
      actAsAdmin(other.app, stack.adminKey);
      try {
        const created = await other.app.inject({
          method: 'POST',
          url: '/v1/uploads',
          headers: { 'tus-resumable': '1.0.0', 'upload-length': String(data.length), 'upload-metadata': `titleId ${b64(t.id)}` },
        });
        expect(created.statusCode, created.body).toBe(201);
        const url = String(created.headers.location);
        const half = 3 * MIB;
        const first = await other.app.inject({ method: 'PATCH', url, headers: patchHeaders(0), payload: data.subarray(0, half) });
        expect(first.statusCode, first.body).toBe(204);
        const second = await stack.api.app.inject({ method: 'PATCH', url, headers: patchHeaders(half), payload: data.subarray(half) });
        expect(second.statusCode, second.body).toBe(204);
      } finally {
        await other.close();
      }
      expect((await getTitle(stack.api.app, t.id)).source?.sha256).toBe(sha256(data));
    }, 60_000);
  });
}

function patchHeaders(offset: number, extra: Record<string, string> = {}): Record<string, string> {
  return { 'tus-resumable': '1.0.0', 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream', ...extra };
}

describe('the tus protocol on the API', () => {
  let stack: TestStack;
  let base: string;
  let redis: Redis;
  let dir: string;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 1 });
    base = await stack.listen();
    redis = new Redis(stack.redis.url);
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-tus-'));
  });
  afterAll(async () => {
    redis?.disconnect();
    await stack?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const auth = (): Record<string, string> => ({ 'x-api-key': stack.adminKey });
  const create = async (titleId: string, length: number): Promise<string> => {
    const res = await fetch(`${base}/v1/uploads`, {
      method: 'POST',
      headers: { ...auth(), 'tus-resumable': '1.0.0', 'upload-length': String(length), 'upload-metadata': `titleId ${b64(titleId)}` },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return new URL(res.headers.get('location') ?? '', base).toString();
  };
  const patch = (url: string, offset: number, body: Buffer, extra: Record<string, string> = {}): Promise<Response> =>
    fetch(url, { method: 'PATCH', headers: { ...auth(), ...patchHeaders(offset, extra) }, body });
  const head = (url: string): Promise<Response> => fetch(url, { method: 'HEAD', headers: { ...auth(), 'tus-resumable': '1.0.0' } });
  const checksum = (b: Buffer): string => `sha256 ${createHash('sha256').update(b).digest('base64')}`;

  it('lets tus-js-client upload a real master, which the probe then reads', async () => {
    const file = path.join(dir, 'master.mp4');
    await makeMaster(file, { width: 320, height: 240, fps: 25, durationS: 2 });
    const data = await readFile(file);
    const t = await createTitle(stack.api.app, 'tus-js-client');
    await tusUpload(`${base}/v1/uploads`, stack.adminKey, t.id, data, { chunkSize: 64 * 1024 });
    const probed = await waitUntil('the probe to read the master', async () => {
      const v = await getTitle(stack.api.app, t.id);
      if (v.state === 'failed') throw new Error(`title failed: ${JSON.stringify(v.error)}`);
      return v.durationS === undefined ? undefined : v;
    });
    expect(probed.source?.sha256).toBe(sha256(data));
    // The duration the probe read, against ffprobe on the file itself.
    const own = Number((await runProbe(['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file])).stdout);
    expect(probed.durationS).toBeCloseTo(own, 1);
  }, 120_000);

  it('shows the bytes received on the title while it uploads', async () => {
    const t = await createTitle(stack.api.app, 'progress');
    const url = await create(t.id, 4 * MIB);
    expect((await getTitle(stack.api.app, t.id)).upload).toEqual({ receivedBytes: 0, totalBytes: 4 * MIB, status: 'receiving' });
    expect((await patch(url, 0, randomBytes(MIB))).status).toBe(204);
    expect((await getTitle(stack.api.app, t.id)).upload).toEqual({ receivedBytes: MIB, totalBytes: 4 * MIB, status: 'receiving' });
  });

  it('refuses a body that fails its checksum with 460, keeping none of it, and takes it sent again', async () => {
    const t = await createTitle(stack.api.app, 'checksum');
    const part = randomBytes(MIB);
    const url = await create(t.id, 2 * MIB);
    const bad = await patch(url, 0, part, { 'upload-checksum': checksum(randomBytes(16)) });
    expect(bad.status).toBe(460);
    expect(await bad.json()).toMatchObject({ code: 'VF_UPLOAD_CHECKSUM_MISMATCH', statusCode: 460 });
    expect((await head(url)).headers.get('upload-offset')).toBe('0');
    const again = await patch(url, 0, part, { 'upload-checksum': checksum(part) });
    expect(again.status).toBe(204);
    expect(again.headers.get('upload-offset')).toBe(String(MIB));
    const md5 = await patch(url, MIB, part, { 'upload-checksum': `md5 ${createHash('md5').update(part).digest('base64')}` });
    expect(md5.status).toBe(400);
    expect(await md5.json()).toMatchObject({ code: 'VF_UPLOAD_CHECKSUM_INVALID' });
    const options = await fetch(`${base}/v1/uploads`, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('tus-extension')?.split(',')).toContain('checksum');
    expect(options.headers.get('tus-checksum-algorithm')?.split(',')).toContain('sha256');
  });

  it('answers an offset that is not where the upload stands with 409, and a completed upload is immutable', async () => {
    const t = await createTitle(stack.api.app, 'offsets');
    const data = randomBytes(2 * MIB);
    const url = await create(t.id, data.length);
    expect((await patch(url, 0, data.subarray(0, MIB))).status).toBe(204);
    const wrong = await patch(url, MIB + 5, data.subarray(MIB));
    expect(wrong.status).toBe(409);
    expect(await wrong.json()).toMatchObject({ code: 'VF_UPLOAD_OFFSET_MISMATCH' });
    expect((await patch(url, MIB, data.subarray(MIB))).status).toBe(204);
    expect((await getTitle(stack.api.app, t.id)).source?.sha256).toBe(sha256(data));
    // Complete: nothing can be added, rewritten or terminated.
    expect((await patch(url, 0, data.subarray(0, 16))).status).toBe(409);
    expect((await patch(url, data.length, Buffer.alloc(1))).status).toBe(400);
    const del = await fetch(url, { method: 'DELETE', headers: { ...auth(), 'tus-resumable': '1.0.0' } });
    expect(del.status).toBe(409);
    expect(await del.json()).toMatchObject({ code: 'VF_UPLOAD_COMPLETE' });
    const h = await head(url);
    expect([h.status, h.headers.get('upload-offset')]).toEqual([200, String(data.length)]);
    expect(await storedSha(stack, (await getTitle(stack.api.app, t.id)).source?.key ?? '')).toBe(sha256(data));
  });

  it('answers a second client resuming an upload while the first writes with 423, then its stale offset with 409', async () => {
    const t = await createTitle(stack.api.app, 'two resumers');
    const data = randomBytes(2 * MIB);
    const url = new URL(await create(t.id, data.length));
    const first = http.request({
      method: 'PATCH',
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      headers: { ...auth(), ...patchHeaders(0), 'content-length': String(data.length) },
    });
    const firstDone = new Promise<number>((resolve, reject) => {
      first.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      first.on('error', reject);
    });
    first.write(data.subarray(0, MIB));
    const lockKey = `${stack.config.prefix}:upload-lock:titles/${t.id}/source/tus-${url.pathname.split('.').at(-1)}/master`;
    await waitFor('the first request to hold the upload lock', async () => (await redis.exists(lockKey)) === 1, { intervalMs: 20 });
    const second = await patch(url.toString(), 0, data);
    expect(second.status).toBe(423);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await second.json()).toMatchObject({ code: 'VF_UPLOAD_LOCKED' });
    first.end(data.subarray(MIB));
    expect(await firstDone).toBe(204);
    const stale = await patch(url.toString(), 0, data);
    expect(stale.status).toBe(409);
    expect(await storedSha(stack, (await getTitle(stack.api.app, t.id)).source?.key ?? '')).toBe(sha256(data));
  });

  it('refuses creation without a title, for an unknown title, and without a key', async () => {
    const bare = await fetch(`${base}/v1/uploads`, {
      method: 'POST',
      headers: { ...auth(), 'tus-resumable': '1.0.0', 'upload-length': '10' },
    });
    expect([bare.status, ((await bare.json()) as { code: string }).code]).toEqual([400, 'VF_UPLOAD_METADATA_INVALID']);
    const unknown = await fetch(`${base}/v1/uploads`, {
      method: 'POST',
      headers: { ...auth(), 'tus-resumable': '1.0.0', 'upload-length': '10', 'upload-metadata': `titleId ${b64('no-such-title')}` },
    });
    expect([unknown.status, ((await unknown.json()) as { code: string }).code]).toEqual([404, 'VF_TITLE_NOT_FOUND']);
    const anonymous = await fetch(`${base}/v1/uploads`, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '10' } });
    expect(anonymous.status).toBe(401);
  });

  it('expires an upload left alone past VF_UPLOAD_EXPIRY_S: 410 Gone, and its parts deleted', async () => {
    // A second API on the same Redis and storage, with its own key prefix and a three-second expiry:
    // the first PATCH and the parts check must come within it, on a loaded machine too.
    const config = { ...stack.config, prefix: `${stack.config.prefix}x`, uploadExpiryS: 3 };
    const api = await createApi(config, stack.redis.url, false);
    try {
      const key = (await api.keys.create('admin', 'expiry')).key;
      await api.app.listen({ port: 0, host: '127.0.0.1' });
      const address = api.app.server.address();
      const short = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
      const titleRes = await fetch(`${short}/v1/titles`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'abandoned' }),
      });
      const titleId = ((await titleRes.json()) as { id: string }).id;
      const created = await fetch(`${short}/v1/uploads`, {
        method: 'POST',
        headers: {
          'x-api-key': key,
          'tus-resumable': '1.0.0',
          'upload-length': String(2 * MIB),
          'upload-metadata': `titleId ${b64(titleId)}`,
        },
      });
      const url = new URL(created.headers.get('location') ?? '', short).toString();
      const first = await fetch(url, { method: 'PATCH', headers: { 'x-api-key': key, ...patchHeaders(0) }, body: randomBytes(MIB) });
      expect(first.status).toBe(204);
      expect(first.headers.get('upload-expires')).not.toBeNull();
      const parts = async (): Promise<string[]> => {
        const keys: string[] = [];
        for await (const o of stack.api.store.list(`titles/${titleId}/source/`)) keys.push(o.key);
        return keys;
      };
      expect((await parts()).length).toBeGreaterThan(0);
      const headStatus = async (): Promise<number> =>
        (await fetch(url, { method: 'HEAD', headers: { 'x-api-key': key, 'tus-resumable': '1.0.0' } })).status;
      await waitFor('the upload to expire', async () => (await headStatus()) === 410, { intervalMs: 200, timeoutMs: 30_000 });
      await waitFor('the sweep to delete its parts', async () => (await parts()).length === 0, { intervalMs: 200, timeoutMs: 30_000 });
      // Deleted, and still answered as gone (a tombstone), not as never known.
      expect(await headStatus()).toBe(410);
      const late = await fetch(url, { method: 'PATCH', headers: { 'x-api-key': key, ...patchHeaders(MIB) }, body: randomBytes(16) });
      expect(late.status).toBe(410);
      expect(await late.json()).toMatchObject({ code: 'VF_UPLOAD_EXPIRED' });
    } finally {
      await api.close();
    }
  }, 60_000);

  it('answers direct-upload routes with a typed 501 on local storage', async () => {
    const t = await createTitle(stack.api.app, 'direct on local');
    const res = await stack.api.app.inject({
      method: 'POST',
      url: `/v1/titles/${t.id}/direct-uploads`,
      payload: { sizeBytes: 10, sha256: 'ab'.repeat(32) },
    });
    expect(res.statusCode).toBe(501);
    expect(res.json()).toMatchObject({ code: 'VF_DIRECT_UPLOAD_NEEDS_S3', error: 'Not Implemented' });
  });

  it('removes an unfinished upload with the title', async () => {
    const t = await createTitle(stack.api.app, 'deleted');
    const url = await create(t.id, 2 * MIB);
    expect((await patch(url, 0, randomBytes(MIB))).status).toBe(204);
    expect((await stack.api.app.inject({ method: 'DELETE', url: `/v1/titles/${t.id}` })).statusCode).toBe(204);
    expect((await head(url)).status).toBe(404);
    const left: string[] = [];
    for await (const o of stack.api.store.list(`titles/${t.id}/`)) left.push(o.key);
    expect(left).toEqual([]);
  });
});
