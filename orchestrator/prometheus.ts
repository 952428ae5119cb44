import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ObjectStore } from '../storage/port.ts';
import { JobMetrics, type HistogramSnapshot } from '../observability/job-metrics.ts';
import { JOB_NAMES } from '../pipeline/types.ts';
import type { Lane } from '../pipeline/queue.ts';

/**
 * The API's Prometheus metrics, on a registry of its own (never prom-client's global one, so
 * two apps in one process, as in tests, do not collide). Everything about the fleet is read
 * on scrape from where it already lives: BullMQ's lists for queue depth and age, the job
 * measurements workers keep in Redis (see `observability/job-metrics.ts` for why there), and a
 * cached listing of the bucket for bytes stored.
 */
export interface MetricsOptions {
  /** How long a bucket listing is reused for `vodforge_storage_bytes`, in ms. @defaultValue 300000 */
  readonly storageListingTtlMs?: number;
  /** How long the first scrape waits for the first listing before answering without it, in ms. @defaultValue 2000 */
  readonly storageListingWaitMs?: number;
}

export interface MetricsDeps {
  readonly redis: Redis;
  /** The queue of each lane. */
  readonly queues: Readonly<Record<Lane, Queue>>;
  readonly store: ObjectStore;
}

export interface AppMetrics {
  readonly registry: Registry;
  /** Observes one finished HTTP request. */
  observeRequest(method: string, route: string, statusCode: number, durationS: number): void;
}

/** Manifest requests should take about a millisecond; uploads and segment streams take longer. */
const HTTP_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** BullMQ states a pending job can be in, grouped as operators think of them. */
const PENDING: Readonly<Record<string, 'waiting' | 'active' | 'delayed' | 'waiting-children'>> = {
  wait: 'waiting',
  paused: 'waiting',
  prioritized: 'waiting',
  active: 'active',
  delayed: 'delayed',
  'waiting-children': 'waiting-children',
};

interface QueueSnapshot {
  readonly depth: Map<string, number>;
  /** Creation time (ms) of the oldest job ready to run but not yet taken, per job type. */
  readonly oldestWaitingMs: Map<string, number>;
}

/**
 * Every pending job's name and creation time. Job ids come from BullMQ's own lists
 * (`getRanges`), then two fields of each job hash in one pipeline: a scrape costs O(pending
 * jobs) small reads, never whole job payloads and never the completed/failed history.
 * A lane's queue carries several job types, so counts per type need the names, which
 * `getJobCounts` does not give.
 */
async function queueSnapshot(queues: readonly Queue[], redis: Redis): Promise<QueueSnapshot> {
  const states = Object.keys(PENDING);
  const pipe = redis.pipeline();
  const rows: { state: string; id: string }[] = [];
  // A job type lives in one lane (pipeline/graph.ts), so the lanes' counts add up per type.
  for (const queue of queues) {
    const idsByState = await Promise.all(states.map((s) => queue.getRanges([s as 'wait'], 0, -1, true)));
    idsByState.forEach((ids, i) => {
      for (const id of ids) {
        rows.push({ state: PENDING[states[i] ?? ''] ?? 'waiting', id });
        pipe.hmget(queue.toKey(id), 'name', 'timestamp');
      }
    });
  }
  const fields = rows.length === 0 ? [] : ((await pipe.exec()) ?? []);
  const depth = new Map<string, number>();
  const oldestWaitingMs = new Map<string, number>();
  rows.forEach((row, i) => {
    const [err, v] = fields[i] ?? [null, null];
    const [name, ts] = ((err === null ? v : null) as [string | null, string | null] | null) ?? [null, null];
    // Finished (and trimmed) between the two reads: it is no longer pending.
    if (name === null) return;
    const k = `${name}\u0000${row.state}`;
    depth.set(k, (depth.get(k) ?? 0) + 1);
    if (row.state === 'waiting' && ts !== null) oldestWaitingMs.set(name, Math.min(oldestWaitingMs.get(name) ?? Infinity, Number(ts)));
  });
  return { depth, oldestWaitingMs };
}

