import { describe, expect, it } from 'vitest';
import { peakRatio, segmentOfFrame, segmentsOverCap } from '../../../ladder/peak-cap.ts';

/** A 6 s segment at `kbps`. */
const seg = (kbps: number, durationS = 6) => ({ durationS, bytes: (kbps * 1000 * durationS) / 8 });

describe('segmentsOverCap', () => {
  it('marks the segments that spent more than the cap over their length, and only those', () => {
    // A 200 kbit/s rung capped at 1.5x: 300 kbit/s.
    expect(segmentsOverCap([seg(150), seg(300), seg(301), seg(390, 2), seg(0)], 200, 1.5)).toEqual([false, false, true, true, false]);
  });

  it('counts a segment of no length as under the cap', () => {
    expect(segmentsOverCap([{ durationS: 0, bytes: 1000 }], 200, 1.5)).toEqual([false]);
  });
});

describe('peakRatio', () => {
  it('is the busiest segment over the average', () => {
    expect(peakRatio([seg(100), seg(395), seg(200, 1)], 200)).toBeCloseTo(1.975, 9);
    expect(peakRatio([], 200)).toBe(0);
  });
});

describe('segmentOfFrame', () => {
  it('maps each frame of the title to the segment holding it, from the segments lengths', () => {
    // 25 fps, segments of 6, 6 and 2.04 s: they start at frames 0, 150 and 300.
    const of = segmentOfFrame([seg(1), seg(1), seg(1, 2.04)], 25);
    expect([0, 149, 150, 299, 300, 350, 10_000].map(of)).toEqual([0, 0, 1, 1, 2, 2, 2]);
  });

  it('rounds a start that falls between frames to the nearest frame (29.97 fps, 6.006 s segments)', () => {
    const of = segmentOfFrame([seg(1, 6.006), seg(1, 6.006), seg(1, 6.006)], 30000 / 1001);
    expect([179, 180, 359, 360].map(of)).toEqual([0, 1, 1, 2]);
  });
});
