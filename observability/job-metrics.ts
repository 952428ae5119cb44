import type { Redis } from 'ioredis';

/**
 * Job measurements kept in Redis, written by workers and read by the API's `/metrics`.
 *
 * Why Redis and not BullMQ's completed jobs: workers run in other processes (often on other
 * machines), so the API cannot observe a prom-client histogram in them. Deriving histograms
 * from `processedOn/finishedOn` of completed jobs on each scrape was the other candidate, but
 * it needs a per-API-process watermark (every API replica and every restart would count the
 * same jobs again), it misses jobs BullMQ has already trimmed (`removeOnComplete`), and it
 * reads whole job hashes per scrape. Buckets incremented here are exact, shared by every
 * API replica, survive restarts, and a scrape reads a handful of small hashes. The cost is a
 * single MULTI per finished job, nothing next to an encode.
 *
 * Layout: one hash per histogram series, fields are the bucket upper bounds (non-cumulative
 * counts, so an observation is one HINCRBY), `sum` and `count`; one hash of counters per
 * counter family.
 */

/** Upper bounds of the job duration buckets, in seconds (a probe takes ~1 s, a long chunk minutes). */
export const JOB_DURATION_BUCKETS_S = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600] as const;
/** Upper bounds of the encode realtime-factor buckets (media seconds encoded per wall second). */
export const REALTIME_FACTOR_BUCKETS = [0.1, 0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 32] as const;

export interface HistogramSnapshot {
  /** Cumulative count per upper bound, `+Inf` last, as Prometheus exposes them. */
  readonly buckets: readonly { readonly le: string; readonly count: number }[];
  readonly sum: number;
  readonly count: number;
}

export interface JobMetricsSnapshot {
  /** Wall time from a worker taking a job to finishing it, by job name. */
  readonly durationS: ReadonlyMap<string, HistogramSnapshot>;
  readonly realtimeFactor: HistogramSnapshot | undefined;
  /** Job attempts that threw, by job name, error code and whether it was the last attempt. */
  readonly jobFailures: readonly { readonly jobType: string; readonly code: string; readonly final: boolean; readonly count: number }[];
  /** Titles that moved to `failed`, by their error code. */
  readonly titleFailures: ReadonlyMap<string, number>;
  /** CPU seconds spent in ffmpeg, by job name. */
  readonly cpuS: ReadonlyMap<string, number>;
}

const bucketOf = (bounds: readonly number[], value: number): string => String(bounds.find((b) => value <= b) ?? '+Inf');

/** Field names can hold ':' but not the separator we split on. */
const SEP = '|';

export class JobMetrics {
  constructor(
    private readonly redis: Redis,
    /** Same prefix as the deployment's other keys (`VF_PREFIX`). */
    private readonly prefix: string,
  ) {}

  private key(name: string): string {
    return `${this.prefix}:metrics:${name}`;
  }

  /** A job finished without throwing; `result` is its handler's return value. */
  async jobCompleted(jobType: string, durationS: number, result: unknown): Promise<void> {
    const tx = this.redis.multi();
    observe(tx, this.key(`job-duration:${jobType}`), JOB_DURATION_BUCKETS_S, durationS);
    const r = result as { encodeS?: unknown; mediaS?: unknown } | null | undefined;
    // encode-chunk reports the media it encoded and the encoder's own wall time (uploads excluded).
    if (typeof r?.encodeS === 'number' && typeof r.mediaS === 'number' && r.encodeS > 0) {
      observe(tx, this.key('encode-realtime'), REALTIME_FACTOR_BUCKETS, r.mediaS / r.encodeS);
    }
    await tx.exec();
  }

  /** CPU seconds a job's ffmpeg runs spent (see ffmpeg/cpu-meter.ts), successful or not. */
  async jobCpu(jobType: string, cpuS: number): Promise<void> {
    await this.redis.hincrbyfloat(this.key('job-cpu'), jobType, cpuS.toFixed(3));
  }

  async jobFailed(jobType: string, code: string, final: boolean): Promise<void> {
    await this.redis.hincrby(this.key('job-failures'), [jobType, code, final ? 'final' : 'retry'].join(SEP), 1);
  }

  async titleFailed(code: string): Promise<void> {
    await this.redis.hincrby(this.key('title-failures'), code, 1);
  }

  async snapshot(jobTypes: readonly string[]): Promise<JobMetricsSnapshot> {
    const pipe = this.redis.pipeline();
    for (const t of jobTypes) pipe.hgetall(this.key(`job-duration:${t}`));
    pipe.hgetall(this.key('encode-realtime'));
    pipe.hgetall(this.key('job-failures'));
    pipe.hgetall(this.key('title-failures'));
    pipe.hgetall(this.key('job-cpu'));
    const rows = ((await pipe.exec()) ?? []).map(([err, h]) => {
      if (err !== null) throw err;
      return h as Record<string, string>;
    });
    const durationS = new Map<string, HistogramSnapshot>();
    jobTypes.forEach((t, i) => {
      const h = histogram(rows[i] ?? {}, JOB_DURATION_BUCKETS_S);
      if (h !== undefined) durationS.set(t, h);
    });
    const [realtime = {}, jobFailures = {}, titleFailures = {}, cpu = {}] = rows.slice(jobTypes.length);
    return {
      durationS,
      realtimeFactor: histogram(realtime, REALTIME_FACTOR_BUCKETS),
      jobFailures: Object.entries(jobFailures).map(([field, n]) => {
        const [jobType = '', code = '', final = ''] = field.split(SEP);
        return { jobType, code, final: final === 'final', count: Number(n) };
      }),
      titleFailures: new Map(Object.entries(titleFailures).map(([code, n]) => [code, Number(n)])),
      cpuS: new Map(Object.entries(cpu).map(([job, n]) => [job, Number(n)])),
    };
  }
}

function observe(tx: ReturnType<Redis['multi']>, key: string, bounds: readonly number[], value: number): void {
  tx.hincrby(key, bucketOf(bounds, value), 1).hincrbyfloat(key, 'sum', value).hincrby(key, 'count', 1);
}

function histogram(h: Record<string, string>, bounds: readonly number[]): HistogramSnapshot | undefined {
  if (h.count === undefined) return undefined;
  let running = 0;
  const buckets = [...bounds.map(String), '+Inf'].map((le) => {
    running += Number(h[le] ?? 0);
    return { le, count: running };
  });
  return { buckets, sum: Number(h.sum ?? 0), count: Number(h.count) };
}
