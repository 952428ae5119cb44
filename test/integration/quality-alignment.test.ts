import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { derivedMasters, realMasters, type CorpusMaster } from '../support/corpus.ts';
import { plainPsnrY } from '../support/plain-psnr.ts';
import { toneMapFilters } from '../../ffmpeg/tone-map.ts';
import { probeMaster } from '../../ffmpeg/probe.ts';
import { masterLength } from '../../workers/measure/master-end.ts';
import { paletteFromStartOnly } from '../../workers/measure/entry-points.ts';
import { runFfmpeg, runProbe } from '../../ffmpeg/run.ts';
import { buildArgs } from '../../ffmpeg/args.ts';
import { buildSampleEncodeArgs } from '../../ffmpeg/analysis-args.ts';
import { framesOf, timelineOf, type FrameTimeline } from '../../ffmpeg/source-frames.ts';
import { firstFrameTimeS } from '../../workers/measure/keyframes.ts';
import { assertAligned, measureQuality, QUALITY_FRAME_STEP } from '../../workers/measure/quality.ts';
import { AlignmentCheckError, FrameCountMismatchError } from '../../workers/measure/errors.ts';
import { DEFAULT_ENCODE_SETTINGS } from '../../ffmpeg/encode-settings.ts';

/**
 * Quality is measured frame by frame on real masters (and masters derived from them for what
 * real ones lack), and checked against a second instrument that shares no code with vodforge:
 * one plain ffmpeg psnr over the whole file.
 */
const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-align-'));
const masters: CorpusMaster[] = [...(await realMasters()), ...(await derivedMasters(dir))];

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Prepared {
  readonly timeline: FrameTimeline;
  readonly width: number;
  readonly height: number;
}

/**
 * What the probe job learns of a master: its size, length and frame timeline, frame 0 read from
 * a decode, and that a palettized master is read from its start.
 */
async function prepare(file: string): Promise<Prepared> {
  const probed = await masterLength(await probeMaster(file), file, new AbortController().signal);
  const fromStart = paletteFromStartOnly(probed.video.pixFmt) ? { decodeFromStart: true as const } : {};
  const probe = { ...probed, video: { ...probed.video, firstFrameS: await firstFrameTimeS(file), ...fromStart } };
  return { timeline: timelineOf(probe), width: probe.video.width, height: probe.video.height };
}

const even = (n: number): number => n - (n % 2);

async function frameCount(file: string): Promise<number> {
  const { stdout } = await runProbe([
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-count_packets',
    '-show_entries',
    'stream=nb_read_packets',
    '-of',
    'csv=p=0',
    file,
  ]);
  return Number(stdout.trim());
}

