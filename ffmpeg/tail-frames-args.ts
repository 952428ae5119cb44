/**
 * A read of the master's tail that lists the frames the grid would take from it: each one's
 * timestamp after the readers' own input options and the filters before the grid
 * (`decodedFrameFilters`), every frame kept as it comes, in microseconds (`framecrc`). The last
 * of them is the title's last frame (`workers/measure/last-frame.ts`).
 */
import { decodedFrameFilters, sourceInputArgs, type FrameTimeline } from './source-frames.ts';

/** The listing's time base: microseconds, finer than any frame rate's half slot. */
export const TAIL_TIME_BASE = 1_000_000;

export function buildTailFramesArgs(cmd: {
  readonly input: string;
  readonly timeline: FrameTimeline;
  /** The read starts as a reader of this frame on does: a lead before it (`sourceSeekS`). */
  readonly fromFrame: number;
  readonly listingFile: string;
}): string[] {
  const filters = decodedFrameFilters(cmd.timeline);
  return [
    ...['-v', 'error'],
    ...sourceInputArgs(cmd.input, cmd.timeline, { startFrame: cmd.fromFrame }),
    ...['-map', '0:v:0', '-an', '-sn', '-dn'],
    ...(filters.length > 0 ? ['-vf', filters.join(',')] : []),
    ...['-fps_mode', 'passthrough', '-enc_time_base', `1/${TAIL_TIME_BASE}`, '-f', 'framecrc', cmd.listingFile],
  ];
}
