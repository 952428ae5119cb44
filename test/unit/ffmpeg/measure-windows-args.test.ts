import { describe, expect, it } from 'vitest';
import { buildMeasureQualityArgs, buildMeasureWindowsArgs, type MeasureWindowsCommand } from '../../../ffmpeg/quality-args.ts';
import type { FrameTimeline } from '../../../ffmpeg/source-frames.ts';
import { readsFromStart } from '../../../workers/measure/keyframes.ts';

const MASTER = 'https://s3.test/master.webm?sig=x';
const timeline: FrameTimeline = {
  frameRate: { num: 30, den: 1 },
  videoStartS: 0.02,
  videoOffsetS: 0.02,
  frameSize: { width: 1280, height: 720 },
};
const rung = (file: string, frames: { startFrame: number; endFrame: number }) => ({
  input: file,
  window: { firstPtsS: 0, frameRate: timeline.frameRate, frames },
});
/** One rung's stats files, for a read of one window alone. */
const ONE_RUNG = { statsFiles: [{ psnr: '/w/q0.psnr', ssim: '/w/q0.ssim', frames: '/w/q0.frames' }], referenceFramesFile: '/w/ref.frames' };

/** Two rungs over three windows of a 30 fps title. */
const WINDOWS = [
  { startFrame: 30, endFrame: 90 },
  { startFrame: 300, endFrame: 360 },
  { startFrame: 600, endFrame: 660 },
];
function command(windows = WINDOWS): MeasureWindowsCommand {
  return {
    kind: 'measure-windows',
    reference: { input: MASTER, timeline },
    windows: windows.map((frames, k) => ({
      frames,
      distorted: [rung('/w/r0.mp4', frames), rung('/w/r1.mp4', frames)],
      distortedFramesFiles: [`/w/w${k}-q0.frames`, `/w/w${k}-q1.frames`],
      referenceFramesFile: `/w/w${k}-ref.frames`,
    })),
    statsFiles: [
      { psnr: '/w/q0.psnr', ssim: '/w/q0.ssim' },
      { psnr: '/w/q1.psnr', ssim: '/w/q1.ssim' },
    ],
    referenceSize: { width: 1280, height: 720 },
    frameStep: 3,
  };
}

const filterOf = (args: string[]): string => args[args.indexOf('-filter_complex') + 1] ?? '';
const inputsOf = (args: string[]): string[] => args.flatMap((a, i) => (a === '-i' ? [args[i + 1] ?? ''] : []));

describe('buildMeasureWindowsArgs', () => {
  it('reads the master once, from its start, and every rung once per window', () => {
    const args = buildMeasureWindowsArgs(command());
    expect(inputsOf(args).filter((i) => i === MASTER)).toHaveLength(1);
    expect(inputsOf(args)).toHaveLength(3 * 2 + 1);
    const master = args.lastIndexOf('-i');
    expect(args.slice(args.lastIndexOf('-threads', master), master)).not.toContain('-ss');
    // The window at 1 s starts within a seek lead of the title's start: its rungs are read from theirs.
    expect(args.filter((a) => a === '-ss')).toHaveLength(4);
  });

  it("cuts each window on the master's grid exactly where a read of that window alone cuts it", () => {
    const graph = filterOf(buildMeasureWindowsArgs(command()));
    expect(graph.startsWith('[6:v:0]scale=w=1280:h=720:force_original_aspect_ratio=decrease:eval=frame,')).toBe(true);
    expect(graph).toContain('fps=30/1,split=3[g0][g1][g2];');
    for (const [k, frames] of WINDOWS.entries()) {
      const alone = filterOf(
        buildMeasureQualityArgs({
          kind: 'measure-quality',
          distorted: [rung('/w/r0.mp4', frames)],
          reference: { input: MASTER, timeline, frames },
          referenceSize: { width: 1280, height: 720 },
          ...ONE_RUNG,
        }),
      );
      const cut = /trim=start_pts=\d+:end_pts=\d+/.exec(alone)?.[0];
      expect(cut).toBe(`trim=start_pts=${frames.startFrame + 1}:end_pts=${frames.endFrame + 1}`);
      expect(graph).toContain(`[g${k}]${cut},setpts=PTS-STARTPTS,metadata=mode=add:key=vodforge.frame:value=1,`);
    }
  });

  it("joins each side's windows in title order, numbers them as one run, and compares each rung once", () => {
    const args = buildMeasureWindowsArgs(command());
    const graph = filterOf(args);
    expect(graph).toContain("metadata=mode=print:file=/w/w1-ref.frames,select='not(mod(n\\,3))',format=yuv420p,setsar=1[c1];");
    expect(graph).toContain('[c0][c1][c2]concat=n=3:v=1:a=0,settb=1/30,setpts=N,split=4[r0][r1][r2][r3];');
    // Window 1's read of rung 0 is input 2 (window-major, rung-minor).
    expect(graph).toContain('[2:v:0]trim=');
    expect(graph).toContain('metadata=mode=print:file=/w/w1-q0.frames,');
    expect(graph).toContain('[e1_0][e1_1][e1_2]concat=n=3:v=1:a=0,settb=1/30,setpts=N,split[d1a][d1b];');
    expect(graph).toContain('[d1b][r3]ssim=stats_file=/w/q1.ssim[o1b]');
    expect(args.flatMap((a, i) => (a === '-map' ? [args[i + 1]] : []))).toEqual(['[o0a]', '[o0b]', '[o1a]', '[o1b]']);
  });

  it('throws on no window, windows out of order or overlapping, and a window short of a rung', () => {
    expect(() => buildMeasureWindowsArgs(command([]))).toThrow('measure-windows needs at least one window');
    expect(() => buildMeasureWindowsArgs(command([WINDOWS[1]!, WINDOWS[0]!]))).toThrow('in title order, not overlapping');
    expect(() => buildMeasureWindowsArgs(command([WINDOWS[0]!, { startFrame: 80, endFrame: 140 }]))).toThrow(
      'in title order, not overlapping',
    );
    const full = command();
    const short = { ...full.windows[1]!, distorted: full.windows[1]!.distorted.slice(1) };
    expect(() => buildMeasureWindowsArgs({ ...full, windows: [full.windows[0]!, short] })).toThrow('2 rungs but window 1 reads 1');
  });
});

describe('readsFromStart', () => {
  const rate = { frameRate: { num: 30, den: 1 } };
  it('is true for a master whose keyframes are no entry points, and for one keyframe', () => {
    expect(readsFromStart({ ...rate, decodeFromStart: true, keyframeGapS: 2 }, 60)).toBe(true);
    // A live WebM: its one keyframe, nudged a microsecond for seeks, runs to the video's end.
    expect(readsFromStart({ ...rate, keyframeGapS: 8.002998, endS: 8.003 }, 8.021)).toBe(true);
    expect(readsFromStart({ ...rate, keyframeGapS: 60 }, 60)).toBe(true);
  });

  it('is false for a master with a second keyframe, or whose keyframes are unknown', () => {
    // A second keyframe on the last frame.
    expect(readsFromStart({ ...rate, keyframeGapS: 60 - 1 / 30, endS: 60 }, 60)).toBe(false);
    expect(readsFromStart({ ...rate, keyframeGapS: 2, endS: 60 }, 60)).toBe(false);
    expect(readsFromStart(rate, 60)).toBe(false);
  });
});
