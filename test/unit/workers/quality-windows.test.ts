import { describe, expect, it } from 'vitest';
import { beside, CHECK_MIN_S, MAX_COMPARED_FRAMES, rungFrameStep, wholeTitle } from '../../../workers/jobs/measure-rungs.ts';
import { QUALITY_FRAME_STEP } from '../../../workers/measure/quality.ts';
import { pickedFrames } from '../../../ffmpeg/frame-pick.ts';

/** A rung's compared frames (a third of `frames`, as picked), each scoring `mseOf(titleFrame)`. */
function rung(frames: number, mseOf: (frame: number) => number, ssim = 0.95) {
  const titleFrames = pickedFrames(frames, QUALITY_FRAME_STEP);
  return { titleFrames, mseY: titleFrames.map(mseOf), ssimY: titleFrames.map(() => ssim) };
}

describe('what measure-rungs compares', () => {
  it('is the whole of the title, from its first frame', () => {
    expect(wholeTitle(61.3)).toEqual([{ startS: 0, durationS: 61.3 }]);
    expect(wholeTitle(0.4)).toEqual([{ startS: 0, durationS: 0.4 }]);
  });
});

describe('rungFrameStep', () => {
  it('compares every frame of a title up to the most frames compared, then spreads them', () => {
    expect(rungFrameStep(1)).toBe(1);
    expect(rungFrameStep(MAX_COMPARED_FRAMES)).toBe(1);
    expect(rungFrameStep(MAX_COMPARED_FRAMES + 1)).toBe(2);
    // A two-hour film at 24 fps: every 192nd frame, 900 of them.
    expect(rungFrameStep(172_800)).toBe(192);
    for (const frames of [10, 899, 901, 5_400, 20_000, 172_800, 1_000_000]) {
      expect(Math.ceil(frames / rungFrameStep(frames))).toBeLessThanOrEqual(MAX_COMPARED_FRAMES);
    }
  });
});

describe('beside: each rung over the frames no sample window holds', () => {
  it('pools only the frames outside the sample windows, by their MSE', () => {
    // 10 s at 30 fps; frames 60-119 (the sample window) are easy, the rest hard.
    const r = rung(300, (f) => (f >= 60 && f < 120 ? 0.1 : 6.5));
    const [checked] = beside([r], [{ startFrame: 60, endFrame: 120 }], 30, QUALITY_FRAME_STEP) ?? [];
    expect(checked?.psnrY).toBeCloseTo(10 * Math.log10((255 * 255) / 6.5), 9);
    expect(checked?.ssim).toBeCloseTo(0.95, 9);
  });

  it('gives one figure per rung, in rung order', () => {
    const easy = rung(300, () => 1);
    const hard = rung(300, () => 10);
    const checked = beside([easy, hard], [{ startFrame: 0, endFrame: 60 }], 30, QUALITY_FRAME_STEP);
    expect(checked?.map((q) => q?.psnrY.toFixed(2))).toEqual([
      (10 * Math.log10(255 * 255)).toFixed(2),
      (10 * Math.log10(6502.5)).toFixed(2),
    ]);
  });

  it(`says nothing when the frames outside span less than ${CHECK_MIN_S} s: the prediction stood on no less`, () => {
    // 3 s at 30 fps sampled from 1.5 s: 1.5 s outside.
    expect(beside([rung(90, () => 1)], [{ startFrame: 45, endFrame: 90 }], 30, QUALITY_FRAME_STEP)).toBeUndefined();
    // Sampled whole.
    expect(beside([rung(60, () => 1)], [{ startFrame: 0, endFrame: 60 }], 30, QUALITY_FRAME_STEP)).toBeUndefined();
    // Exactly 2 s outside is enough.
    expect(beside([rung(120, () => 1)], [{ startFrame: 60, endFrame: 120 }], 30, QUALITY_FRAME_STEP)).toHaveLength(1);
  });

  it('takes every sample window out, wherever it lies', () => {
    const r = rung(600, (f) => (f < 30 || (f >= 300 && f < 360) ? 100 : 1));
    const [checked] =
      beside(
        [r],
        [
          { startFrame: 300, endFrame: 360 },
          { startFrame: 0, endFrame: 30 },
        ],
        30,
        QUALITY_FRAME_STEP,
      ) ?? [];
    expect(checked?.psnrY).toBeCloseTo(10 * Math.log10(255 * 255), 9);
  });
});
