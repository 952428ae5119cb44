import { spawn } from 'node:child_process';
import { BENCH_PREFIX, chargeCpu, parseBenchCpuS } from './cpu-meter.ts';
import { FfmpegAbortedError, FfmpegExitError, STDERR_TAIL_CHARS } from './errors.ts';

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
}

export interface RunResult {
  readonly stdout: string;
  readonly stderrTail: string;
  /** User + system CPU seconds of the process, as `ffmpeg -benchmark` reported it; ffprobe reports none. */
  readonly cpuS?: number;
  /** Frames of the first video output at the end, from `-progress` (0: the run wrote no picture); ffprobe reports none. */
  readonly frames?: number;
}

/**
 * Arguments every ffmpeg run gets: quiet banner, machine-readable progress on stdout, and its
 * own CPU time on stderr as it exits (`-benchmark`, see cpu-meter.ts).
 */
export const FFMPEG_PRELUDE: readonly string[] = ['-hide_banner', '-nostdin', '-nostats', '-benchmark', '-progress', 'pipe:1', '-y'];

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

/**
 * Runs ffmpeg with the given arguments (built by the pure functions in `args.ts`) and
 * {@link FFMPEG_PRELUDE} prepended. Progress comes from `-progress pipe:1` key=value blocks.
 */
export function runFfmpeg(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
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
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], env: FFMPEG_ENV });
    let stdout = '';
    let stderr = '';
    let pending = '';
    let frames: number | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let aborted = false;

    const onAbort = (): void => {
      aborted = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), killGraceMs);
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
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
    // The bench lines are our instrument, not ffmpeg's diagnosis: read as they pass (encoders
    // print their statistics after them) and kept off the tail and the error message.
    let stderrPending = '';
    let cpuS: number | undefined;
    const onStderrLine = (line: string): void => {
      if (line.startsWith(BENCH_PREFIX)) cpuS ??= parseBenchCpuS(line);
      else stderr = keepTail(stderr, `${line}\n`);
    };
    child.stderr.on('data', (d: string) => {
      stderrPending += d;
      const lines = stderrPending.split('\n');
      stderrPending = lines.pop() ?? '';
      for (const line of lines) onStderrLine(line);
    });
    child.once('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new FfmpegExitError(program, null, null, `cannot start ${program}: ${err.message}`));
    });
    child.once('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (killTimer !== undefined) clearTimeout(killTimer);
      if (stderrPending !== '') onStderrLine(stderrPending);
      const tail = stderr.slice(-STDERR_TAIL_CHARS);
      if (aborted) reject(new FfmpegAbortedError(program));
      else if (code === 0) {
        if (cpuS !== undefined) chargeCpu(cpuS);
        resolve({ stdout, stderrTail: tail, ...(cpuS === undefined ? {} : { cpuS }), ...(frames === undefined ? {} : { frames }) });
      } else reject(new FfmpegExitError(program, code, sig, tail));
    });
  });
}
