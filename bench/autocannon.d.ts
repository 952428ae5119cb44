/** The part of autocannon's programmatic API that `bench/api.ts` uses (the package ships no types). */
declare module 'autocannon' {
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    pipelining?: number;
    headers?: Record<string, string>;
  }
  interface Histogram {
    average: number;
    mean: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
  }
  interface Result {
    requests: Histogram & { total: number };
    latency: Histogram;
    throughput: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    duration: number;
  }
  interface Instance {
    stop(): void;
  }
  function autocannon(opts: Options): Promise<Result>;
  /** With a callback: runs until `duration` or `stop()`, then calls back with the result. */
  function autocannon(opts: Options, done: (err: Error | null, result: Result) => void): Instance;
  export type { Result };
  export default autocannon;
}