describe('quality measured frame by frame, checked by an independent plain ffmpeg psnr', () => {
  it.each(masters.map((m) => [m.name, m] as const))(
    '%s: a CRF 18 encode of the whole title, as the pipeline encodes it',
    async (name, master) => {
      const m = await prepare(master.file);
      const work = await mkdtemp(path.join(dir, `${name}-`));
      const encoded = path.join(work, 'crf18.mp4');
      const rung = { width: even(m.width), height: even(m.height), bitrateKbps: 50_000, crf: 18 };
      await runFfmpeg(
        buildArgs({
          kind: 'encode-chunk',
          input: master.file,
          timeline: m.timeline,
          startFrame: 0,
          endFrame: undefined,
          rungs: [rung],
          outputs: { files: [encoded] },
          settings: { ...DEFAULT_ENCODE_SETTINGS, preset: 'ultrafast' },
        }),
      );
      const frames = { startFrame: 0, endFrame: await frameCount(encoded) };
      const [ours] = await measureQuality(
        {
          reference: { input: master.file, timeline: m.timeline, frames },
          picture: { width: m.width, height: m.height },
          distorted: [{ input: encoded, window: { firstPtsS: await firstFrameTimeS(encoded), frameRate: m.timeline.frameRate, frames } }],
        },
        work,
      );
      const plain = await plainPsnrY({
        encoded,
        master: master.file,
        frameRate: `${m.timeline.frameRate.num}/${m.timeline.frameRate.den}`,
        width: m.width,
        height: m.height,
        // An HDR master's title is its tone-mapped picture, which the instrument takes as the title
        // defines it (the LUT, as a plain filter); how close that is to the textbook float chain is
        // tone-map-lut.test.ts's and bench:tone-map's to say.
        ...(m.timeline.toneMap === undefined ? {} : { toneMap: toneMapFilters(m.timeline.toneMap).join(',') }),
      });
      // A frame out of step costs 10-30 dB on real footage; CRF 18 stays far above 30 dB when aligned.
      expect(plain).toBeGreaterThan(30);
      expect(ours?.psnrY).toBeGreaterThan(30);
      expect(Math.abs((ours?.psnrY ?? 0) - plain)).toBeLessThanOrEqual(0.3);
    },
  );

  it.each(masters.map((m) => [m.name, m] as const))(
    "%s: the sample path's self-check, a lossless copy of a window, is identical to the master",
    async (name, master) => {
      const m = await prepare(master.file);
      const work = await mkdtemp(path.join(dir, `${name}-s-`));
      const durationS = (await probeMaster(master.file)).durationS;
      const frames = framesOf({ startS: durationS / 2 - 1, durationS: 2 }, m.timeline.frameRate);
      const sample = path.join(work, 's.mp4');
      const lossless = path.join(work, 'self.mkv');
      await runFfmpeg(
        buildSampleEncodeArgs({
          kind: 'sample-encode',
          input: master.file,
          timeline: m.timeline,
          frames,
          sizes: [{ width: 320, height: 180 }],
          crfs: [27],
          outputs: [sample],
          settings: DEFAULT_ENCODE_SETTINGS,
          losslessOutput: { file: lossless },
        }),
      );
      const [q, self] = await measureQuality(
        {
          reference: { input: master.file, timeline: m.timeline, frames },
          picture: { width: m.width, height: m.height },
          distorted: [{ input: sample }, { input: lossless }],
          frameStep: QUALITY_FRAME_STEP,
        },
        work,
      );
      expect(self).toBeDefined();
      expect(() => assertAligned(self ?? { psnrY: 0, ssim: 0 }, frames)).not.toThrow();
      expect(q?.psnrY).toBeLessThan(self?.psnrY ?? 0);
    },
  );
  it('an odd-width picture gets its uncoded copy in Matroska and passes', async () => {
    const work = await mkdtemp(path.join(dir, 'odd-'));
    const file = path.join(work, 'odd.mkv');
    await runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=320x240:r=25:d=4',
      '-vf',
      'scale=321:241',
      '-pix_fmt',
      'yuv420p',
      '-c:v',
      'ffv1',
      file,
    ]);
    const m = await prepare(file);
    expect([m.width, m.height]).toEqual([321, 241]);
    const frames = framesOf({ startS: 1, durationS: 2 }, m.timeline.frameRate);
    const lossless = path.join(work, 'self.mkv');
    await runFfmpeg(
      buildSampleEncodeArgs({
        kind: 'sample-encode',
        input: file,
        timeline: m.timeline,
        frames,
        sizes: [{ width: 320, height: 240 }],
        crfs: [27],
        outputs: [path.join(work, 's.mp4')],
        settings: DEFAULT_ENCODE_SETTINGS,
        losslessOutput: { file: lossless },
      }),
    );
    const [self] = await measureQuality(
      {
        reference: { input: file, timeline: m.timeline, frames },
        picture: { width: m.width, height: m.height },
        distorted: [{ input: lossless }],
        frameStep: QUALITY_FRAME_STEP,
      },
      work,
    );
    expect(() => assertAligned(self ?? { psnrY: 0, ssim: 0 }, frames)).not.toThrow();
  });
});

