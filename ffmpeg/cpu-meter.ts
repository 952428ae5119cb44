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
interface Meter {
  cpuS: number;
  readonly steps: Map<string, number>;
}

const current = new AsyncLocalStorage<{ readonly meter: Meter; readonly step?: string }>();

/** What the metered work spent: its whole figure, and the part of it spent in named steps (`meterStep`). */
export interface MeteredCpu {
  readonly cpuS: number;
  /** CPU seconds by step, each already counted in `cpuS`. */
  readonly steps: ReadonlyMap<string, number>;
}

/** Runs `work`, returning its result and the CPU seconds of the ffmpeg runs it made, also when it throws. */
export async function meterCpu<T>(work: () => Promise<T>): Promise<({ readonly result: T } | { readonly error: unknown }) & MeteredCpu> {
  const meter: Meter = { cpuS: 0, steps: new Map() };
  try {
    const result = await current.run({ meter }, work);
    return { result, cpuS: meter.cpuS, steps: meter.steps };
  } catch (error) {
    return { error, cpuS: meter.cpuS, steps: meter.steps };
  }
}

/**
 * Runs `work` inside the current metering with its runs also counted under `step`: a part of
 * a job whose cost is worth knowing apart (the per-title analysis' scan runs inside the probe
 * job, beside the ingest checks every title needs). Outside metering, it just runs `work`.
 */
export function meterStep<T>(step: string, work: () => Promise<T>): Promise<T> {
  const store = current.getStore();
  return store === undefined ? work() : current.run({ meter: store.meter, step }, work);
}

/** Adds one finished ffmpeg run's CPU to the work being metered, and to its step, if any. */
export function chargeCpu(cpuS: number): void {
  const store = current.getStore();
  if (store === undefined) return;
  store.meter.cpuS += cpuS;
  if (store.step !== undefined) store.meter.steps.set(store.step, (store.meter.steps.get(store.step) ?? 0) + cpuS);
}
