import { describe, expect, it } from 'vitest';
import { sampleSizes } from '../../../ladder/sample-sizes.ts';
import { appleLadder } from '../../../ladder/fixed.ts';

describe('sampleSizes', () => {
  it("thins Apple's 720p-capped ladder to sizes at least 1.3x apart, largest first", () => {
    const sizes = sampleSizes(appleLadder({ width: 1280, height: 720 }));
    expect(sizes.map((s) => s.height)).toEqual([720, 540, 360, 234]);
  });

  it('keeps the source-capped top size and every size when the step allows it', () => {
    const sizes = sampleSizes(appleLadder({ width: 1920, height: 1080 }), 1);
    expect(sizes.map((s) => s.height)).toEqual([1080, 720, 540, 432, 360, 234]);
  });

  it('keeps a single size for a source below the bottom rung', () => {
    expect(sampleSizes([{ width: 320, height: 180 }])).toEqual([{ width: 320, height: 180 }]);
  });

  it('measures the step from the last size kept, not from the one skipped', () => {
    const sizes = sampleSizes(
      [
        { width: 100, height: 100 },
        { width: 90, height: 90 },
        { width: 80, height: 80 },
        { width: 76, height: 76 },
      ],
      1.3,
    );
    expect(sizes.map((s) => s.height)).toEqual([100, 76]);
  });

  it('refuses a step below 1', () => {
    expect(() => sampleSizes([{ width: 2, height: 2 }], 0.5)).toThrow(RangeError);
  });
});
