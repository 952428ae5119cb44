import { describe, expect, it } from 'vitest';
import { lastListedPts, titleFramesTo } from '../../../workers/measure/last-frame.ts';
import { buildTailFramesArgs } from '../../../ffmpeg/tail-frames-args.ts';
import type { FrameTimeline } from '../../../ffmpeg/source-frames.ts';

const listing = (lines: string[], tb = '1/1000000'): string =>
  ['#software: Lavf59.27.100', `#tb 0: ${tb}`, '#media_type 0: video', ...lines].join('\n');

describe('lastListedPts', () => {
  it('takes the latest timestamp of a framecrc listing, whatever the order', () => {
    const text = listing([
      '0,    3901000,    3901000,    40000,   115200, 0x1',
      '0,    3981000,    3981000,    40000,   115200, 0x2',
      '0, 3941000, 3941000, 40000, 115200, 0x3',
    ]);
    expect(lastListedPts(text)).toBe(3981000);
  });

  it('gives nothing for a listing of no frame, or in another time base', () => {
    expect(lastListedPts(listing([]))).toBeUndefined();
    expect(lastListedPts(listing(['0, 3981, 3981, 40, 115200, 0x2'], '1/1000'))).toBeUndefined();
  });
});

describe('titleFramesTo', () => {
  const timeline = (videoStartS: number, num = 25, den = 1): FrameTimeline => ({
    frameRate: { num, den },
    videoStartS,
    videoOffsetS: videoStartS,
  });

  it('counts the slots from the first frame to a last frame shown 1 ms (the webcam clip): 100, where the grid ended at 99', () => {
    // First frame at 0.021 s (slot 1), last at 3.981 s (slot 99.525, so 100).
    expect(titleFramesTo(3_981_000, timeline(0.021))).toBe(100);
  });

  it("counts a raw stream's flushed last frame once: 200 frames at 25 fps from 0", () => {
    expect(titleFramesTo(7_960_000, timeline(0))).toBe(200);
  });

  it('puts a frame half a slot out in the later slot, as fps rounds halves away from zero', () => {
    // At 29.97 fps a slot is 33366.7 us; 0.5 slot past slot 10 is 350350 us.
    expect(titleFramesTo(350_350, timeline(0, 30000, 1001))).toBe(12);
  });
});

describe('buildTailFramesArgs', () => {
  it("reads as a reader of the last frame does, and lists every frame in microseconds after the grid's own filters", () => {
    const t: FrameTimeline = {
      frameRate: { num: 25, den: 1 },
      videoStartS: 0,
      videoOffsetS: 0,
      deinterlace: { filter: 'bwdif', mode: 'send_field', parity: 'tff' },
    };
    const args = buildTailFramesArgs({ input: '/m.mkv', timeline: t, fromFrame: 99, listingFile: '/tmp/x.framecrc' });
    expect(args.slice(args.indexOf('-ss'), args.indexOf('-ss') + 2)).toEqual(['-ss', (99 / 25 - 3).toFixed(6)]);
    expect(args[args.indexOf('-vf') + 1]).toContain('bwdif');
    expect(args.join(' ')).toContain('-fps_mode passthrough -enc_time_base 1/1000000 -f framecrc /tmp/x.framecrc');
    expect(args.some((a) => a.startsWith('fps='))).toBe(false);
  });
});
