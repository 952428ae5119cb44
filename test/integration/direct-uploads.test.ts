/**
 * Direct-to-bucket uploads on s3rver: the client PUTs the parts to presigned URLs, the API
 * completes the multipart upload and checks its size, a worker checks the declared SHA-256 before
 * the title is queued, and the API process carries none of the bytes (its reads and its resident
 * set, measured from /proc while a master goes up, stay flat).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../orchestrator/runtime/children.ts';
import type { TitleViewT } from '../../orchestrator/schemas.ts';
import { createTitle, getTitle } from '../support/api.ts';
import { makeMaster } from '../support/media.ts';
import { startS3rver, type S3TestServer } from '../support/s3rver.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { spawnUp, upListening, type UpProcess } from '../support/up.ts';
import { waitUntil } from '../support/wait.ts';

const MIB = 1024 * 1024;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface Started {
  readonly id: string;
  readonly partSizeBytes: number;
  readonly partCount: number;
}

/** The client's side of a direct upload, through `call` (the API) and plain fetch (the bucket). */
async function directUpload(
  call: (method: string, url: string, body?: unknown) => Promise<{ status: number; json: unknown }>,
  titleId: string,
  data: Buffer,
  declared: { sizeBytes?: number; sha256?: string } = {},
  onPart?: () => void,
): Promise<{ status: number; json: unknown; started: Started }> {
  const created = await call('POST', `/v1/titles/${titleId}/direct-uploads`, {
    sizeBytes: declared.sizeBytes ?? data.length,
    sha256: declared.sha256 ?? sha256(data),
  });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  const started = created.json as Started;
  const urls = await call('GET', `/v1/titles/${titleId}/direct-uploads/${started.id}/part-urls?first=1&count=1000`);
  expect(urls.status).toBe(200);
  const parts: { partNumber: number; etag: string }[] = [];
  for (const u of (urls.json as { urls: { partNumber: number; url: string; sizeBytes: number }[] }).urls) {
    const start = (u.partNumber - 1) * started.partSizeBytes;
    // The last part takes whatever is left of the data, so a test can send more or less than it declared.
    const body = data.subarray(start, u.partNumber === started.partCount ? data.length : start + u.sizeBytes);
    const res = await fetch(u.url, { method: 'PUT', body });
    expect(res.status, await res.clone().text()).toBe(200);
    parts.push({ partNumber: u.partNumber, etag: res.headers.get('etag') ?? '' });
    onPart?.();
  }
  const done = await call('POST', `/v1/titles/${titleId}/direct-uploads/${started.id}/complete`, { parts });
  return { ...done, started };
}

