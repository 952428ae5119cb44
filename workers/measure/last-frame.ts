/**
 * The title's frame count, from the decoder's own last frame. The grid (`fps`) ends where the
 * last frame's stated duration ends, rounded to a slot: a last frame stated 1 ms long (a
 * Matroska track whose default duration is its 1 ms clock) lost its slot in every read to the
 * end, and a raw stream's flushed last frame, timed a slot on, gave one slot too many. The
 * packets cannot say either: their last ones may carry no time (an MPEG program stream's, packed
 * B-frames'), and a frame the decoder flushes has none at all. So the tail is decoded through
 * the readers' own input options and filters, and the count runs from the first frame's slot to
 * the last frame's: every read is cut there (`FrameTimeline.frames`).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildTailFramesArgs, TAIL_TIME_BASE } from '../../ffmpeg/tail-frames-args.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { withScratch } from '../../storage/scratch.ts';
import { firstSlot, timelineOf, titleFrameCount, type FrameTimeline } from '../../ffmpeg/source-frames.ts';
import { videoExtentS, type ProbeResult } from '../../ffmpeg/probe.ts';

/** The latest timestamp of a `framecrc` listing in {@link TAIL_TIME_BASE} units, or undefined when it lists no frame or another time base. Pure. */
export function lastListedPts(listing: string): number | undefined {
  if (!listing.split('\n').some((l) => l.replace(/\s/g, '') === `#tb0:1/${TAIL_TIME_BASE}`)) return undefined;
  let last: number | undefined;
  for (const line of listing.split('\n')) {
    if (line.startsWith('#')) continue;
    const pts = Number(line.split(',')[2]);
    if (line.split(',').length >= 6 && Number.isInteger(pts) && (last === undefined || pts > last)) last = pts;
  }
  return last;
}

/**
 * Frames of the title whose last frame is at `lastPts` ({@link TAIL_TIME_BASE} units, shifted as
 * the grid sees it): slots from the first frame's to its. Pure.
 */
export function titleFramesTo(lastPts: number, t: FrameTimeline): number {
  // The slot `fps` puts it in: nearest, halves away from zero (`AV_ROUND_NEAR_INF`), as `firstSlot`.
  const lastSlot = Math.round((lastPts * t.frameRate.num) / (t.frameRate.den * TAIL_TIME_BASE));
  return lastSlot - firstSlot(t) + 1;
}

/**
 * Decodes the master's tail as a reader of its last planned frame would, and counts the title's
 * frames to the last one decoded. Undefined when nothing decodes there, or the count is not a
 * whole positive number: the caller keeps the reads as they were.
 */
export async function countTitleFrames(
  location: string,
  timeline: FrameTimeline,
  plannedFrames: number,
  scratchDir: string,
  signal?: AbortSignal,
): Promise<number | undefined> {
  return withScratch(scratchDir, 'tail-frames', async (dir) => {
    const listingFile = path.join(dir, 'tail.framecrc');
    await runFfmpeg(buildTailFramesArgs({ input: location, timeline, fromFrame: Math.max(1, plannedFrames - 1), listingFile }), {
      ...(signal === undefined ? {} : { signal }),
    });
    const last = lastListedPts(await readFile(listingFile, 'utf8'));
    const frames = last === undefined ? undefined : titleFramesTo(last, timeline);
    return frames !== undefined && Number.isInteger(frames) && frames > 0 ? frames : undefined;
  });
}

/**
 * The probe with the title's frames counted (`VideoInfo.frames`): not where the picture is held
 * (its frames run to the sound's end), nor for a master read from its start (its tail would be a
 * whole decode), nor where the tail read fails; their reads end where the grid does, as before.
 */
export async function withTitleFrames(probe: ProbeResult, location: string, scratchDir: string, signal: AbortSignal): Promise<ProbeResult> {
  if (probe.video.holdLastS !== undefined || probe.video.decodeFromStart === true) return probe;
  const planned = titleFrameCount(videoExtentS(probe), probe.video.frameRate);
  const frames = await countTitleFrames(location, timelineOf(probe), planned, scratchDir, signal).catch((err: unknown) => {
    if (signal.aborted) throw err;
    return undefined;
  });
  return frames === undefined ? probe : { ...probe, video: { ...probe.video, frames } };
}
