import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSampleEncodeArgs } from '../../ffmpeg/analysis-args.ts';
import { DEFAULT_ENCODE_SETTINGS } from '../../ffmpeg/encode-settings.ts';
import { probeMaster } from '../../ffmpeg/probe.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { framesOf, timelineOf, type FrameTimeline } from '../../ffmpeg/source-frames.ts';
import { firstFrameTimeS, packetIndex, seekLandsOnKeyframe } from '../../workers/measure/keyframes.ts';
import { scanTitle } from '../../workers/jobs/analysis-reads.ts';

/**
 * Samples read from the keyframe their window starts on instead of a lead ahead of it, but
 * only where a seek was seen to land there: real ffmpeg, on an MP4 (an index: every keyframe
 * lands) and on an open-GOP MPEG-TS (a timestamp search: seeks land on the next keyframe).
 * Wherever the keyframe read is taken, the sample encode is the same bytes as with the lead.
 */
describe('reading a sample window from its keyframe', () => {
  let dir: string;
  const pattern = [
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=320x240:r=25',
    '-t',
    '12',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
  ];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-keyreads-'));
    await runFfmpeg([...pattern, '-x264-params', 'bframes=3:keyint=50:scenecut=0', path.join(dir, 'closed.mp4')]);
    await runFfmpeg([...pattern, '-x264-params', 'open_gop=1:bframes=3:keyint=24', '-f', 'mpegts', path.join(dir, 'open.ts')]);
  }, 60_000);
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  /** Each keyframe after the first: whether a seek lands on it, and whether a 2 s window from it encodes alike both ways. */
  async function keyframeReads(file: string): Promise<{ keyframeS: number; lands: boolean; sameBytes: boolean }[]> {
    const stated = await probeMaster(file);
    const probe = { ...stated, video: { ...stated.video, firstFrameS: await firstFrameTimeS(file) } };
    const timeline: FrameTimeline = timelineOf(probe);
    const { keyframesS } = await packetIndex(file, probe.video.startTimeS, probe.durationS);
    const encode = async (keyframeS: number, fromKeyframe: boolean): Promise<string> => {
      const out = path.join(dir, `s-${fromKeyframe}.mp4`);
      const frames = {
        ...framesOf({ startS: keyframeS, durationS: 2 }, timeline.frameRate),
        ...(fromKeyframe ? { fromKeyframeS: keyframeS } : {}),
      };
      await runFfmpeg(
        buildSampleEncodeArgs({
          kind: 'sample-encode',
          input: file,
          timeline,
          frames,
          sizes: [{ width: 320, height: 240 }],
          crfs: [27],
          outputs: [out],
          settings: DEFAULT_ENCODE_SETTINGS,
        }),
      );
      return createHash('sha256')
        .update(await readFile(out))
        .digest('hex');
    };
    const out = [];
    for (const k of keyframesS.filter((k) => k > 0 && k < probe.durationS - 2.5)) {
      const lands = await seekLandsOnKeyframe(file, timeline, k, probe.video.startTimeS + k, dir);
      out.push({ keyframeS: k, lands, sameBytes: (await encode(k, true)) === (await encode(k, false)) });
    }
    return out;
  }

  it('reads from every keyframe of an MP4, and encodes each window the same bytes as with the lead', async () => {
    const reads = await keyframeReads(path.join(dir, 'closed.mp4'));
    expect(reads.length).toBeGreaterThanOrEqual(3);
    expect(reads.filter((r) => !r.lands)).toEqual([]);
    expect(reads.filter((r) => !r.sameBytes)).toEqual([]);
  }, 120_000);

  it('refuses the keyframes of an open-GOP MPEG-TS a seek overshoots, whose windows would be other frames', async () => {
    const reads = await keyframeReads(path.join(dir, 'open.ts'));
    const refused = reads.filter((r) => !r.lands);
    expect(refused.length).toBeGreaterThan(0);
    // What the check refuses really reads other frames; what it accepts reads the same ones.
    expect(refused.some((r) => !r.sameBytes)).toBe(true);
    expect(reads.filter((r) => r.lands && !r.sameBytes)).toEqual([]);
  }, 120_000);

  it('tells from each burst of the scan where its seek landed, as the one-frame check does', async () => {
    for (const name of ['closed.mp4', 'open.ts']) {
      const file = path.join(dir, name);
      const stated = await probeMaster(file);
      const probe = { ...stated, video: { ...stated.video, firstFrameS: await firstFrameTimeS(file) } };
      const { keyframesS } = await packetIndex(file, probe.video.startTimeS, probe.durationS);
      const starts = keyframesS.filter((k) => k > 0 && k < probe.durationS - 2.5);
      const scan = await scanTitle(
        { tmpDir: dir, settings: DEFAULT_ENCODE_SETTINGS },
        name,
        file,
        probe,
        starts.map((startS) => ({ startS, durationS: 2 })),
      );
      const checked = [];
      for (const k of starts)
        checked.push({ keyframeS: k, lands: await seekLandsOnKeyframe(file, timelineOf(probe), k, probe.video.startTimeS + k, dir) });
      expect(scan.landings).toEqual(checked);
      // Both answers occur across the two files (asserted per file above), so agreeing means something.
      if (name === 'open.ts') expect(checked.some((c) => !c.lands)).toBe(true);
      else expect(checked.every((c) => c.lands)).toBe(true);
    }
  }, 120_000);
});
