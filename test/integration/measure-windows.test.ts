import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildArgs } from '../../ffmpeg/args.ts';
import { DEFAULT_ENCODE_SETTINGS } from '../../ffmpeg/encode-settings.ts';
import { probeMaster } from '../../ffmpeg/probe.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { framesOf, timelineOf, type FrameTimeline } from '../../ffmpeg/source-frames.ts';
import { FrameCountMismatchError } from '../../workers/measure/errors.ts';
import { firstFrameTimeS } from '../../workers/measure/keyframes.ts';
import { measureQuality, measureWindows, QUALITY_FRAME_STEP } from '../../workers/measure/quality.ts';
import { realMasters } from '../support/corpus.ts';
import { plainPsnrY } from '../support/plain-psnr.ts';
import { tempDir } from '../support/temp-dirs.ts';

/**
 * A master with one keyframe (a browser's recording) is measured in one read from its start,
 * every window cut out of it. Each window must get exactly the figures its own read gives, and
 * those a plain ffmpeg psnr gives (the second instrument).
 */
describe('windows of a one-keyframe master measured in one read', () => {
  let dir: string;
  let master: string;
  let timeline: FrameTimeline;
  let rungs: { input: string; firstPtsS: number }[];
  const picture = { width: 640, height: 360 };

  beforeAll(async () => {
    dir = await tempDir('vf-measure-windows-');
    const launch = (await realMasters()).find((m) => m.name === 'launch');
    if (launch === undefined) throw new Error('the corpus has no launch clip');
    master = path.join(dir, 'one-keyframe.webm');
    // The real rocket launch, re-recorded as MediaRecorder writes it: VP8 with one keyframe.
    await runFfmpeg([
      ...['-i', launch.file, '-an', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1M'],
      ...['-g', '100000', '-keyint_min', '100000', master],
    ]);
    const probed = await probeMaster(master);
    timeline = timelineOf({ ...probed, video: { ...probed.video, firstFrameS: await firstFrameTimeS(master) } });
    rungs = [];
    for (const [i, rung] of [
      { width: 320, height: 180, bitrateKbps: 50_000, crf: 30 },
      { width: 640, height: 360, bitrateKbps: 50_000, crf: 22 },
    ].entries()) {
      const file = path.join(dir, `r${i}.mp4`);
      await runFfmpeg(
        buildArgs({
          kind: 'encode-chunk',
          input: master,
          timeline,
          startFrame: 0,
          endFrame: undefined,
          rungs: [rung],
          outputs: { files: [file] },
          settings: { ...DEFAULT_ENCODE_SETTINGS, preset: 'ultrafast' },
        }),
      );
      rungs.push({ input: file, firstPtsS: await firstFrameTimeS(file) });
    }
  }, 120_000);

  // Out of title order, as a title's sample windows and check windows come.
  const windows = () => [
    framesOf({ startS: 5.5, durationS: 2 }, timeline.frameRate),
    framesOf({ startS: 0.5, durationS: 1.5 }, timeline.frameRate),
    framesOf({ startS: 3, durationS: 2 }, timeline.frameRate),
  ];
  const distorted = (frames: { startFrame: number; endFrame: number }) =>
    rungs.map((r) => ({ input: r.input, window: { firstPtsS: r.firstPtsS, frameRate: timeline.frameRate, frames } }));

  it('gives each window the figures its own read gives, and a plain ffmpeg psnr agrees', async () => {
    const work = await tempDir('vf-measure-windows-one-');
    const oneRead = await measureWindows(
      {
        reference: { input: master, timeline },
        picture,
        windows: windows().map((frames) => ({ frames, distorted: distorted(frames) })),
        frameStep: QUALITY_FRAME_STEP,
      },
      work,
    );
    expect(oneRead).toHaveLength(3);
    for (const [k, frames] of windows().entries()) {
      const own = await measureQuality(
        { reference: { input: master, timeline, frames }, picture, distorted: distorted(frames), frameStep: QUALITY_FRAME_STEP },
        work,
      );
      expect(oneRead[k]).toEqual(own);
      const rate = `${timeline.frameRate.num}/${timeline.frameRate.den}`;
      for (const [i, r] of rungs.entries()) {
        const plain = await plainPsnrY({ encoded: r.input, master, frameRate: rate, ...picture }, { ...frames, step: QUALITY_FRAME_STEP });
        expect(Math.abs((oneRead[k]?.[i]?.psnrY ?? 0) - plain)).toBeLessThanOrEqual(0.3);
      }
    }
    // The windows hold different pictures: a read that cut them all alike would give one figure.
    expect(new Set(oneRead.map((q) => q[1]?.psnrY)).size).toBe(3);
  }, 180_000);

  it('names the window whose encode has another number of frames', async () => {
    const work = await tempDir('vf-measure-windows-count-');
    const [late, early, middle] = windows();
    if (late === undefined || early === undefined || middle === undefined) throw new Error('three windows expected');
    const short = { startFrame: middle.startFrame, endFrame: middle.endFrame - 4 };
    const measuring = measureWindows(
      {
        reference: { input: master, timeline },
        picture,
        windows: [
          { frames: early, distorted: distorted(early) },
          { frames: middle, distorted: distorted(short) },
        ],
        frameStep: QUALITY_FRAME_STEP,
      },
      work,
    );
    await expect(measuring).rejects.toThrow(FrameCountMismatchError);
    const counts = `the master gave ${middle.endFrame - middle.startFrame} frames and r0.mp4 gave ${short.endFrame - short.startFrame}`;
    await expect(measuring).rejects.toThrow(`quality window frames ${middle.startFrame}-${middle.endFrame - 1}: ${counts}`);
  }, 120_000);
});