describe('direct-to-bucket uploads', () => {
  let stack: TestStack;
  let dir: string;
  const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await stack.api.app.inject({ method: method as 'GET', url, ...(body === undefined ? {} : { payload: body as object }) });
    return { status: res.statusCode, json: res.body === '' ? null : res.json() };
  };
  const settled = (id: string): Promise<TitleViewT> =>
    waitUntil(`title ${id} to leave uploading`, async () => {
      const t = await getTitle(stack.api.app, id);
      return t.state === 'uploading' ? undefined : t;
    });

  beforeAll(async () => {
    stack = await startTestStack({ storage: 's3', workers: 1 });
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-direct-'));
  });
  afterAll(async () => {
    await stack?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('completes a multipart upload in parts chosen from the size, verifies its SHA-256 on a worker, then queues the title', async () => {
    const data = randomBytes(20 * MIB);
    const t = await createTitle(stack.api.app, 'direct parts');
    const done = await directUpload(call, t.id, data);
    expect(done.started).toMatchObject({ partSizeBytes: 8 * MIB, partCount: 3 });
    expect(done.status, JSON.stringify(done.json)).toBe(202);
    // Not queued yet: the bytes are checked first.
    expect(done.json).toMatchObject({
      state: 'uploading',
      upload: { receivedBytes: data.length, totalBytes: data.length, status: 'verifying' },
    });
    const after = await settled(t.id);
    expect(after.source).toMatchObject({ sizeBytes: data.length, sha256: sha256(data) });
    expect(after.source?.key).toBe(`titles/${t.id}/source/direct-${done.started.id}/master`);
    expect(sha256(await stack.api.store.get(after.source?.key ?? ''))).toBe(sha256(data));
  }, 120_000);

  it('takes a real master straight to the bucket and on to the probe', async () => {
    const file = path.join(dir, 'master.mp4');
    await makeMaster(file, { width: 320, height: 240, fps: 25, durationS: 2 });
    const data = await readFile(file);
    const t = await createTitle(stack.api.app, 'direct master');
    expect((await directUpload(call, t.id, data)).status).toBe(202);
    const probed = await waitUntil('the probe of the directly uploaded master', async () => {
      const v = await getTitle(stack.api.app, t.id);
      if (v.state === 'failed') throw new Error(JSON.stringify(v.error));
      return v.durationS === undefined ? undefined : v;
    });
    expect(probed.durationS).toBeGreaterThan(1.5);
    expect(probed.source?.sha256).toBe(sha256(data));
  }, 120_000);

  it('fails the title with VF_MASTER_CHECKSUM_MISMATCH when the bytes are not the declared ones, keeping none of them', async () => {
    const data = randomBytes(6 * MIB);
    const t = await createTitle(stack.api.app, 'direct wrong sha');
    const done = await directUpload(call, t.id, data, { sha256: sha256(Buffer.from('something else')) });
    expect(done.status).toBe(202);
    const after = await settled(t.id);
    expect(after.state).toBe('failed');
    expect(after.error?.code).toBe('VF_MASTER_CHECKSUM_MISMATCH');
    expect(after.source).toBeUndefined();
    expect(await stack.api.store.head(`titles/${t.id}/source/direct-${done.started.id}/master`)).toBeUndefined();
  }, 120_000);

  it('refuses a completion whose parts do not make the declared size with 422, leaving the title to upload again', async () => {
    const t = await createTitle(stack.api.app, 'direct wrong size');
    const declared = 12 * MIB;
    const done = await directUpload(call, t.id, randomBytes(declared + 1000), { sizeBytes: declared });
    expect(done.status).toBe(422);
    expect(done.json).toMatchObject({ code: 'VF_MASTER_SIZE_MISMATCH' });
    expect((await getTitle(stack.api.app, t.id)).state).toBe('uploading');
    expect(await stack.api.store.head(`titles/${t.id}/source/direct-${done.started.id}/master`)).toBeUndefined();
    // A completion for an upload that is gone, and parts that are not the upload's.
    expect(
      (await call('POST', `/v1/titles/${t.id}/direct-uploads/${done.started.id}/complete`, { parts: [{ partNumber: 1, etag: 'x' }] }))
        .status,
    ).toBe(404);
  }, 120_000);
});

/** /proc/<pid>: resident set (bytes) and bytes read through read()/recv() (sockets included). */
async function procFigures(pid: number): Promise<{ rss: number; rchar: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const io = await readFile(`/proc/${pid}/io`, 'utf8');
  return { rss: Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]) * 1024, rchar: Number(/^rchar: (\d+)/m.exec(io)?.[1]) };
}

describe('the API during a direct upload', () => {
  let s3: S3TestServer;
  let up: UpProcess;
  let dir: string;
  let api: string;
  let key: string;

  beforeAll(async () => {
    s3 = await startS3rver();
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-direct-rss-'));
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    up = spawnUp({
      port,
      dataDir: path.join(dir, 'data'),
      workers: 1,
      env: {
        S3_BUCKET: s3.bucket,
        S3_ENDPOINT: s3.endpoint,
        S3_REGION: 'us-east-1',
        S3_ACCESS_KEY_ID: 'S3RVER',
        S3_SECRET_ACCESS_KEY: 'S3RVER',
      },
    });
    await upListening(up, port);
    key = (await readFile(path.join(dir, 'data', 'admin.key'), 'utf8')).trim();
  }, 90_000);
  afterAll(async () => {
    if (up?.child.exitCode === null) up.child.kill('SIGKILL');
    await s3?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('carries none of the bytes: its reads and its resident set stay flat while 96 MiB go up', async () => {
    const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
      const res = await fetch(`${api}${url}`, {
        method,
        headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, json: text === '' ? null : JSON.parse(text) };
    };
    const newTitle = async (name: string): Promise<string> => ((await call('POST', '/v1/titles', { name })).json as { id: string }).id;
    const pid = up.child.pid ?? -1;
    // A first, small one: the routes' first use (compiling, loading) is not what is measured.
    expect((await directUpload(call, await newTitle('warm-up'), randomBytes(MIB))).status).toBe(202);
    const data = randomBytes(96 * MIB);
    const titleId = await newTitle('measured');
    const before = await procFigures(pid);
    let peak = before.rss;
    const done = await directUpload(call, titleId, data, {}, () => void procFigures(pid).then((f) => (peak = Math.max(peak, f.rss))));
    const after = await procFigures(pid);
    peak = Math.max(peak, after.rss);
    expect(done.status).toBe(202);
    // Second instrument: what the process read from every socket and file, against the bytes uploaded.
    expect(after.rchar - before.rchar).toBeLessThan(data.length / 16);
    expect(peak - before.rss).toBeLessThan(data.length / 3);
  }, 180_000);
});
