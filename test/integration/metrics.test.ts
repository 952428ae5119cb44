import { ApiKeyStore } from '../../orchestrator/auth/keys.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { makeMaster, makeTextFile } from '../support/media.ts';
import { ingest, waitForFinal } from '../support/api.ts';
import { startWorker, type WorkerHandle } from '../../orchestrator/runtime/services.ts';
import { buildApp } from '../../orchestrator/app.ts';
import type { App } from '../../orchestrator/deps.ts';
import { closeQueues, createQueues, producerConnection } from '../../pipeline/queue.ts';
import { TitleStore } from '../../titles/store.ts';
import type { TitleViewT } from '../../orchestrator/schemas.ts';
import { childCpuSeconds } from '../../bench/cpu.ts';
import { waitUntil } from '../support/wait.ts';

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

interface Exposition {
  readonly types: Map<string, string>;
  readonly samples: Sample[];
}

/**
 * A strict reader of the Prometheus text format (0.0.4): every line must be a comment, a
 * HELP/TYPE line or a sample with a parseable value, and every sample must belong to a
 * declared family. A malformed line fails the test, as it would fail a Prometheus scrape.
 */
function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type !== null) {
      types.set(type[1] ?? '', type[2] ?? '');
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`not an exposition line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
    let consumed = 0;
    for (let l = re.exec(body); l !== null; l = re.exec(body)) {
      labels[l[1] ?? ''] = (l[2] ?? '').replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c));
      consumed = re.lastIndex;
    }
    if (consumed !== body.length) throw new Error(`bad label set in ${JSON.stringify(line)}`);
    const raw = m[3] ?? '';
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    // prom-client writes NaN as `Nan` (an event-loop lag with no sample yet, on a quick second
    // scrape); Prometheus reads floats with Go's ParseFloat, which takes NaN in any case.
    if (!/^nan$/i.test(raw) && Number.isNaN(value)) throw new Error(`bad value in ${JSON.stringify(line)}`);
    const name = m[1] ?? '';
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count|total|created)$/, '');
    if (!types.has(family)) throw new Error(`sample ${name} has no # TYPE`);
    samples.push({ name, labels, value });
  }
  return { types, samples };
}

const find = (e: Exposition, name: string, labels: Record<string, string> = {}): Sample[] =>
  e.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
const value = (e: Exposition, name: string, labels: Record<string, string> = {}): number | undefined => find(e, name, labels)[0]?.value;

/** Every histogram series: buckets cumulative, `+Inf` equal to `_count`, sum not negative. */
function checkHistograms(e: Exposition): void {
  for (const [family, type] of e.types) {
    if (type !== 'histogram') continue;
    const series = new Map<string, Sample[]>();
    for (const s of find(e, `${family}_bucket`)) {
      const { le: _le, ...rest } = s.labels;
      const key = JSON.stringify(rest);
      series.set(key, [...(series.get(key) ?? []), s]);
    }
    for (const [key, buckets] of series) {
      const counts = buckets.map((b) => b.value);
      expect(counts, `${family} ${key} buckets are cumulative`).toEqual([...counts].sort((a, b) => a - b));
      expect(buckets.at(-1)?.labels.le).toBe('+Inf');
      const labels = JSON.parse(key) as Record<string, string>;
      expect(value(e, `${family}_count`, labels)).toBe(counts.at(-1));
      expect(value(e, `${family}_sum`, labels) ?? -1).toBeGreaterThanOrEqual(0);
    }
  }
}

