/**
 * A second instrument for the CPU of the ffmpeg and ffprobe processes a benchmark's in-process
 * workers run: the kernel's account of every child this process has waited for (`cutime` and
 * `cstime` of /proc/self/stat). The titles' own CPU accounts come from each run's reporting
 * parent (ffmpeg/process-cpu.ts); this one shares none of that code, and also holds the
 * parents' own few milliseconds. Linux only.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** CPU seconds (user + system) of every child of this process that has exited and been waited for. */
export function exitedChildrenCpuS(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the command name (which may hold spaces), from field 3 on: cutime is field 16, cstime 17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_S;
}

export interface ChildrenCpuRecorder {
  /** The first reading taken at or after `atMs` (epoch ms): what had exited by then. */
  readonly at: (atMs: number) => number;
  readonly stop: () => void;
}

/**
 * Reads {@link exitedChildrenCpuS} every `everyMs`, so that the figure can be read back at an
 * instant known only afterwards (a job's start, from BullMQ). Reading at or after the instant
 * counts every process that exited before it, and those that exited within `everyMs` after.
 */
export function recordChildrenCpu(everyMs = 20): ChildrenCpuRecorder {
  const readings: { atMs: number; cpuS: number }[] = [{ atMs: Date.now(), cpuS: exitedChildrenCpuS() }];
  const timer = setInterval(() => readings.push({ atMs: Date.now(), cpuS: exitedChildrenCpuS() }), everyMs);
  return {
    at: (atMs) => {
      const after = readings.find((r) => r.atMs >= atMs);
      if (after === undefined) throw new RangeError(`no reading at or after ${new Date(atMs).toISOString()}`);
      return after.cpuS;
    },
    stop: () => clearInterval(timer),
  };
}
