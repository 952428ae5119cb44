import { describe, expect, it } from 'vitest';
import { scanGroups } from '../../../workers/jobs/analysis-reads.ts';

describe('scanGroups', () => {
  const bursts = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

  it('gives every core a process while there are bursts to go round, in order', () => {
    expect(scanGroups(bursts(9), 2)).toEqual([
      [0, 1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    expect(scanGroups(bursts(3), 8)).toEqual([[0], [1], [2]]);
  });

  it('keeps 40 decoders open at most over the processes running at once', () => {
    const alone = scanGroups(bursts(120), 1);
    expect(alone.map((g) => g.length)).toEqual([40, 40, 40]);
    expect(alone.flat()).toEqual(bursts(120));
    const paired = scanGroups(bursts(120), 2);
    expect(paired.map((g) => g.length)).toEqual([20, 20, 20, 20, 20, 20]);
    expect(scanGroups(bursts(120), 64).every((g) => g.length === 1)).toBe(true);
  });

  it('has nothing to split without bursts', () => {
    expect(scanGroups([], 4)).toEqual([]);
  });
});
