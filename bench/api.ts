/**
 * `npm run bench:api`: the API's two budgets, measured on the real process.
 *
 * 1. Manifest throughput: the API runs as `vodforge up` in its own process pinned to core 0
 *    (`taskset -c 0`); autocannon runs here, pinned to core 1, on loopback, against the
 *    multivariant playlist and a media playlist of a small title this script ingests.
 *    Target: >= 5,000 requests/s with p99 < 20 ms on that one core.
 * 2. Upload memory: a 2 GiB master, generated on the fly (never written here), streams
 *    through the API into local storage on tmpfs (RAM, not disk); the API process's resident
 *    set is sampled while it uploads and its high-water mark (VmHWM) read at the end.
 *    Target: flat, < 200 MB.
 *
 * 3. Manifests while planning: the multivariant playlist again, for as long as 4 fill plans of
 *    50,000 views each (posted at once) take to compute. Target: >= 80% of the idle req/s above,
 *    p99 < 20 ms.
 * 4. Artwork memory: 20 concurrent custom-artwork uploads of a 24-megapixel JPEG; the API's
 *    VmHWM over them, and its imaging helper's. Target: API < 400 MB.
 * 5. Resumable upload: a generated master of the same size (a file in the OS temp dir) uploaded by
 *    `vodforge ingest` through a proxy that counts the bytes on the wire, uncut, then cut at three
 *    random offsets and resumed by the CLI. Targets: < 1.05x the bytes and < 1.2x the time of uncut.
 * 6. Direct-to-bucket upload: the same file through a second API in S3 mode (s3rver), its parts PUT
 *    by this script to presigned URLs; that API's RSS before, at its peak (sampled) and after, and
 *    the bytes it read (/proc/<pid>/io rchar), against the upload. Target: flat.
 *
 * Redis is the bench's own redis-server, not pinned to the API's core (the API's manifest
 * path asks it for the title on each request). Request logging is off unless LOG_LEVEL says
 * otherwise (`info` logs two lines per request). Figures are printed, never asserted.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { freePort, startRedisServer, stopChild, waitForPort } from '../orchestrator/runtime/children.ts';
import sharp from 'sharp';
import { makeMaster } from '../test/support/media.ts';
import { cliUpload, directUploadToS3Api, uploadPathsReport, writeGenerated } from './upload-paths.ts';

const BIN = fileURLToPath(new URL('../bin/vodforge.mjs', import.meta.url));
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const UPLOAD_BYTES = Number(process.env.BENCH_UPLOAD_BYTES ?? 2 * 1024 ** 3);
const TARGET_RPS = 5000;
const TARGET_P99_MS = 20;
const TARGET_RSS_MB = 200;
const TARGET_PLANNING_SHARE = 0.8;
const TARGET_ARTWORK_RSS_MB = 400;
const TARGET_RESUMED_BYTES = 1.05;
const TARGET_RESUMED_TIME = 1.2;
const PLAN_VIEWS = 50_000;

/** A plan request: 8 appliances in 2 regions, 3,000 titles of 6 files, `views` view records over 12 days. */
function planBody(views: number, seed: number): string {
  const at = Date.parse('2026-03-10T00:00:00Z');
  const appliances = Array.from({ length: 8 }, (_, i) => ({
    id: `edge-${i}`,
    cluster: `c${i % 2}`,
    region: i % 2 === 0 ? 'eu' : 'us',
    capacityBytes: 2e12,
    fillGbps: 1,
    fillWindow: { start: '02:00', end: '08:00', tz: 'UTC' },
    state: 'active',
  }));
  const catalog = Array.from({ length: 3000 }, (_, t) => ({
    titleId: `t${t}`,
    releasedAt: '2026-01-01T00:00:00Z',
    files: Array.from({ length: 6 }, (_, r) => ({ key: `titles/t${t}/v${r}/seg.m4s`, bytes: 50_000_000 * (r + 1) })),
  }));
  let x = seed;
  const rand = (): number => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
  const list = Array.from({ length: views }, () => ({
    ts: new Date(at - Math.floor(rand() * 12 * 86_400_000) - 1).toISOString(),
    titleId: `t${Math.floor(3000 * rand() ** 3)}`,
    region: rand() < 0.5 ? 'eu' : 'us',
    bytes: Math.floor(1e8 * rand()),
  }));
  return JSON.stringify({ appliances, catalog, views: list, at: new Date(at).toISOString() });
}

