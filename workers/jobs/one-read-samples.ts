/**
 * The samples of a master every read of which decodes from its start (a browser's recording, a
 * master whose keyframes are no entry points): all its windows in one job, from one read.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { framesOf } from '../../ffmpeg/source-frames.ts';
import { buildWindowCopiesArgs, copyTimeline } from '../../ffmpeg/window-copies-args.ts';
import type { SampleJobData } from '../../pipeline/types.ts';
import { FrameCountMismatchError } from '../measure/errors.ts';
import { countListedFrames } from '../measure/parse.ts';
import { assertAligned, measureQuality, QUALITY_FRAME_STEP } from '../measure/quality.ts';
import type { WindowPoints } from '../../ladder/aggregate.ts';
import { sampleWindow, type SampleResult } from './sample-window.ts';

/**
 * Every window of `d` (`window`, then `followingWindows`) copied uncoded from one read of the
 * master (`buildWindowCopiesArgs`), then each sampled from its copy as a window read on its own
 * is sampled from the master (`sampleWindow`): the same frames into the same encoder, so the
 * same bytes out. Reads of each window decoded the title up to it, twice (the encode's and the
 * comparison's): a window 200 s into a 640x360 VP8 recording cost 5 s of decoding for 2 s of
 * sample.
 *
 * The first window's copy is measured against the master through the measurement's own read
 * of it (the alignment self-check, `assertAligned`): it proves the one read cuts the frames a
 * read of the window gives. The copies are cut by the same filters on the same grid, and each
 * one's frame count is checked. Copies are raw frames on the job's scratch, 1.5 bytes a pixel a
 * frame, each removed once its window is measured.
 */
export async function oneReadSamples(d: SampleJobData, input: string, dir: string, signal: AbortSignal): Promise<SampleResult> {
  const all = [d.window, ...(d.followingWindows ?? [])];
  const copies = all.map((w, k) => ({
    frames: framesOf(w, d.timeline.frameRate),
    file: path.join(dir, `window-${k}.mkv`),
    framesFile: path.join(dir, `window-${k}.frames`),
  }));
  const t0 = Date.now();
  await runFfmpeg(
    buildWindowCopiesArgs({
      kind: 'window-copies',
      input,
      timeline: d.timeline,
      windows: copies,
      ...(d.crop === undefined ? {} : { crop: d.crop }),
    }),
    { signal },
  );
  let encodeS = (Date.now() - t0) / 1000;
  for (const c of copies) {
    const copied = countListedFrames(await readFile(c.framesFile, 'utf8'));
    const expected = c.frames.endFrame - c.frames.startFrame;
    if (copied !== expected) throw new FrameCountMismatchError(c.frames, copied, expected, 'the window itself');
  }
  const first = copies[0]!;
  const [selfCheck] = await measureQuality(
    {
      reference: { input, timeline: d.timeline, frames: first.frames },
      picture: { ...d.sourceSize, ...(d.crop === undefined ? {} : { crop: d.crop }) },
      distorted: [{ input: first.file }],
      frameStep: QUALITY_FRAME_STEP,
    },
    dir,
    signal,
  );
  if (selfCheck === undefined) throw new Error('no self-check measured');
  assertAligned(selfCheck, first.frames);
  const windows: WindowPoints[] = [];
  for (const [k, c] of copies.entries()) {
    const frames = { startFrame: 0, endFrame: c.frames.endFrame - c.frames.startFrame };
    const sampled = await sampleWindow(d, { input: c.file, timeline: copyTimeline(d.timeline.frameRate), frames }, dir, {
      selfCheck: false,
      signal,
    });
    await rm(c.file, { force: true });
    windows.push({ weight: all[k]!.weight, points: sampled.points });
    encodeS += sampled.encodeS;
  }
  return { windows, encodeS, selfCheck };
}
