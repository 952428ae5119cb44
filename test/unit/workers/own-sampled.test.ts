import { describe, expect, it } from 'vitest';
import { ownSampledPsnrDb } from '../../../workers/jobs/measure-rungs.ts';
import type { SampledWindow } from '../../../pipeline/types.ts';

/** PSNR-Y of a mean MSE. */
const psnr = (mse: number): number => 10 * Math.log10((255 * 255) / mse);

describe('ownSampledPsnrDb', () => {
  // 10 fps, 24 s, every frame compared: MSE 4 in the first window (frames 0-19), 40 in the
  // second (120-139), and 1000 everywhere the windows are not.
  const rate = { num: 10, den: 1 };
  const titleFrames = Array.from({ length: 240 }, (_, f) => f);
  const mseOf = (f: number): number => (f < 20 ? 4 : f >= 120 && f < 140 ? 40 : 1000);
  const frames = { titleFrames, mseY: titleFrames.map(mseOf), ssimY: titleFrames.map(() => 0.9) };
  const windows: SampledWindow[] = [
    { startS: 0, durationS: 2, weight: 0.25 },
    { startS: 12, durationS: 2, weight: 0.75, mseScale: 2 },
  ];

  it("pools the rung's own frames in each window by the window's weight, its MSE scaled as the samples' were", () => {
    // 0.25 x 4 + 0.75 x (2 x 40): the frames away from the windows count for nothing.
    expect(ownSampledPsnrDb(frames, windows, rate)).toBeCloseTo(psnr(0.25 * 4 + 0.75 * 80), 9);
  });

  it('has no figure when a window has no compared frame, or no weight (a job queued before windows carried theirs)', () => {
    expect(ownSampledPsnrDb(frames, [...windows, { startS: 30, durationS: 2, weight: 0.1 }], rate)).toBeUndefined();
    const unweighted = windows.map(({ startS, durationS }) => ({ startS, durationS })) as unknown as SampledWindow[];
    expect(ownSampledPsnrDb(frames, unweighted, rate)).toBeUndefined();
  });
});