/** Pids of a process's children (Linux: /proc/<pid>/task/<tid>/children). */
function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter((s) => s !== '')
        .map(Number),
    );
  } catch {
    return [];
  }
}

/** VmRSS / VmHWM of a process, in MB (10^6 bytes). */
function memoryMB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: (kib('VmRSS') * 1024) / 1e6, hwm: (kib('VmHWM') * 1024) / 1e6 };
}

/**
 * Resets a process's VmHWM to its current RSS (`clear_refs` 5, Linux >= 4.0), so the mark read
 * later is the peak of what ran in between, not of start-up (loading and compiling the
 * sources peaks above the steady state). False where the kernel or permissions refuse.
 */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of a process to one core; false where taskset is missing or refused. */
function pin(pid: number, core: number): boolean {
  return spawnSync('taskset', ['-a', '-pc', String(core), String(pid)], { stdio: 'ignore' }).status === 0;
}

/** The admin key `vodforge up` made for the bench's new data dir: title routes need it. */
const AUTH: Record<string, string> = {};

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { ...AUTH, ...(init?.headers as Record<string, string> | undefined) } });
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function createTitle(api: string, name: string): Promise<string> {
  return (
    await json<{ id: string }>(`${api}/v1/titles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    })
  ).id;
}

/** PUTs a body of `bytes` generated bytes through plain http (fetch would want to buffer a duplex body). */
function putStream(api: string, id: string, bytes: number, onProgress: (sent: number) => void): Promise<number> {
  const block = Buffer.alloc(1024 * 1024, 0x5a);
  let sent = 0;
  const body = Readable.from(
    (function* () {
      while (sent < bytes) {
        const n = Math.min(block.length, bytes - sent);
        sent += n;
        onProgress(sent);
        yield n === block.length ? block : block.subarray(0, n);
      }
    })(),
  );
  const url = new URL(`${api}/v1/titles/${id}/master`);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        method: 'PUT',
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes), ...AUTH },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    body.pipe(req);
  });
}

async function waitReady(api: string, id: string): Promise<void> {
  for (;;) {
    const t = await json<{ state: string; error?: unknown }>(`${api}/v1/titles/${id}`);
    if (t.state === 'ready') return;
    if (t.state === 'failed') throw new Error(`bench title failed: ${JSON.stringify(t.error)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-bench-api-'));
  // Storage on tmpfs: the 2 GiB upload lands in RAM, not on the disk.
  const dataDir = await mkdtemp(path.join('/dev/shm', 'vf-bench-api-'));
  const redis = await startRedisServer(dir);
  const pinnedSelf = pin(process.pid, 1);
  pin(redis.child.pid ?? -1, 1);
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  try {
    child = spawn(
      'taskset',
      ['-c', '0', process.execPath, BIN, 'up', '--port', String(port), '--host', '127.0.0.1', '--workers', '1', '--data-dir', dataDir],
      {
        // taskset execs node: the child's pid is the API's.
        env: {
          ...process.env,
          REDIS_URL: redis.url,
          VF_PREFIX: 'bench',
          VF_X264_PRESET: 'ultrafast',
          LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    await waitForPort(port, 60_000, child);
    AUTH['x-api-key'] = (await readFile(path.join(dataDir, 'admin.key'), 'utf8')).trim();
    const apiPid = child.pid ?? -1;
    const affinity = spawnSync('taskset', ['-pc', String(apiPid)], { encoding: 'utf8' })
      .stdout.trim()
      .split(': ')
      .at(-1);

    // A small title for the manifest endpoints.
    const master = path.join(dir, 'master.mp4');
    await makeMaster(master, { width: 640, height: 360, fps: 25, durationS: 12 });
    const id = await createTitle(api, 'bench');
    await json(`${api}/v1/titles/${id}/master`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: await readFile(master),
    });
    await waitReady(api, id);
    const { hls, dash } = await json<{ hls: string; dash: string }>(`${api}/v1/titles/${id}`);
    const multivariant = await (await fetch(`${api}${hls}`)).text();
    const mediaUri = multivariant.split('\n').find((l) => l.endsWith('playlist.m3u8') && !l.startsWith('#')) ?? 'v0/playlist.m3u8';

    // Upload memory.
    const peakReset = resetPeak(apiPid);
    const before = memoryMB(apiPid);
    const big = await createTitle(api, 'bench-2g');
    const samples: { sent: number; rss: number }[] = [];
    let sentNow = 0;
    const timer = setInterval(() => samples.push({ sent: sentNow, rss: memoryMB(apiPid).rss }), 100);
    const t0 = performance.now();
    const status = await putStream(api, big, UPLOAD_BYTES, (s) => (sentNow = s));
    const uploadS = (performance.now() - t0) / 1000;
    clearInterval(timer);
    const after = memoryMB(apiPid);
    // Its probe would fail (the bytes are not a video); delete it so nothing competes below.
    await fetch(`${api}/v1/titles/${big}`, { method: 'DELETE', headers: AUTH });
    await new Promise((r) => setTimeout(r, 2000));

    // Manifest throughput.
    const targets = [
      { label: 'master.m3u8', url: `${api}${hls}` },
      { label: 'manifest.mpd', url: `${api}${dash}` },
      { label: `media ${mediaUri}`, url: `${api}/v1/titles/${id}/${mediaUri}` },
    ];
    const results = [];
    for (const t of targets) {
      await autocannon({ url: t.url, connections: CONNECTIONS, duration: 2 }); // warm-up: JIT, caches
      results.push({ ...t, r: await autocannon({ url: t.url, connections: CONNECTIONS, duration: DURATION_S }) });
    }

    // Manifests while 4 plans compute: autocannon runs until the last plan is answered.
    const bodies = Array.from({ length: 4 }, (_, i) => planBody(PLAN_VIEWS, i + 1));
    const planT0 = performance.now();
    let stopLoad!: () => void;
    const underLoad = new Promise<Result>((resolve, reject) => {
      const instance = autocannon({ url: `${api}${hls}`, connections: CONNECTIONS, duration: 600 }, (err, result) =>
        err ? reject(err) : resolve(result),
      );
      stopLoad = () => instance.stop();
    });
    const planStatuses = await Promise.all(
      bodies.map(async (body) => {
        const res = await fetch(`${api}/v1/fill-plans`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body });
        await res.arrayBuffer();
        return res.status;
      }),
    );
    const planningS = (performance.now() - planT0) / 1000;
    stopLoad();
    const planning = await underLoad;

    // Artwork memory: the title's artwork entry must exist before custom uploads.
    while ((await fetch(`${api}/v1/titles/${id}/artwork`, { headers: AUTH })).status !== 200) await new Promise((r) => setTimeout(r, 250));
    const image = await sharp({
      create: { width: 6000, height: 4000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
    })
      .jpeg({ quality: 85 })
      .toBuffer();
    const artReset = resetPeak(apiPid);
    const helperPeak = new Map<number, number>();
    const helperTimer = setInterval(() => {
      for (const pid of childPids(apiPid)) {
        try {
          if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('imaging'))
            helperPeak.set(pid, Math.max(helperPeak.get(pid) ?? 0, memoryMB(pid).hwm));
        } catch {
          // exited between listing and reading
        }
      }
    }, 100);
    const artT0 = performance.now();
    const artStatuses = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const res = await fetch(`${api}/v1/titles/${id}/artwork/custom`, {
          method: 'PUT',
          headers: { ...AUTH, 'content-type': 'image/jpeg' },
          body: image,
        });
        await res.arrayBuffer();
        return res.status;
      }),
    );
    const artS = (performance.now() - artT0) / 1000;
    clearInterval(helperTimer);
    const artApi = memoryMB(apiPid);

    // Resumable uploads by the CLI, uncut then cut three times; each title deleted after (tmpfs).
    const bigFile = path.join(dir, 'resumable.bin');
    const bigSha = await writeGenerated(bigFile, UPLOAD_BYTES);
    const cacheDir = path.join(dir, 'cache');
    const uncut = await cliUpload(api, AUTH['x-api-key'] ?? '', bigFile, UPLOAD_BYTES, 0, cacheDir);
    await fetch(`${api}/v1/titles/${uncut.titleId}`, { method: 'DELETE', headers: AUTH });
    const cut = await cliUpload(api, AUTH['x-api-key'] ?? '', bigFile, UPLOAD_BYTES, 3, cacheDir);
    await fetch(`${api}/v1/titles/${cut.titleId}`, { method: 'DELETE', headers: AUTH });

    // Direct to the bucket: a second API, in S3 mode on s3rver, on the API's core.
    const direct = await directUploadToS3Api(redis.url, bigFile, UPLOAD_BYTES, bigSha);

    console.log(
      `bench:api: API pid ${apiPid} on core(s) ${affinity ?? '?'}; autocannon ${pinnedSelf ? 'on core 1' : 'unpinned'}; ` +
        `${CONNECTIONS} connections, ${DURATION_S} s per endpoint, loopback; LOG_LEVEL=${process.env.LOG_LEVEL ?? 'warn'}`,
    );
    for (const { label, r } of results) {
      const rps = r.requests.average;
      console.log(
        `${label.padEnd(26)} ${rps.toFixed(0).padStart(6)} req/s (×${(rps / TARGET_RPS).toFixed(2)} of ${TARGET_RPS})   ` +
          `p50 ${r.latency.p50.toFixed(1)} ms   ` +
          `p99 ${r.latency.p99.toFixed(1)} ms (×${(r.latency.p99 / TARGET_P99_MS).toFixed(2)} of ${TARGET_P99_MS} ms)   ` +
          `non-2xx ${r.non2xx}  errors ${r.errors}`,
      );
    }
    const idle = results[0]!.r;
    const share = planning.requests.average / idle.requests.average;
    console.log(
      `master.m3u8 while planning ${planning.requests.average.toFixed(0).padStart(6)} req/s ` +
        `(×${share.toFixed(2)} of idle, target ≥ ${TARGET_PLANNING_SHARE})   ` +
        `p50 ${planning.latency.p50.toFixed(1)} ms   ` +
        `p99 ${planning.latency.p99.toFixed(1)} ms (×${(planning.latency.p99 / TARGET_P99_MS).toFixed(2)} of ${TARGET_P99_MS} ms)   ` +
        `max ${planning.latency.max.toFixed(0)} ms   ` +
        `non-2xx ${planning.non2xx}; 4 plans of ${PLAN_VIEWS} views (${(bodies[0]!.length / 1e6).toFixed(1)} MB each): ` +
        `HTTP ${planStatuses.join(',')} in ${planningS.toFixed(1)} s`,
    );
    const helpers = [...helperPeak.values()];
    const artCounts = [...new Set(artStatuses)].map((c) => `${c}×${artStatuses.filter((x) => x === c).length}`).join(' ');
    const helperPeakMB =
      helpers.length === 0
        ? 'not seen'
        : `${Math.max(...helpers).toFixed(0)} MB (${helpers.length} process${helpers.length === 1 ? '' : 'es'})`;
    console.log(
      `custom artwork 20 × ${(image.length / 1e6).toFixed(1)} MB 24 MP JPEG at once: HTTP ${artCounts} in ${artS.toFixed(1)} s; ` +
        `API VmHWM ${artReset ? 'over the uploads' : 'since start'} ${artApi.hwm.toFixed(0)} MB ` +
        `(×${(artApi.hwm / TARGET_ARTWORK_RSS_MB).toFixed(2)} of ${TARGET_ARTWORK_RSS_MB} MB); ` +
        `imaging helper peak ${helperPeakMB}`,
    );
    const peakSampled = Math.max(before.rss, ...samples.map((s) => s.rss));
    // The last quarter ends with the upload, often between two samples: then it is the RSS read just after.
    const quarter = (q: number): string =>
      (samples.find((s) => s.sent >= (q * UPLOAD_BYTES) / 4)?.rss ?? (q === 4 ? after.rss : NaN)).toFixed(0);
    console.log(
      `upload ${(UPLOAD_BYTES / 1024 ** 3).toFixed(2)} GiB: HTTP ${status} in ${uploadS.toFixed(1)} s ` +
        `(${(UPLOAD_BYTES / 1024 ** 2 / uploadS).toFixed(0)} MiB/s); ` +
        `API RSS before ${before.rss.toFixed(0)} MB, at 25/50/75/100% ${quarter(1)}/${quarter(2)}/${quarter(3)}/${quarter(4)} MB, ` +
        `peak sampled ${peakSampled.toFixed(0)} MB, VmHWM ${peakReset ? 'over the upload' : 'since start'} ${after.hwm.toFixed(0)} MB ` +
        `(×${(after.hwm / TARGET_RSS_MB).toFixed(2)} of ${TARGET_RSS_MB} MB)`,
    );
    for (const line of uploadPathsReport(UPLOAD_BYTES, uncut, cut, direct, { bytes: TARGET_RESUMED_BYTES, time: TARGET_RESUMED_TIME }))
      console.log(line);
  } finally {
    if (child !== undefined) await stopChild(child, 20_000);
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
