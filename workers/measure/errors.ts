/**
 * Typed errors of quality measurement. Both are retryable (plain errors, not BullMQ's
 * UnrecoverableError): a decode cut short by a dying worker or a full disk can give a short
 * side, and a retry tells that apart from a master that really cannot be aligned.
 */
import type { FrameRange } from '../../ffmpeg/source-frames.ts';

const describe = (frames: Required<FrameRange>): string => `frames ${frames.startFrame}-${frames.endFrame - 1}`;

/** The two sides of a comparison did not have the same frames: no figure is given for it. */
export class FrameCountMismatchError extends Error {
  override readonly name = 'FrameCountMismatchError';
  readonly code = 'VF_FRAME_COUNT_MISMATCH';
  constructor(
    readonly window: Required<FrameRange>,
    readonly referenceFrames: number,
    readonly distortedFrames: number,
    readonly distorted: string,
  ) {
    super(
      `quality window ${describe(window)}: the master gave ${referenceFrames} frames and ${distorted} gave ${distortedFrames}; ` +
        'frames cannot be paired, so no figure is given',
    );
  }
}

/** The master's window measured against itself through the measurement's path was not identical: the path is misaligned. */
export class AlignmentCheckError extends Error {
  override readonly name = 'AlignmentCheckError';
  readonly code = 'VF_ALIGNMENT_CHECK_FAILED';
  constructor(
    readonly window: Required<FrameRange>,
    readonly psnrY: number,
    readonly ssim: number,
  ) {
    super(
      `alignment self-check failed on ${describe(window)}: the master against itself gave PSNR-Y ${psnrY.toFixed(2)} dB and SSIM ${ssim.toFixed(4)} ` +
        '(expected above 60 dB and 0.999); the encode and the reference are not the same frames',
    );
  }
}