describe('misalignment is an error, never a figure', () => {
  const master = (): CorpusMaster => masters.find((m) => m.name === 'launch') ?? masters[0]!;

  /** Frames 48-95 of the master (2-4 s), written losslessly by the sample path, and what they were cut from. */
  async function losslessWindow(
    work: string,
  ): Promise<{ m: Prepared; frames: { startFrame: number; endFrame: number }; lossless: string }> {
    const m = await prepare(master().file);
    const frames = framesOf({ startS: 2, durationS: 2 }, m.timeline.frameRate);
    const lossless = path.join(work, 'self.mkv');
    await runFfmpeg(
      buildSampleEncodeArgs({
        kind: 'sample-encode',
        input: master().file,
        timeline: m.timeline,
        frames,
        sizes: [{ width: 320, height: 180 }],
        crfs: [30],
        outputs: [path.join(work, 's.mp4')],
        settings: DEFAULT_ENCODE_SETTINGS,
        losslessOutput: { file: lossless },
      }),
    );
    return { m, frames, lossless };
  }

  it('the self-check fails loudly when the reference is shifted by one frame', async () => {
    const work = await mkdtemp(path.join(dir, 'shift-'));
    const { m, frames, lossless } = await losslessWindow(work);
    const shifted = { startFrame: frames.startFrame + 1, endFrame: frames.endFrame + 1 };
    const [self] = await measureQuality(
      {
        reference: { input: master().file, timeline: m.timeline, frames: shifted },
        picture: { width: m.width, height: m.height },
        distorted: [{ input: lossless }],
      },
      work,
    );
    expect(() => assertAligned(self ?? { psnrY: 100, ssim: 1 }, shifted)).toThrow(AlignmentCheckError);
    expect(() => assertAligned(self ?? { psnrY: 100, ssim: 1 }, shifted)).toThrow(/self-check failed on frames 49-96/);
  });

  it('sides with different frame counts raise a typed error naming the window and both counts', async () => {
    const work = await mkdtemp(path.join(dir, 'count-'));
    const { m, frames, lossless } = await losslessWindow(work);
    const longer = { startFrame: frames.startFrame, endFrame: frames.endFrame + 5 };
    const measuring = measureQuality(
      {
        reference: { input: master().file, timeline: m.timeline, frames: longer },
        picture: { width: m.width, height: m.height },
        distorted: [{ input: lossless }],
      },
      work,
    );
    await expect(measuring).rejects.toThrow(FrameCountMismatchError);
    await expect(measuring).rejects.toThrow(`quality window frames 48-100: the master gave 53 frames and self.mkv gave 48`);
  });
});

describe('frames compared at a step are picked without a period', () => {
  /** Pooled PSNR-Y of `encoded` against `master` by plain ffmpeg over the frames `n mod step = 0`: a stride. */
  async function strideOf(encoded: string, master: string, rate: string, step: number): Promise<number> {
    const pick = `select='not(mod(n\\,${step}))'`;
    const graph = `[0:v]${pick},format=yuv420p,settb=AVTB,setpts=N*1000[d];[1:v]fps=${rate},${pick},format=yuv420p,settb=AVTB,setpts=N*1000[r];[d][r]psnr`;
    const { stderrTail } = await runFfmpeg(['-i', encoded, '-i', master, '-lavfi', graph, '-f', 'null', '-']);
    return Number(/PSNR y:([\d.]+)/.exec(stderrTail)?.[1]);
  }

  it('a rung whose frame types repeat every 4 frames reads as every frame, where one frame in two reads its P-frames', async () => {
    const master = masters.find((x) => x.name === 'launch') ?? masters[0]!;
    const m = await prepare(master.file);
    const rate = `${m.timeline.frameRate.num}/${m.timeline.frameRate.den}`;
    const work = await mkdtemp(path.join(dir, 'pick-'));
    const encoded = path.join(work, 'ibbbp.mp4');
    // x264 with three B-frames between every pair of P-frames, never adapted: I BBBP BBBP ...,
    // every P-frame on a frame whose index is a multiple of 4, its B-frames coded coarser.
    const x264 = ['-c:v', 'libx264', '-threads', '1', '-preset', 'veryfast', '-crf', '30', '-x264-params', 'bframes=3:b-adapt=0:keyint=48'];
    await runFfmpeg(['-i', master.file, '-an', '-vf', `fps=${rate}`, ...x264, '-pix_fmt', 'yuv420p', encoded]);
    const frames = { startFrame: 0, endFrame: await frameCount(encoded) };
    const [ours] = await measureQuality(
      {
        reference: { input: master.file, timeline: m.timeline, frames },
        picture: { width: m.width, height: m.height },
        distorted: [{ input: encoded, window: { firstPtsS: await firstFrameTimeS(encoded), frameRate: m.timeline.frameRate, frames } }],
        frameStep: 2,
      },
      work,
    );
    const plainInput = { encoded, master: master.file, frameRate: rate, width: m.width, height: m.height };
    const every = await plainPsnrY(plainInput);
    // The case is one where a stride misreads the rung, or the test would prove nothing.
    expect((await strideOf(encoded, master.file, rate, 2)) - every).toBeGreaterThan(0.15);
    expect(Math.abs((ours?.psnrY ?? 0) - every)).toBeLessThanOrEqual(0.1);
    // The second instrument, over the frames the title says it compared.
    expect(Math.abs((ours?.psnrY ?? 0) - (await plainPsnrY(plainInput, { ...frames, step: 2 })))).toBeLessThanOrEqual(0.02);
  });
});
