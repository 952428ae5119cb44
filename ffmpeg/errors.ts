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
