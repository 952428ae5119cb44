import { describe, expect, it } from 'vitest';
import { capSplit } from '../../../workers/jobs/measure-rungs.ts';

/** A 6 s segment at `kbps`. */
const seg = (kbps: number) => ({ name: 's.m4s', durationS: 6, bytes: (kbps * 1000 * 6) / 8 });
/** PSNR-Y of a mean MSE. */
const psnr = (mse: number): number => 10 * Math.log10((255 * 255) / mse);

describe('capSplit', () => {
  // 10 fps, four 6 s segments of a 100 kbit/s rung capped at 1.5x: the third spent 190 kbit/s.
  const track = { segments: [seg(80), seg(100), seg(190), seg(90)] };
  // Every frame compared; MSE 4 a frame, but 40 in the capped segment (frames 120-179).
  const titleFrames = Array.from({ length: 240 }, (_, f) => f);
  const frames = { titleFrames, mseY: titleFrames.map((f) => (f >= 120 && f < 180 ? 40 : 4)), ssimY: titleFrames.map(() => 0.9) };

  it('measures the segments over the cap apart from the rest, over the checked frames', () => {
    // The first 2 s are a sample window: not checked.
    const split = capSplit(frames, track, { bitrateKbps: 100 }, 1.5, 10, (f) => f >= 20);
    expect(split).toEqual({
      over: 1,
      segments: 4,
      maxrateRatio: 1.5,
      peakRatio: expect.closeTo(1.9, 9),
      overPsnrDb: expect.closeTo(psnr(40), 9),
      restPsnrDb: expect.closeTo(psnr(4), 9),
    });
  });

  it('has no split when no checked frame lies in a segment over the cap', () => {
    expect(capSplit(frames, track, { bitrateKbps: 100 }, 1.5, 10, (f) => f < 120)).toBeUndefined();
  });

  it('with no segment over the cap, says so, with its busiest segment and how the checked frames measured', () => {
    // At 2x, the 190 kbit/s segment is under the cap.
    expect(capSplit(frames, track, { bitrateKbps: 100 }, 2, 10, (f) => f < 120)).toEqual({
      over: 0,
      segments: 4,
      maxrateRatio: 2,
      peakRatio: expect.closeTo(1.9, 9),
      overPsnrDb: undefined,
      restPsnrDb: expect.closeTo(psnr(4), 9),
    });
    expect(capSplit(frames, track, { bitrateKbps: 100 }, 2, 10, () => false)).toBeUndefined();
  });

  it('has no rest when every checked frame lies over the cap', () => {
    expect(capSplit(frames, track, { bitrateKbps: 100 }, 1.5, 10, (f) => f >= 120 && f < 180)?.restPsnrDb).toBeUndefined();
  });
});