describe('observability: /metrics after an ingest, structured logs, queue dashboard', () => {
  let stack: TestStack;
  let dir: string;
  let worker: WorkerHandle;
  const workerLines: Record<string, unknown>[] = [];
  let ready: TitleViewT;
  let failed: TitleViewT;
  /** CPU of this process' reaped children before the ingests: the kernel's count, for the CPU figures. */
  let childCpuBefore = 0;
  /** When the masters went in: with one worker, no job's time can exceed what has passed since. */
  let ingestedAtMs = 0;

  const scrape = async (): Promise<Exposition> => {
    const res = await stack.api.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain; version=0.0.4');
    return parseExposition(res.body);
  };

  beforeAll(async () => {
    // x264 veryfast, the product's default: with ultrafast, this short title's encodes cost about
    // as much as the process start-ups and the probes, and the CPU check
    // below ("the encodes dominate") sat at its margin.
    stack = await startTestStack({ storage: 'local', workers: 0, settings: { preset: 'veryfast' } });
    // One worker whose JSON log lines the test keeps.
    const log = pino({ level: 'info' }, { write: (line: string) => void workerLines.push(JSON.parse(line) as Record<string, unknown>) });
    worker = await startWorker(stack.config, stack.redis.url, log);
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-metrics-'));
    const master = path.join(dir, 'master.mp4');
    await makeMaster(master, { width: 640, height: 360, fps: 25, durationS: 14 });
    const text = path.join(dir, 'notes.txt');
    await makeTextFile(text);
    childCpuBefore = childCpuSeconds();
    ingestedAtMs = Date.now();
    const [good, bad] = await Promise.all([ingest(stack.api.app, master), ingest(stack.api.app, text)]);
    [ready, failed] = await Promise.all([waitForFinal(stack.api.app, good), waitForFinal(stack.api.app, bad)]);
  }, 600_000);

  afterAll(async () => {
    await worker?.close(true);
    await stack?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('exposes queue depth and age, job durations, realtime factor, failures by code, bytes stored and HTTP latency, in valid exposition format', async () => {
    expect(ready.state).toBe('ready');
    expect(failed.state).toBe('failed');
    const failCode = failed.error?.code ?? '';
    expect(failCode).toMatch(/^VF_/);
    const manifestGets = 3;
    for (let i = 0; i < manifestGets; i++) {
      expect((await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${ready.id}/master.m3u8` })).statusCode).toBe(200);
    }

    // A worker records a job's measurements just after its handler returns, and BullMQ moves
    // the job out of `active` after that: poll until the last job of the title has landed.
    const e = await waitUntil(
      'the package job measured and the queue drained',
      async () => {
        const s = await scrape();
        const landed = (value(s, 'vodforge_job_duration_seconds_count', { job_type: 'package' }) ?? 0) >= 1;
        return landed && find(s, 'vodforge_queue_jobs').every((x) => x.value === 0) ? s : undefined;
      },
      { intervalMs: 250 },
    );
    checkHistograms(e);

    // Queue: every job type has a series per state, all drained now; no job waits.
    expect(find(e, 'vodforge_queue_jobs', { job_type: 'encode-chunk', state: 'waiting' })).toHaveLength(1);
    expect(find(e, 'vodforge_queue_jobs').every((s) => s.value === 0)).toBe(true);
    expect(find(e, 'vodforge_queue_oldest_waiting_job_age_seconds', { job_type: 'probe' })).toHaveLength(1);
    expect(find(e, 'vodforge_queue_oldest_waiting_job_age_seconds').every((s) => s.value === 0)).toBe(true);

    // Job durations: each job type the title went through. One worker runs one job at a time,
    // so together they fit in the time the test has seen pass since the ingests (its own clock).
    const elapsedS = (Date.now() - ingestedAtMs) / 1000;
    let jobsS = 0;
    for (const t of ['probe', 'encode-chunk', 'encode-audio', 'package']) {
      expect(value(e, 'vodforge_job_duration_seconds_count', { job_type: t }) ?? 0, t).toBeGreaterThanOrEqual(1);
      const sum = value(e, 'vodforge_job_duration_seconds_sum', { job_type: t }) ?? -1;
      expect(sum, t).toBeGreaterThan(0);
      jobsS += sum;
    }
    expect(jobsS).toBeLessThanOrEqual(elapsedS);
    // One realtime sample per chunk job: media seconds over encode seconds. Each encode took at
    // most the chunk jobs' total time, so the factors add up to at least 14 s over that total.
    const chunks = value(e, 'vodforge_job_duration_seconds_count', { job_type: 'encode-chunk' }) ?? 0;
    expect(value(e, 'vodforge_encode_realtime_factor_count')).toBe(chunks);
    const chunkJobsS = value(e, 'vodforge_job_duration_seconds_sum', { job_type: 'encode-chunk' }) ?? 0;
    expect(value(e, 'vodforge_encode_realtime_factor_sum') ?? 0).toBeGreaterThanOrEqual(14 / chunkJobsS);

    // Failures: the text file failed its title once, with the title's own error code.
    expect(value(e, 'vodforge_title_failures_total', { code: failCode })).toBe(1);
    expect(value(e, 'vodforge_job_failures_total', { job_type: 'probe', code: failCode, final: 'true' })).toBe(1);

    // Bytes stored: both masters, the published output.
    const source = value(e, 'vodforge_storage_bytes', { kind: 'source' }) ?? 0;
    expect(source).toBe((ready.source?.sizeBytes ?? 0) + (failed.source?.sizeBytes ?? 0));
    expect(value(e, 'vodforge_storage_bytes', { kind: 'output' }) ?? 0).toBeGreaterThan(10_000);

    // HTTP latency by route pattern, never by URL.
    const labels = { method: 'GET', route: '/v1/titles/:id/master.m3u8', status_code: '200' };
    expect(value(e, 'vodforge_http_request_duration_seconds_count', labels)).toBe(manifestGets);
    expect(e.samples.some((s) => s.labels.route?.includes(ready.id) === true)).toBe(false);
    expect(
      value(e, 'vodforge_http_request_duration_seconds_count', { method: 'PUT', route: '/v1/titles/:id/master', status_code: '202' }),
    ).toBe(2);
  }, 300_000);

  it("counts each title's ffmpeg CPU by job, in the title and in /metrics, no more than the kernel counted", async () => {
    // Jobs after publication (rung measurement, artwork) still run: wait until nothing is pending.
    const e = await waitUntil(
      'the queue to drain',
      async () => {
        const s = await scrape();
        return find(s, 'vodforge_queue_jobs').every((x) => x.value === 0) ? s : undefined;
      },
      { intervalMs: 250 },
    );
    const kernel = childCpuSeconds() - childCpuBefore;
    const view = (await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${ready.id}` })).json<TitleViewT>();
    for (const job of ['encode-chunk', 'encode-audio', 'package']) expect(view.cpuS[job] ?? 0, job).toBeGreaterThan(0);
    // The fixed ladder reads nothing for an analysis: no step is counted apart.
    expect(view.cpuStepsS).toBeUndefined();
    const spent = Object.values(view.cpuS).reduce((a, b) => a + b, 0);
    const failedSpent = Object.values(
      (await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${failed.id}` })).json<TitleViewT>().cpuS,
    ).reduce((a, b) => a + b, 0);
    // /metrics sums the same charges over every title of the deployment (these two).
    for (const [job, s] of Object.entries(view.cpuS))
      expect(value(e, 'vodforge_job_cpu_seconds_total', { job_type: job }) ?? 0, job).toBeGreaterThanOrEqual(s - 0.01);
    const total = find(e, 'vodforge_job_cpu_seconds_total').reduce((a, x) => a + x.value, 0);
    expect(total).toBeCloseTo(spent + failedSpent, 1);
    // Every ffmpeg and ffprobe is charged whole: the kernel's count of this process' children
    // holds them and their reporting parents (a few ms each), nothing the charges do not.
    expect(spent + failedSpent).toBeLessThanOrEqual(kernel + 0.1);
    expect(spent + failedSpent).toBeGreaterThan(kernel * 0.8);
  }, 300_000);

  it('puts the title and job ids on every worker log line', () => {
    expect(workerLines.length).toBeGreaterThan(3);
    for (const line of workerLines) {
      expect(typeof line.titleId, JSON.stringify(line)).toBe('string');
      expect(typeof line.jobId, JSON.stringify(line)).toBe('string');
    }
    const titles = new Set(workerLines.map((l) => l.titleId));
    expect(titles).toEqual(new Set([ready.id, failed.id]));
    expect(workerLines.some((l) => l.msg === 'chunk encoded' && l.titleId === ready.id)).toBe(true);
  });

  it("puts the title id on both request log lines of a route with an :id (refused too) and on a created title's completed line", async () => {
    const lines: Record<string, unknown>[] = [];
    const redis = producerConnection(stack.redis.url);
    const queues = createQueues(redis, stack.config.prefix);
    let app: App | undefined;
    try {
      // No offline queue on producer connections: wait for the connection before asking.
      await new Promise((resolve) => redis.once('ready', resolve));
      app = await buildApp({
        redis,
        queues,
        titles: new TitleStore(redis, stack.config.prefix),
        store: stack.api.store,
        keys: new ApiKeyStore(redis, stack.config.prefix),
        logger: { level: 'info', stream: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) } },
      });
      expect(
        (await app.inject({ method: 'GET', url: `/v1/titles/${ready.id}`, headers: { 'x-api-key': stack.adminKey } })).statusCode,
      ).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      const created = await app.inject({
        method: 'POST',
        url: '/v1/titles',
        headers: { 'x-api-key': stack.adminKey },
        payload: { name: 'logged' },
      });
      expect(created.statusCode).toBe(201);
      const refused = await app.inject({ method: 'GET', url: `/v1/titles/${ready.id}` });
      expect(refused.statusCode).toBe(401);
      const byMsg = (msg: string): Record<string, unknown>[] => lines.filter((l) => l.msg === msg);
      // Both lines of a request on a title carry it, a refused one too; a create's id exists
      // only from its handler on, so its completed line has it and its incoming line cannot.
      const newId = created.json<{ id: string }>().id;
      expect(byMsg('incoming request').map((l) => l.titleId)).toEqual([ready.id, undefined, undefined, ready.id]);
      expect(byMsg('request completed').map((l) => l.titleId)).toEqual([ready.id, undefined, newId, ready.id]);
      expect(byMsg('request completed').map((l) => (l.res as { statusCode?: number } | undefined)?.statusCode)).toEqual([
        200, 200, 201, 401,
      ]);
    } finally {
      await app?.close();
      await closeQueues(queues);
      redis.disconnect();
    }
  });

  it('serves manifests from memory with an ETag, and 304 to a player that already has them', async () => {
    const app = stack.api.app;
    for (const url of [
      `/v1/titles/${ready.id}/master.m3u8`,
      `/v1/titles/${ready.id}/manifest.mpd`,
      `/v1/titles/${ready.id}/v0/playlist.m3u8`,
    ]) {
      const first = await app.inject({ method: 'GET', url });
      expect(first.statusCode, url).toBe(200);
      const etag = String(first.headers.etag);
      expect(etag, url).toMatch(/^"[A-Za-z0-9_-]+"$/);
      const second = await app.inject({ method: 'GET', url });
      expect(second.body).toBe(first.body);
      expect(second.headers.etag).toBe(etag);
      const revalidated = await app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } });
      expect(revalidated.statusCode, url).toBe(304);
      expect(revalidated.body).toBe('');
    }
  });

  it('mounts the BullMQ dashboard at /admin/queues, listing the queue of each lane', async () => {
    const page = await stack.api.app.inject({ method: 'GET', url: '/admin/queues' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const api = await stack.api.app.inject({ method: 'GET', url: '/admin/queues/api/queues' });
    expect(api.statusCode).toBe(200);
    const names = (api.json<{ queues: { name: string }[] }>().queues ?? []).map((q) => q.name);
    expect(names.sort()).toEqual(['vodforge', 'vodforge-express']);
  });
});
