import { describe, expect, it } from 'vitest';
import { isPicked, pickedFrames, pickFilter, WEYL_STEP } from '../../../ffmpeg/frame-pick.ts';

describe('frames picked at a step', () => {
  it('is the golden ratio less one, as a double', () => {
    expect(WEYL_STEP).toBe((Math.sqrt(5) - 1) / 2);
  });

  it('picks every frame at one in one, and always the first frame', () => {
    expect(pickedFrames(50, 1)).toEqual(Array.from({ length: 50 }, (_, n) => n));
    for (const step of [2, 3, 7, 192]) expect(isPicked(0, step)).toBe(true);
    expect(pickedFrames(1, 3)).toEqual([0]);
  });

  it('takes a share of one in `step`, within a few frames, from short windows to long titles', () => {
    for (const frames of [34, 60, 450, 900, 1_800, 5_400, 172_800]) {
      for (const step of [2, 3, 5, 192]) {
        expect(Math.abs(pickedFrames(frames, step).length - frames / step)).toBeLessThan(3);
      }
    }
  });

  // What a stride cannot do: x264's `I BBBP` puts every P-frame on a multiple of 4, and one
  // frame in two takes all of them and half the B-frames. Over 100 s at 24 fps each phase of
  // a pattern of 2 to 8 frames (B-frames between references) gets its share within 10%.
  it('takes the same share of every phase of a frame-type pattern, where a stride takes one phase', () => {
    for (const step of [2, 3, 4]) {
      const picked = pickedFrames(2_400, step);
      for (let period = 2; period <= 8; period++) {
        for (let phase = 0; phase < period; phase++) {
          const share = picked.filter((n) => n % period === phase).length / (2_400 / period);
          expect(Math.abs(share * step - 1)).toBeLessThan(0.1);
        }
      }
    }
  });

  it('spreads its picks: no stretch of frames goes unpicked for long', () => {
    for (const step of [2, 3, 7, 192]) {
      const picked = pickedFrames(20_000, step);
      const gaps = picked.slice(1).map((n, k) => n - (picked[k] ?? 0));
      expect(Math.max(...gaps)).toBeLessThanOrEqual(2 * step);
    }
  });

  it("is ffmpeg's select expression of the same arithmetic, commas escaped for a filter graph", () => {
    expect(pickFilter(1)).toEqual([]);
    expect(pickFilter(3)).toEqual(["select='lt(n*0.6180339887498949-floor(n*0.6180339887498949)\\,1/3)'"]);
  });
});
