import { describe, expect, it } from 'vitest';
import { sampleSizes, splitSizes } from '../../../ladder/sample-sizes.ts';
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

describe('splitSizes', () => {
  const apple720 = [
    { width: 1280, height: 720 },
    { width: 960, height: 540 },
    { width: 640, height: 360 },
    { width: 416, height: 234 },
  ];

  it('puts every size in exactly one group, the top size alone against the rest on two slots', () => {
    const groups = splitSizes(apple720, 2);
    expect(groups).toEqual([[{ width: 1280, height: 720 }], apple720.slice(1)]);
    // 921 600 pixels against 518 400 + 230 400 + 97 344 = 846 144: within a tenth.
    const cost = groups.map((g) => g.reduce((s, x) => s + x.width * x.height, 0));
    expect(Math.abs(cost[0]! - cost[1]!) / Math.max(...cost)).toBeLessThan(0.1);
  });

  it('one group is every size; more groups than sizes leave none empty', () => {
    expect(splitSizes(apple720, 1)).toEqual([apple720]);
    const many = splitSizes(apple720, 8);
    expect(many).toHaveLength(4);
    expect(many.flat().sort((a, b) => b.height - a.height)).toEqual(apple720);
  });

  it('refuses no groups', () => {
    expect(() => splitSizes(apple720, 0)).toThrow(RangeError);
  });
});