/**
 * Bytes stored, from a listing of `titles/`, reused for a TTL and refreshed in the
 * background. Summing the bucket is O(objects) (a thousand keys per S3 request), far too
 * slow for every scrape; summing titles' renditions would miss masters, intermediates of
 * titles in flight and objects of deleted titles that a failed cleanup left behind, which
 * are exactly what an operator watching storage wants to see. Grouped by the kind of object.
 */
class StorageUsage {
  private value: { bytes: Map<string, number>; at: number } | undefined;
  private refreshing: Promise<void> | undefined;
  constructor(
    private readonly store: ObjectStore,
    private readonly ttlMs: number,
    private readonly waitMs: number,
  ) {}

  async read(): Promise<{ bytes: Map<string, number>; at: number } | undefined> {
    const stale = this.value === undefined || Date.now() - this.value.at > this.ttlMs;
    if (stale && this.refreshing === undefined) {
      this.refreshing = this.list()
        .then((bytes) => {
          this.value = { bytes, at: Date.now() };
        })
        .catch(() => undefined)
        .finally(() => {
          this.refreshing = undefined;
        });
    }
    if (this.value === undefined && this.refreshing !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.refreshing,
        new Promise((r) => {
          timer = setTimeout(r, this.waitMs);
        }),
      ]);
      clearTimeout(timer);
    }
    return this.value;
  }

  private async list(): Promise<Map<string, number>> {
    const bytes = new Map<string, number>([
      ['source', 0],
      ['output', 0],
      ['work', 0],
      ['other', 0],
    ]);
    for await (const o of this.store.list('titles/')) {
      // titles/<id>/<kind>/...
      const kind = o.key.split('/')[2];
      const k = kind === 'source' ? 'source' : kind === 'out' ? 'output' : kind === 'work' ? 'work' : 'other';
      bytes.set(k, (bytes.get(k) ?? 0) + o.sizeBytes);
    }
    return bytes;
  }
}

/**
 * A histogram whose buckets were counted elsewhere (by workers, in Redis): prom-client's own
 * Histogram can only observe values, not take counts, so this implements the small interface
 * a Registry reads.
 */
function externalHistogram(
  name: string,
  help: string,
  read: () => Promise<{ labels: Record<string, string>; h: HistogramSnapshot }[]>,
): Metric {
  return {
    name,
    help,
    type: 'histogram',
    get: async () => ({
      name,
      help,
      type: 'histogram',
      aggregator: 'sum',
      values: (await read()).flatMap(({ labels, h }) => [
        ...h.buckets.map((b) => ({ metricName: `${name}_bucket`, labels: { ...labels, le: b.le }, value: b.count })),
        { metricName: `${name}_sum`, labels, value: h.sum },
        { metricName: `${name}_count`, labels, value: h.count },
      ]),
    }),
  } as unknown as Metric;
}

/** Caches one async read for a moment, so the collectors of one scrape share it. */
function sharedRead<T>(fn: () => Promise<T>, forMs = 1000): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (last === undefined || Date.now() - last.at > forMs) last = { at: Date.now(), value: fn() };
    return last.value;
  };
}

