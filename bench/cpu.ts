import { readFileSync } from 'node:fs';
import { procStatFields } from '../orchestrator/runtime/processes.ts';

const TICKS_PER_S = 100;

/**
 * CPU seconds used by this process and every child it has waited for (ffmpeg, ffprobe),
 * from /proc/self/stat: utime + stime + cutime + cstime.
 */
export function cpuSecondsWithChildren(): number {
  const at = statFields();
  return (at(14) + at(15) + at(16) + at(17)) / TICKS_PER_S;
}

/** CPU seconds of the children this process has waited for, alone (cutime + cstime). */
export function childCpuSeconds(): number {
  const at = statFields();
  return (at(16) + at(17)) / TICKS_PER_S;
}

function statFields(): (n: number) => number {
  const fields = procStatFields(readFileSync('/proc/self/stat', 'utf8'));
  return (n) => Number(fields[n - 3]);
}

export interface Measured<T = unknown> {
  readonly result: T;
  readonly wallS: number;
  readonly cpuS: number;
}

export async function measure<T>(fn: () => Promise<T>): Promise<Measured<T>> {
  const cpu0 = cpuSecondsWithChildren();
  const t0 = performance.now();
  const result = await fn();
  return { result, wallS: (performance.now() - t0) / 1000, cpuS: cpuSecondsWithChildren() - cpu0 };
}
