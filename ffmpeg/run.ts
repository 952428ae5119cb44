import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { chargeCpu } from './cpu-meter.ts';
import { cpuReportingCommand, parseProcessReport } from './process-cpu.ts';
import { FfmpegAbortedError, FfmpegExitError, STDERR_TAIL_CHARS } from './errors.ts';
import { ensureToneMapLuts } from './tone-map-luts.ts';

export interface RunOptions {
  /** Cancels the process: SIGTERM, then SIGKILL after {@link RunOptions.killGraceMs}. */
  readonly signal?: AbortSignal;
  /** @defaultValue 3000 */
  readonly killGraceMs?: number;
  /** Media duration the output covers, in seconds; enables fractional progress. */
  readonly durationS?: number;
  /** Called with progress in [0, 1] as ffmpeg reports `out_time_us`. */
  readonly onProgress?: (fraction: number) => void;
  /** Program to run. @defaultValue 'ffmpeg' */
  readonly program?: string;
  /** Counts the stderr lines it matches over the whole run ({@link RunResult.counted}): the tail keeps only the last ones. */
  readonly countLines?: RegExp;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderrTail: string;
  /** User + system CPU seconds of the whole process, start-up included (see process-cpu.ts). */
  readonly cpuS?: number;
  /** Frames of the first video output at the end, from `-progress` (0: the run wrote no picture); ffprobe reports none. */
  readonly frames?: number;
  /** Stderr lines {@link RunOptions.countLines} matched; set only when it was given. */
  readonly counted?: number;
}

/** Arguments every ffmpeg run gets: quiet banner, machine-readable progress on stdout. */
export const FFMPEG_PRELUDE: readonly string[] = ['-hide_banner', '-nostdin', '-nostats', '-progress', 'pipe:1', '-y'];

/**
 * The whole environment of an ffmpeg that parses untrusted files: the program path and a fixed
 * locale (numbers in its output parse the same everywhere), never the process' secrets (S3
 * keys, API keys) for a demuxer bug to find.
 */
const FFMPEG_ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', LC_ALL: 'C' };

function keepTail(acc: string, more: string): string {
  const s = acc + more;
  return s.length > STDERR_TAIL_CHARS * 2 ? s.slice(-STDERR_TAIL_CHARS) : s;
}

/** Counts whole lines matching `pattern` in text that arrives in pieces; the last line counts without its newline. */
export function lineCounter(pattern: RegExp): { add(text: string): void; total(): number } {
  let partial = '';
  let count = 0;
  return {
    add(text) {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (pattern.test(line)) count++;
    },
    total: () => count + (partial !== '' && pattern.test(partial) ? 1 : 0),
  };
}

/**
 * Runs ffmpeg with the given arguments (built by the pure functions in `args.ts`) and
 * {@link FFMPEG_PRELUDE} prepended. Progress comes from `-progress pipe:1` key=value blocks.
 */
export async function runFfmpeg(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  // A graph that tone-maps names its LUT; the first run on a machine builds it (tone-map-luts.ts).
  await ensureToneMapLuts(args, (a) => runProgram('ffmpeg', [...FFMPEG_PRELUDE, ...a], {}, true));
  return runProgram(options.program ?? 'ffmpeg', [...FFMPEG_PRELUDE, ...args], options, true);
}

/** Runs ffprobe (or any program whose stdout is the result) with the same cancellation. */
export function runProbe(args: readonly string[], options: Omit<RunOptions, 'onProgress' | 'durationS'> = {}): Promise<RunResult> {
  return runProgram(options.program ?? 'ffprobe', args, options, false);
}

function runProgram(program: string, args: readonly string[], options: RunOptions, progressOnStdout: boolean): Promise<RunResult> {
  const { signal, killGraceMs = 3000, durationS, onProgress } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new FfmpegAbortedError(program));
      return;
    }
    const wrapped = cpuReportingCommand(program, args);
    const child = spawn(wrapped.command, wrapped.args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], env: FFMPEG_ENV });
    let stdout = '';
    let stderr = '';
    let pending = '';
    let frames: number | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let aborted = false;

    // What the reporting parent says (process-cpu.ts): the program's pid, then how it ended.
    let programPid: number | undefined;
    let execFailed: string | undefined;
    let cpuS: number | undefined;
    let reportPending = '';
    const [, stdoutPipe, stderrPipe, reportPipe] = child.stdio;
    if (stdoutPipe === null || stderrPipe === null || !(reportPipe instanceof Readable)) throw new Error(`${program}: spawn gave no pipes`);
    reportPipe.setEncoding('utf8');
    reportPipe.on('data', (d: string) => {
      reportPending += d;
      const lines = reportPending.split('\n');
      reportPending = lines.pop() ?? '';
      for (const line of lines) {
        const r = parseProcessReport(line);
        if (r?.kind === 'pid') programPid = r.pid;
        else if (r?.kind === 'exec-failed') execFailed = r.message;
        else if (r?.kind === 'end') cpuS = r.cpuS;
      }
    });

    const onAbort = (): void => {
      aborted = true;
      // The parent relays SIGTERM; SIGKILL it cannot, so the program gets its own.
      child.kill('SIGTERM');
      killTimer = setTimeout(() => {
        child.kill('SIGKILL');
        if (programPid !== undefined) killQuietly(programPid);
      }, killGraceMs);
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    stdoutPipe.setEncoding('utf8');
    stderrPipe.setEncoding('utf8');
    stdoutPipe.on('data', (d: string) => {
      if (!progressOnStdout) {
        stdout += d;
        return;
      }
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const eq = line.indexOf('=');
        if (eq < 0) continue;
        const key = line.slice(0, eq);
        const value = line.slice(eq + 1).trim();
        if (key === 'out_time_us' && durationS !== undefined && durationS > 0 && onProgress !== undefined) {
          const us = Number(value);
          if (Number.isFinite(us) && us >= 0) onProgress(Math.min(1, us / 1e6 / durationS));
        } else if (key === 'frame') {
          const n = Number(value);
          if (Number.isInteger(n) && n >= 0) frames = n;
        } else if (key === 'progress' && value === 'end') {
          onProgress?.(1);
        }
      }
    });
    const counter = options.countLines === undefined ? undefined : lineCounter(options.countLines);
    stderrPipe.on('data', (d: string) => {
      stderr = keepTail(stderr, d);
      counter?.add(d);
    });
    child.once('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new FfmpegExitError(program, null, null, `cannot start ${program}: ${err.message}`));
    });
    child.once('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (killTimer !== undefined) clearTimeout(killTimer);
      const tail = stderr.slice(-STDERR_TAIL_CHARS);
      // Whatever the outcome, the CPU was spent.
      if (cpuS !== undefined) chargeCpu(cpuS);
      if (execFailed !== undefined) reject(new FfmpegExitError(program, null, null, `cannot start ${program}: ${execFailed}`));
      else if (aborted) reject(new FfmpegAbortedError(program));
      else if (code === 0) {
        resolve({
          stdout,
          stderrTail: tail,
          ...(cpuS === undefined ? {} : { cpuS }),
          ...(frames === undefined ? {} : { frames }),
          ...(counter === undefined ? {} : { counted: counter.total() }),
        });
      } else reject(new FfmpegExitError(program, code, sig, tail));
    });
  });
}

/** SIGKILL to a process that may already be gone. */
function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already exited: nothing to kill.
  }
}
