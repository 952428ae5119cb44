import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { keyframeCrops, makeMaster, probeJson } from '../support/media.ts';
import { downloadTrack, ingest, waitForFinal, waitForRungQuality } from '../support/api.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { chooseActiveArea, pictureBounds } from '../../workers/measure/active-area.ts';
import { SAMPLE_CRFS } from '../../workers/jobs/ladder-analysis.ts';
import { ANALYSIS_SCAN_STEP } from '../../workers/jobs/analysis-reads.ts';
import { cpuStepKey } from '../../titles/cpu-steps.ts';
import { tempDir } from '../support/temp-dirs.ts';

/**
 * Per-title ladders on real encodes: the analysis' predictions must hold on the output, and
 * awkward sources must get a sensible ladder or a clear reason, never a crash.
 */
describe('per-title ladder', () => {
  let stack: TestStack;
  let dir: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 2, ladderPolicy: 'per-title', settings: { preset: 'veryfast' } });
    dir = await tempDir('vf-pt-');
    const file = (n: string): string => path.join(dir, n);
    await makeMaster(file('main.mp4'), { width: 640, height: 360, fps: 25, durationS: 12 });
    await makeMaster(file('short.mp4'), { width: 320, height: 240, fps: 25, durationS: 1.2 });
    // One frame, no audio.
    await runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240:rate=25',
      '-frames:v',
      '1',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      file('single.mp4'),
    ]);
    // PAL 4:3 anamorphic: 704x576 coded, displayed 768x576.
    await runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=704x576:rate=25',
      '-t',
      '4',
      '-vf',
      'setsar=12/11',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      file('pal.mp4'),
    ]);
    // Odd size, and a variable frame rate (25 fps, then 10 fps).
    await runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=958x538:rate=25',
      '-t',
      '6',
      '-vf',
      "setpts='if(lt(N,75),N/25,3+(N-75)/10)/TB'",
      '-fps_mode',
      'vfr',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      file('vfr-odd.mp4'),
    ]);
    // A still image stretched into a video: a detailed 720p picture (a zoomed mandelbrot frame).
    await runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      'mandelbrot=s=1280x720:r=25:start_scale=2.61,trim=end_frame=1,loop=loop=-1:size=1,setpts=N/25/TB',
      '-t',
      '4',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-crf',
      '10',
      '-pix_fmt',
      'yuv420p',
      file('still.mp4'),
    ]);
    // Letterboxed: a 640x268 (2.39:1) picture with black bars baked into a 640x360 frame.
    await runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=640x268:rate=25',
      '-t',
      '5',
      '-vf',
      'pad=640:360:0:46:black',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-g',
      '50',
      '-pix_fmt',
      'yuv420p',
      file('letterbox.mp4'),
    ]);
    // Sound 3 frames longer than the picture, as a phone's AAC often runs past its last frame:
    // no picture held (the video reaches the end within a frame's slack), sampled whole.
    await makeMaster(file('sound-longer.mp4'), { width: 640, height: 360, fps: 30, durationS: 1.5, audioDurationS: 1.6 });
    // Under Apple's 234p box: one fixed rung at the source's own size, which is sampled; at 12 fps
    // its 145 kbit/s falls inside the CRFs sampled, so its quality is measured.
    await makeMaster(file('small.mp4'), { width: 320, height: 180, fps: 12, durationS: 2 });
    for (const n of ['main', 'short', 'single', 'pal', 'vfr-odd', 'still', 'letterbox', 'sound-longer', 'small'])
      ids[n] = await ingest(stack.api.app, file(`${n}.mp4`));
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('builds the ladder from measured points and the output matches the prediction', async () => {
    const ready = await waitForFinal(stack.api.app, ids.main ?? '', 400_000);
    expect(ready.error).toBeUndefined();
    expect(ready.state).toBe('ready');
    // Quality is measured after publication: pending at first, then in the renditions.
    const t = await waitForRungQuality(stack.api.app, ready.id);
    expect(t.rungQuality?.status).toBe('measured');
    const a = t.ladderAnalysis;
    expect(a?.policy).toBe('per-title');
    expect(a?.fallbackReason).toBeUndefined();
    expect(a?.hull?.length).toBeGreaterThan(1);
    // 640x360 source: two candidate sizes (416x234, 640x360) × the sampled CRFs.
    expect(a?.points?.length).toBe(2 * SAMPLE_CRFS.length);
    expect(typeof a?.bdRateVsFixed).toBe('number');
    // The analysis' reads inside the probe job are counted apart from its ingest checks, and within its figure.
    const scanS = t.cpuStepsS?.[cpuStepKey('probe', ANALYSIS_SCAN_STEP)] ?? 0;
    expect(scanS).toBeGreaterThan(0);
    expect(scanS).toBeLessThan(t.cpuS.probe ?? 0);
    const ladder = t.ladder ?? [];
    expect(ladder.length).toBeGreaterThan(1);
    // Never upscaled; ascending in rate and predicted quality.
    for (const [i, r] of ladder.entries()) {
      expect(r.height).toBeLessThanOrEqual(360);
      expect(r.crf).toBeTypeOf('number');
      if (i > 0) {
        expect(r.bitrateKbps).toBeGreaterThan(ladder[i - 1]?.bitrateKbps ?? 0);
        expect(r.predictedPsnrDb ?? 0).toBeGreaterThan(ladder[i - 1]?.predictedPsnrDb ?? 0);
      }
    }
    const video = (t.renditions ?? []).filter((r) => r.kind === 'video');
    expect(video).toHaveLength(ladder.length);
    for (const [i, r] of video.entries()) {
      const predicted = ladder[i]?.predictedPsnrDb ?? NaN;
      expect(r.measuredPsnrDb).toBeTypeOf('number');
      expect(Math.abs((r.measuredPsnrDb ?? 0) - predicted)).toBeLessThan(2.5);
      expect(r.averageBitrateKbps / (ladder[i]?.bitrateKbps ?? 1)).toBeGreaterThan(0.5);
      expect(r.averageBitrateKbps / (ladder[i]?.bitrateKbps ?? 1)).toBeLessThan(2);
    }
  }, 400_000);

  it('gives a still several rungs, each the best picture measured at its rate', async () => {
    const t = await waitForFinal(stack.api.app, ids.still ?? '', 400_000);
    expect(t.state).toBe('ready');
    const a = t.ladderAnalysis;
    expect(a?.policy).toBe('per-title');
    const ladder = t.ladder ?? [];
    expect(ladder.length).toBeGreaterThan(1);
    // Pareto: no measured sample is as cheap as a rung and better by more than interpolation
    // noise (rungs may sit at interpolated CRFs between measured ones).
    for (const r of ladder) {
      const better = (a?.points ?? []).filter((p) => p.bitrateKbps <= r.bitrateKbps && p.psnrY > (r.predictedPsnrDb ?? 0) + 0.5);
      expect(better).toEqual([]);
    }
  }, 400_000);

  it.each(['short', 'single', 'pal', 'vfr-odd', 'still'])(
    'gives a %s master a playable ladder or the fixed one with a reason',
    async (name) => {
      const t = await waitForFinal(stack.api.app, ids[name] ?? '', 400_000);
      expect(t.error).toBeUndefined();
      expect(t.state).toBe('ready');
      const ladder = t.ladder ?? [];
      expect(ladder.length).toBeGreaterThan(0);
      expect(ladder.every((r) => r.width % 2 === 0 && r.height % 2 === 0)).toBe(true);
      const a = t.ladderAnalysis;
      if (a?.policy === 'fixed') expect(a.fallbackReason).toMatch(/per-title analysis failed/);
      else expect(a?.policy).toBe('per-title');
      if (name === 'pal') {
        // Square-pixel rungs keep the 4:3 picture: width/height of the top rung ≈ 768/576.
        const top = ladder.at(-1);
        expect((top?.width ?? 0) / (top?.height ?? 1)).toBeCloseTo(768 / 576, 1);
      }
      const m3u8 = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${t.id}/master.m3u8` });
      expect(m3u8.statusCode).toBe(200);
    },
    400_000,
  );

  it("compares a small source with the fixed ladder's one rung at that rung's quality", async () => {
    const t = await waitForFinal(stack.api.app, ids.small ?? '', 400_000);
    expect(t.state).toBe('ready');
    const a = t.ladderAnalysis;
    expect(a?.policy).toBe('per-title');
    // Apple's ladder gives a 320x180 source one rung, at its own size and 234p's rate.
    const note = a?.notes?.find((n) => n.startsWith('BD_RATE_AT_ONE_POINT'));
    const [, rate, quality] = note?.match(/\((\d+) kbit\/s, ([\d.]+) dB\)/) ?? [];
    expect(Number(rate)).toBe(145);
    expect(a?.bdRateVsFixed).toBeTypeOf('number');
    // The ladder's rate at that quality lies between the two rungs about it, whatever the
    // interpolation (a monotone curve through them): the figure between their rates' ratios.
    const rungs = (t.ladder ?? []).map((r) => ({ rate: r.bitrateKbps, q: r.predictedPsnrDb ?? NaN }));
    const below = rungs.filter((r) => r.q <= Number(quality)).at(-1);
    const above = rungs.find((r) => r.q >= Number(quality));
    expect(below && above).toBeTruthy();
    const pct = (r: number): number => (r / Number(rate) - 1) * 100;
    expect(a?.bdRateVsFixed ?? NaN).toBeGreaterThanOrEqual(pct(below?.rate ?? NaN) - 0.5);
    expect(a?.bdRateVsFixed ?? NaN).toBeLessThanOrEqual(pct(above?.rate ?? NaN) + 0.5);
  });

  it('samples a title whose sound runs past its picture over the picture only, so the samples measure', async () => {
    const t = await waitForFinal(stack.api.app, ids['sound-longer'] ?? '', 120_000);
    expect(t.state).toBe('ready');
    expect(t.durationS).toBeGreaterThan(1.55);
    expect(t.ladderAnalysis?.fallbackReason).toBeUndefined();
    expect(t.ladderAnalysis?.policy).toBe('per-title');
    // The whole picture, 45 frames at 30 fps, and nothing past it.
    expect(t.ladderAnalysis?.sampledS).toBeCloseTo(1.5, 2);
    expect(t.ladder?.every((r) => r.crf !== undefined)).toBe(true);
  });

  it('crops a letterboxed master: 2.39:1 rungs with no bars, predictions still hold on the picture', async () => {
    expect((await waitForFinal(stack.api.app, ids.letterbox ?? '', 400_000)).state).toBe('ready');
    const t = await waitForRungQuality(stack.api.app, ids.letterbox ?? '');
    expect(t.error).toBeUndefined();
    expect(t.rungQuality?.status).toBe('measured');
    expect(t.ladderAnalysis?.policy).toBe('per-title');
    expect(t.ladderAnalysis?.fallbackReason).toBeUndefined();
    // Candidates follow the picture: 416x174 and 640x268, never a 16:9 size.
    expect(new Set((t.ladderAnalysis?.points ?? []).map((p) => `${p.width}x${p.height}`))).toEqual(new Set(['416x174', '640x268']));
    const ladder = t.ladder ?? [];
    expect(ladder.length).toBeGreaterThan(0);
    for (const r of ladder) {
      expect(r.height).toBeLessThanOrEqual(268);
      expect(r.width / r.height).toBeCloseTo(640 / 268, 1);
    }
    const top = ladder.at(-1);
    const video = (t.renditions ?? []).filter((r) => r.kind === 'video');
    expect(video).toHaveLength(ladder.length);
    for (const [i, r] of video.entries()) {
      // Measured against the cropped master: bars would be trivially perfect and inflate it.
      expect(Math.abs((r.measuredPsnrDb ?? 0) - (ladder[i]?.predictedPsnrDb ?? NaN))).toBeLessThan(2.5);
    }
    // The top rung decodes at its ladder size, with picture to every edge of every keyframe.
    const track = await downloadTrack(stack.api.app, t.id, `v${ladder.length - 1}/playlist.m3u8`, dir);
    const vs = (await probeJson(track.joinedFile)).streams.find((s) => s.codec_type === 'video') ?? {};
    expect([vs.width, vs.height]).toEqual([top?.width, top?.height]);
    const crops = await keyframeCrops(track.joinedFile, path.join(dir, 'letterbox-out.crop.txt'));
    expect(crops.length).toBeGreaterThan(1);
    const w = top?.width ?? 0;
    const h = top?.height ?? 0;
    const b = pictureBounds(crops);
    expect(b?.x1).toBeLessThanOrEqual(1);
    expect(b?.y1).toBeLessThanOrEqual(1);
    expect(b?.x2).toBeGreaterThanOrEqual(w - 2);
    expect(b?.y2).toBeGreaterThanOrEqual(h - 2);
    expect(chooseActiveArea({ width: w, height: h }, crops, { minBarShare: 0.005 })).toBeUndefined();
  }, 400_000);
});
