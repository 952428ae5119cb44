import { describe, expect, it } from 'vitest';
import { COMPARISON_COST, SELF_CHECK_COST, sampleSizes, splitSampleWork, type SampleGroup } from '../../../ladder/sample-sizes.ts';
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

describe('splitSampleWork', () => {
  const apple720 = [
    { width: 1280, height: 720 },
    { width: 960, height: 540 },
    { width: 640, height: 360 },
    { width: 416, height: 234 },
  ];
  const source = { width: 1280, height: 720 };
  // The model's cost of a group, written out: three encodes and three comparisons per size.
  const costOf = (g: SampleGroup): number =>
    g.sizes.reduce((n, s) => n + 3 * ((s.width * s.height) / (1280 * 720) + COMPARISON_COST), 0) + (g.selfCheck ? SELF_CHECK_COST : 0);

  it('gives the top size a small one and the self-check to the other job on two slots', () => {
    const groups = splitSampleWork(apple720, 2, 3, source);
    expect(groups).toEqual([
      { sizes: [apple720[0], apple720[3]], selfCheck: false },
      { sizes: [apple720[1], apple720[2]], selfCheck: true },
    ]);
    // 3.75 + 1.07 against 2.44 + 1.5 + 0.25: the longest job is as short as any split of whole
    // sizes makes it (every split tried below). By pixels alone (720p against the rest and the
    // self-check), 3.75 against 5.26.
    const longest = Math.max(...groups.map(costOf));
    let best = Infinity;
    for (let mask = 1; mask < 2 ** apple720.length - 1; mask++) {
      const split = [0, 1].map((side) => apple720.filter((_, i) => ((mask >> i) & 1) === side));
      const costs = split.map((sizes) => costOf({ sizes, selfCheck: false })).sort((x, y) => x - y);
      best = Math.min(best, Math.max(costs[0]! + SELF_CHECK_COST, costs[1]!));
    }
    expect(longest).toBeCloseTo(best, 9);
  });

  it('one group does everything; more groups than sizes leave none empty and one self-check', () => {
    expect(splitSampleWork(apple720, 1, 3, source)).toEqual([{ sizes: apple720, selfCheck: true }]);
    const many = splitSampleWork(apple720, 8, 3, source);
    expect(many).toHaveLength(4);
    expect(many.every((g) => g.sizes.length > 0)).toBe(true);
    expect(many.filter((g) => g.selfCheck)).toHaveLength(1);
    expect(many.flatMap((g) => g.sizes).sort((a, b) => b.height - a.height)).toEqual(apple720);
  });

  it('refuses no groups and no sizes', () => {
    expect(() => splitSampleWork(apple720, 0, 3, source)).toThrow(RangeError);
    expect(() => splitSampleWork([], 2, 3, source)).toThrow(RangeError);
  });
});