export function createMetrics(deps: MetricsDeps, options: MetricsOptions = {}): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const prefix = deps.queues.encode.opts.prefix ?? 'bull';
  const jobMetrics = new JobMetrics(deps.redis, prefix);
  const queue = sharedRead(() => queueSnapshot(Object.values(deps.queues), deps.redis));
  const jobs = sharedRead(() => jobMetrics.snapshot(JOB_NAMES));
  const storage = new StorageUsage(deps.store, options.storageListingTtlMs ?? 300_000, options.storageListingWaitMs ?? 2000);

  const http = new Histogram({
    name: 'vodforge_http_request_duration_seconds',
    help: 'HTTP requests served by the API, by route pattern (not URL: ids would explode cardinality) and status',
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_BUCKETS_S,
    registers: [registry],
  });

  new Gauge({
    name: 'vodforge_queue_jobs',
    help: 'Pending jobs by job type and state (waiting: ready to run, no worker free yet), read from BullMQ on scrape',
    labelNames: ['job_type', 'state'],
    registers: [registry],
    async collect() {
      const s = await queue();
      this.reset();
      for (const t of JOB_NAMES) for (const st of new Set(Object.values(PENDING))) this.set({ job_type: t, state: st }, 0);
      for (const [k, n] of s.depth) {
        const [t = '', st = ''] = k.split('\u0000');
        this.set({ job_type: t, state: st }, n);
      }
    },
  });

  new Gauge({
    name: 'vodforge_queue_oldest_waiting_job_age_seconds',
    help: "Age of the oldest job ready to run but not yet taken by a worker, by job type (0 when none waits); counted from the job's creation",
    labelNames: ['job_type'],
    registers: [registry],
    async collect() {
      const s = await queue();
      this.reset();
      const now = Date.now();
      for (const t of JOB_NAMES) {
        const ts = s.oldestWaitingMs.get(t);
        this.set({ job_type: t }, ts === undefined ? 0 : Math.max(0, (now - ts) / 1000));
      }
    },
  });

  registry.registerMetric(
    externalHistogram(
      'vodforge_job_duration_seconds',
      'Wall time of successful jobs by job type, measured by the worker that ran them',
      async () => [...(await jobs()).durationS].map(([t, h]) => ({ labels: { job_type: t }, h })),
    ),
  );
  registry.registerMetric(
    externalHistogram(
      'vodforge_encode_realtime_factor',
      'Media seconds encoded per wall second by encode-chunk jobs (every rung of a chunk in one ffmpeg)',
      async () => {
        const h = (await jobs()).realtimeFactor;
        return h === undefined ? [] : [{ labels: {}, h }];
      },
    ),
  );

  new Counter({
    name: 'vodforge_job_failures_total',
    help: 'Job attempts that threw, by job type, error code and whether it was the last attempt (final="true" failed the title)',
    labelNames: ['job_type', 'code', 'final'],
    registers: [registry],
    async collect() {
      // Counted by workers in Redis; a reset then inc sets the counter to that total.
      const s = await jobs();
      this.reset();
      for (const f of s.jobFailures) this.inc({ job_type: f.jobType, code: f.code, final: String(f.final) }, f.count);
    },
  });

  new Counter({
    name: 'vodforge_job_cpu_seconds_total',
    help: 'CPU seconds (user + system) spent by the ffmpeg and ffprobe processes of jobs, whole processes, by job type, failed attempts included',
    labelNames: ['job_type'],
    registers: [registry],
    async collect() {
      const s = await jobs();
      this.reset();
      for (const t of JOB_NAMES) this.inc({ job_type: t }, s.cpuS.get(t) ?? 0);
    },
  });

  new Counter({
    name: 'vodforge_title_failures_total',
    help: 'Titles that failed, by error code (e.g. VF_NO_VIDEO_STREAM)',
    labelNames: ['code'],
    registers: [registry],
    async collect() {
      const s = await jobs();
      this.reset();
      for (const [code, n] of s.titleFailures) this.inc({ code }, n);
    },
  });

  new Gauge({
    name: 'vodforge_storage_bytes',
    help: 'Bytes stored under titles/, by kind (source masters, published output, work intermediates), from a cached listing',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      const u = await storage.read();
      this.reset();
      if (u !== undefined) for (const [kind, n] of u.bytes) this.set({ kind }, n);
    },
  });

  new Gauge({
    name: 'vodforge_storage_listing_age_seconds',
    help: 'Age of the listing vodforge_storage_bytes comes from',
    registers: [registry],
    async collect() {
      const u = await storage.read();
      this.reset();
      if (u !== undefined) this.set((Date.now() - u.at) / 1000);
    },
  });

  return {
    registry,
    observeRequest: (method, route, statusCode, durationS) => http.observe({ method, route, status_code: String(statusCode) }, durationS),
  };
}
