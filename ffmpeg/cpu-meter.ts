import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * CPU seconds spent by the ffmpeg and ffprobe processes one piece of work started, wherever in
 * its call tree they were started. The worker meters each job with it, so a job's cost (and a
 * title's, by job) is known without every handler and helper passing an accumulator down.
 *
 * Why each process' own figure and not the worker's: a worker may run several jobs at once
 * (`concurrency`), so the worker's child CPU cannot be split between them. Each run reports
 * the whole process' user and system time as it exits (process-cpu.ts).
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
