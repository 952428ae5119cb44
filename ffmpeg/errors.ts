import { UnrecoverableError } from 'bullmq';

/** How much of a failing ffmpeg's stderr is kept on the error, in characters. */
export const STDERR_TAIL_CHARS = 4000;

/**
 * ffmpeg or ffprobe exited non-zero (or was killed). Retryable by default: a failure that
 * comes from the input is raised as {@link BadInputError} instead.
 */
export class FfmpegExitError extends Error {
  override readonly name = 'FfmpegExitError';
  readonly code = 'VF_FFMPEG_FAILED';
  constructor(
    readonly program: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderrTail: string,
  ) {
    super(`${program} ${exitCode === null ? `killed by ${signal ?? 'signal'}` : `exited with code ${exitCode}`}: ${lastLine(stderrTail)}`);
  }
}

/**
 * ffmpeg's exit status when more of the frames it decoded failed than `-max_error_rate`
 * allows (the option's documented contract; ffmpeg exits with it for nothing else).
 */
export const DECODE_FAILURES_EXIT = 69;

/**
 * Frames of the master's video that its decoder could not decode, found by a read run with
 * `-max_error_rate 0`. Left alone, ffmpeg conceals or drops them and the title is published
 * with garbage or freezes where the master is damaged. Retryable, unlike {@link BadInputError}:
 * a read cut short by the network can hand the decoder a partial packet, and a retry reads it
 * whole; a damaged master fails every attempt and the title with this code.
 */
export class CorruptVideoError extends Error {
  override readonly name = 'CorruptVideoError';
  readonly code = 'VF_CORRUPT_VIDEO';
  constructor(
    message: string,
    readonly stderrTail: string,
  ) {
    super(message);
  }
}

/**
 * What a decoder said about a frame it could not decode, from ffmpeg's stderr: its first
 * `[h264 @ 0x…] message` line, as `h264: message`. A decoder's own line is preferred to its
 * parser's (`[NULL @ 0x…]`, a context without a codec), which stands in when it is all there
 * is; undefined when neither spoke. Pure.
 */
export function decoderComplaint(stderrTail: string): string | undefined {
  const lines = [...stderrTail.matchAll(/^\[(\w+) @ 0x[0-9a-f]+\] (.+)$/gm)].map((m) => ({
    context: m[1] ?? '',
    said: (m[2] ?? '').trim(),
  }));
  const line = lines.find((l) => l.context !== 'NULL') ?? lines[0];
  return line === undefined ? undefined : `${line.context === 'NULL' ? 'parser' : line.context}: ${line.said}`;
}

export class FfmpegAbortedError extends Error {
  override readonly name = 'FfmpegAbortedError';
  readonly code = 'VF_FFMPEG_ABORTED';
  constructor(readonly program: string) {
    super(`${program} was cancelled`);
  }
}

/**
 * The input itself is unusable (not a video, truncated, unsupported codec). Extends BullMQ's
 * UnrecoverableError so the job fails at once instead of burning its retries; `name` is set
 * explicitly because BullMQ recognises the class by name after a process boundary.
 */
export class BadInputError extends UnrecoverableError {
  readonly code: string;
  constructor(
    code: string,
    message: string,
    readonly stderrTail = '',
  ) {
    super(message);
    this.name = 'UnrecoverableError';
    this.code = code;
  }
}

function lastLine(text: string): string {
  const lines = text
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '');
  return lines.at(-1)?.trim() ?? '(no output)';
}
