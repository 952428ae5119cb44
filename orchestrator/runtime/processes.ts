import { readFile } from 'node:fs/promises';

/** A process as the kernel knows it: its pid and when it started, so a recycled pid is not mistaken for it. */
export interface ProcessId {
  readonly pid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22); absent where /proc is not. */
  readonly startTicks?: number;
}

/**
 * The fields of a `/proc/<pid>/stat` line from field 3 (state) on, so field n is at n - 3. The
 * command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
 */
export function procStatFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

async function statFields(pid: number): Promise<string[] | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat === undefined ? undefined : procStatFields(stat);
}

/** This process or another, with its start time when /proc has it. */
export async function processId(pid: number): Promise<ProcessId> {
  const fields = await statFields(pid);
  const ticks = fields === undefined ? undefined : Number(fields[22 - 3]);
  return ticks === undefined || !Number.isFinite(ticks) ? { pid } : { pid, startTicks: ticks };
}

/** Whether that very process still runs (not a zombie, not another process that got its pid). */
export async function isRunning(p: ProcessId): Promise<boolean> {
  try {
    process.kill(p.pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else, which a pid of ours would not.
    return (err as NodeJS.ErrnoException).code === 'EPERM' && p.startTicks === undefined;
  }
  const fields = await statFields(p.pid);
  if (fields === undefined) return p.startTicks === undefined;
  if (fields[0] === 'Z') return false;
  return p.startTicks === undefined || Number(fields[22 - 3]) === p.startTicks;
}

/** The program a process runs (argv[0] and the rest), or undefined once it is gone. */
export async function commandLine(pid: number): Promise<string[] | undefined> {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  return raw === undefined ? undefined : raw.split('\0').filter((s) => s !== '');
}

/** Waits for a process to end, polling the kernel, up to `timeoutMs`; whether it ended. */
export async function waitForExit(p: ProcessId, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await isRunning(p)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/**
 * Stops a process that is not our child (an orphan of a dead supervisor): `signal`, then
 * SIGKILL if it is still there after `graceMs`. Whether it was running.
 */
export async function stopProcess(p: ProcessId, signal: NodeJS.Signals, graceMs: number): Promise<boolean> {
  if (!(await isRunning(p))) return false;
  try {
    process.kill(p.pid, signal);
  } catch {
    return false;
  }
  if (await waitForExit(p, graceMs)) return true;
  try {
    process.kill(p.pid, 'SIGKILL');
  } catch {
    return true;
  }
  await waitForExit(p, 5000);
  return true;
}
