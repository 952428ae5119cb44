/**
 * The samples of a master every read of which decodes from its start (a browser's recording, a
 * master whose keyframes are no entry points): all its windows in one job, from one read.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { framesOf, type FrameRange } from '../../ffmpeg/source-frames.ts';
import { buildWindowCopiesArgs, COPY_SCRATCH_BYTES, copyFrameBytes, copyReads, copyTimeline } from '../../ffmpeg/window-copies-args.ts';
import type { SampleJobData } from '../../pipeline/types.ts';
import { FrameCountMismatchError } from '../measure/errors.ts';
import { countListedFrames, type QualitySummary } from '../measure/parse.ts';
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
 * frame, each removed once its window is measured; windows whose copies would hold more than
 * `COPY_SCRATCH_BYTES` at once are cut from further reads (`copyReads`).
 */
export async function oneReadSamples(
  d: SampleJobData,
  input: string,
  dir: string,
  signal: AbortSignal,
  copyBytes = COPY_SCRATCH_BYTES,
): Promise<SampleResult> {
  const all = [d.window, ...(d.followingWindows ?? [])];
  const copies = all.map((w, k) => ({
    frames: framesOf(w, d.timeline.frameRate),
    file: path.join(dir, `window-${k}.mkv`),
    framesFile: path.join(dir, `window-${k}.frames`),
  }));
  // Copies beyond the scratch bound are cut from a further read, from the start again.
  const reads = copyReads(
    copies.map((c) => c.frames.endFrame - c.frames.startFrame),
    copyFrameBytes(d.sourceSize),
    copyBytes,
  );
  let encodeS = 0;
  let selfCheck: QualitySummary | undefined;
  const windows: WindowPoints[] = [];
  for (const read of reads) {
    const batch = read.map((k) => copies[k]!);
    const t0 = Date.now();
    await runFfmpeg(
      buildWindowCopiesArgs({
        kind: 'window-copies',
        input,
        timeline: d.timeline,
        windows: batch,
        ...(d.crop === undefined ? {} : { crop: d.crop }),
      }),
      { signal },
    );
    encodeS += (Date.now() - t0) / 1000;
    for (const c of batch) {
      const copied = countListedFrames(await readFile(c.framesFile, 'utf8'));
      const expected = c.frames.endFrame - c.frames.startFrame;
      if (copied !== expected) throw new FrameCountMismatchError(c.frames, copied, expected, 'the window itself');
    }
    selfCheck ??= await checkAligned(d, input, batch[0]!, dir, signal);
    for (const k of read) {
      const c = copies[k]!;
      const frames = { startFrame: 0, endFrame: c.frames.endFrame - c.frames.startFrame };
      const sampled = await sampleWindow(d, { input: c.file, timeline: copyTimeline(d.timeline.frameRate), frames }, dir, {
        selfCheck: false,
        signal,
      });
      await rm(c.file, { force: true });
      windows.push({ weight: all[k]!.weight, rateScale: all[k]!.rateScale ?? 1, mseScale: all[k]!.mseScale ?? 1, points: sampled.points });
      encodeS += sampled.encodeS;
    }
  }
  return { windows, encodeS, selfCheck };
}

/** The first window's copy measured against the master through the measurement's own read of it: identical, or the copies are other frames. */
async function checkAligned(
  d: SampleJobData,
  input: string,
  first: { readonly frames: Required<FrameRange>; readonly file: string },
  dir: string,
  signal: AbortSignal,
): Promise<QualitySummary> {
  const [q] = await measureQuality(
    {
      reference: { input, timeline: d.timeline, frames: first.frames },
      picture: { ...d.sourceSize, ...(d.crop === undefined ? {} : { crop: d.crop }) },
      distorted: [{ input: first.file }],
      frameStep: QUALITY_FRAME_STEP,
    },
    dir,
    signal,
  );
  if (q === undefined) throw new Error('no self-check measured');
  assertAligned(q, first.frames);
  return q;
}
