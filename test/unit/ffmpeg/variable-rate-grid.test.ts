import { describe, expect, it } from 'vitest';
import { framesKept, variableRateGrid } from '../../../ffmpeg/frame-rate.ts';

/** Frame times of a 30 fps stream that pauses: every frame for `fastS`, then one in ten for `slowS`, then every frame again. */
function paused(fastS: number, slowS: number): number[] {
  const times: number[] = [];
  for (let n = 0; n < (2 * fastS + slowS) * 30; n++) {
    const t = n / 30;
    if (t < fastS || t >= fastS + slowS || n % 10 === 0) times.push(t);
  }
  return times;
}

const rate = (num: number, den = 1) => ({ num, den });

describe('framesKept', () => {
  it('keeps every frame of a grid at their own rate, and one of several in a slot', () => {
    const times = paused(2, 2);
    expect(framesKept(rate(30), times)).toBe(times.length);
    // 21 fps on average: the 30 fps stretches lose about a third of their frames.
    expect(framesKept(rate(21), times)).toBeLessThan(times.length - 30);
  });
});

describe('variableRateGrid', () => {
  it('takes the declared rate when only it keeps every frame', () => {
    expect(variableRateGrid(rate(21), rate(30), paused(2, 2))).toEqual(rate(30));
  });

  it('takes the average when it keeps every frame too: the lower grid', () => {
    const every5th = Array.from({ length: 50 }, (_, k) => (k * 5) / 30);
    expect(variableRateGrid(rate(6), rate(30), every5th)).toEqual(rate(6));
  });

  it('never takes a declared rate above 60 fps (a millisecond clock declares 1000)', () => {
    expect(variableRateGrid(rate(29), rate(1000), paused(2, 2))).toEqual(rate(29));
  });

  it('keeps the average without frame times', () => {
    expect(variableRateGrid(rate(21), rate(30), [])).toEqual(rate(21));
  });

  it('takes whichever keeps more when neither keeps all, the lower on a tie', () => {
    // Two frames 1 ms apart collide on any grid under 1000 fps.
    const times = [...paused(1, 1), 0.501].sort((a, b) => a - b);
    expect(framesKept(rate(30), times)).toBe(times.length - 1);
    expect(variableRateGrid(rate(20), rate(30), times)).toEqual(rate(30));
    expect(variableRateGrid(rate(30), rate(30), times)).toEqual(rate(30));
  });
});
