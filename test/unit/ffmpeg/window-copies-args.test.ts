import { describe, expect, it } from 'vitest';
import { buildSampleEncodeArgs } from '../../../ffmpeg/analysis-args.ts';
import { DEFAULT_ENCODE_SETTINGS } from '../../../ffmpeg/encode-settings.ts';
import type { FrameTimeline } from '../../../ffmpeg/source-frames.ts';
import {
  buildWindowCopiesArgs,
  copyFrameBytes,
  copyReads,
  copyTimeline,
  type WindowCopiesCommand,
} from '../../../ffmpeg/window-copies-args.ts';

const flagValue = (args: readonly string[], flag: string): string | undefined => args[args.indexOf(flag) + 1];
const timeline: FrameTimeline = { frameRate: { num: 30, den: 1 }, videoStartS: 0.02, videoOffsetS: 0.02 };
const windows = [
  { frames: { startFrame: 30, endFrame: 90 }, file: '/w/window-0.mkv', framesFile: '/w/window-0.frames' },
  { frames: { startFrame: 300, endFrame: 360 }, file: '/w/window-1.mkv', framesFile: '/w/window-1.frames' },
];
const command: WindowCopiesCommand = {
  kind: 'window-copies',
  input: '/m/rec.webm',
  timeline,
  windows,
  crop: { x: 0, y: 20, width: 640, height: 320 },
};

describe('buildWindowCopiesArgs', () => {
  it('reads the master once from its start and cuts each window on the grid, as a read of the window does', () => {
    const args = buildWindowCopiesArgs(command);
    expect(args.filter((a) => a === '-i')).toHaveLength(1);
    expect(args).not.toContain('-ss');
    const graph = (flagValue(args, '-filter_complex') ?? '').split(';');
    expect(graph[0]).toBe('[0:v:0]fps=30/1,split=2[g0][g1]');
    // Slot 1 is the first frame's (0.02 s at 30 fps rounds to slot 1): window 0 is slots 31-90.
    expect(graph[1]).toBe(
      '[g0]trim=start_pts=31:end_pts=91,setpts=PTS-STARTPTS,metadata=mode=add:key=vodforge.frame:value=1,' +
        'metadata=mode=print:file=/w/window-0.frames,crop=640:320:0:20,format=yuv420p,setsar=1[c0]',
    );
    expect(graph[2]).toContain('[g1]trim=start_pts=301:end_pts=361,');
    // The single-window sample encode's read of window 0 cuts the same slots.
    const own = buildSampleEncodeArgs({
      kind: 'sample-encode',
      input: '/m/rec.webm',
      timeline,
      frames: windows[0]!.frames,
      sizes: [{ width: 320, height: 160 }],
      crfs: [27],
      outputs: ['/w/s0.mp4'],
      settings: DEFAULT_ENCODE_SETTINGS,
    });
    expect(flagValue(own, '-filter_complex')).toContain('trim=start_pts=31:end_pts=91,setpts=PTS-STARTPTS');
  });

  it('writes each window uncoded to its own Matroska file', () => {
    const args = buildWindowCopiesArgs(command);
    expect(args.slice(-20)).toEqual(
      [
        ...['-map', '[c0]', '-c:v', 'rawvideo', '-fps_mode', 'passthrough', '-an', '-f', 'matroska', '/w/window-0.mkv'],
        ...['-map', '[c1]', '-c:v', 'rawvideo', '-fps_mode', 'passthrough', '-an', '-f', 'matroska', '/w/window-1.mkv'],
      ].slice(-22),
    );
  });

  it('refuses no window, an empty one, and windows out of order or overlapping', () => {
    expect(() => buildWindowCopiesArgs({ ...command, windows: [] })).toThrow(/at least one window/);
    const [a, b] = windows as [(typeof windows)[0], (typeof windows)[0]];
    expect(() => buildWindowCopiesArgs({ ...command, windows: [b, a] })).toThrow(/title order/);
    expect(() => buildWindowCopiesArgs({ ...command, windows: [a, { ...b, frames: { startFrame: 60, endFrame: 120 } }] })).toThrow(
      /overlapping/,
    );
    expect(() => buildWindowCopiesArgs({ ...command, windows: [{ ...a, frames: { startFrame: 30, endFrame: 30 } }] })).toThrow(/non-empty/);
  });

  it("reads a copy as frames on the title's grid from 0, nothing to undo", () => {
    expect(copyTimeline({ num: 24000, den: 1001 })).toEqual({ frameRate: { num: 24000, den: 1001 }, videoStartS: 0, videoOffsetS: 0 });
  });
});

describe('copyReads', () => {
  it('puts every window in one read while their copies fit, and starts another read past the bound', () => {
    const frame = copyFrameBytes({ width: 1920, height: 1080 });
    expect(frame).toBe(1920 * 1080 * 1.5);
    expect(copyReads([60, 60, 60], frame, 180 * frame)).toEqual([[0, 1, 2]]);
    expect(copyReads([60, 60, 60], frame, 120 * frame)).toEqual([[0, 1], [2]]);
    // A window larger than the bound still gets a read of its own.
    expect(copyReads([60, 300, 60], frame, 120 * frame)).toEqual([[0], [1], [2]]);
    expect(copyReads([], frame)).toEqual([]);
  });

  it('counts the chroma of an odd size whole', () => {
    expect(copyFrameBytes({ width: 641, height: 359 })).toBe(641 * 359 + 2 * 321 * 180);
  });
});
