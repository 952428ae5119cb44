import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * CPU seconds spent by the ffmpeg processes one piece of work started, wherever in its call
 * tree they were started. The worker meters each job with it, so a job's cost (and a title's,
 * by job) is known without every handler and helper passing an accumulator down.
 *
 * Why ffmpeg's own `-benchmark` figure and not the worker's: a worker may run several jobs at
 * once (`concurrency`), so the process' child CPU cannot be split between them; each ffmpeg
 * reports its own user and system time (getrusage of the process, all threads) as it exits.
 * ffprobe reports nothing: its runs only read headers and packets and are not counted.
 */
const current = new AsyncLocalStorage<{ cpuS: number }>();

/** Runs `work`, returning its result and the CPU seconds of the ffmpeg runs it made, also when it throws. */
export async function meterCpu<T>(
  work: () => Promise<T>,
): Promise<{ readonly result: T; readonly cpuS: number } | { readonly error: unknown; readonly cpuS: number }> {
  const meter = { cpuS: 0 };
  try {
    return { result: await current.run(meter, work), cpuS: meter.cpuS };
  } catch (error) {
    return { error, cpuS: meter.cpuS };
  }
}

/** Adds one finished ffmpeg run's CPU to the work being metered, if any. */
export function chargeCpu(cpuS: number): void {
  const meter = current.getStore();
  if (meter !== undefined) meter.cpuS += cpuS;
}

/** How the lines `ffmpeg -benchmark` adds to stderr start (also printed when ffmpeg fails). */
export const BENCH_PREFIX = 'bench: ';

const BENCH_LINE = /^bench: utime=(\d+(?:\.\d+)?)s stime=(\d+(?:\.\d+)?)s/m;

/**
 * User + system seconds from the `bench:` line `ffmpeg -benchmark` prints as it exits (before
 * the encoders' closing statistics, so it is read as stderr passes, not from its tail).
 */
export function parseBenchCpuS(stderr: string): number | undefined {
  const m = BENCH_LINE.exec(stderr);
  return m === null ? undefined : Number(m[1]) + Number(m[2]);
}
