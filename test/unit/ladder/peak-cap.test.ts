import { describe, expect, it } from 'vitest';
import { segmentOfFrame, segmentsOverCap } from '../../../ladder/peak-cap.ts';

/** A 6 s segment at `kbps`. */
const seg = (kbps: number, durationS = 6) => ({ durationS, bytes: (kbps * 1000 * durationS) / 8 });

describe('segmentsOverCap', () => {
  it('marks the segments that spent more than the cap over their length, and only those', () => {
    // A 200 kbit/s rung capped at 1.5x: 300 kbit/s.
    expect(segmentsOverCap([seg(150), seg(300), seg(301), seg(390, 3), seg(0)], 200, 1.5, 3)).toEqual([false, false, true, true, false]);
  });

  it('counts a segment shorter than the least length, or of none, as under the cap', () => {
    // A title's last 0.08 s: one keyframe, 24 times the rung's rate.
    expect(segmentsOverCap([seg(300), seg(4800, 0.08)], 200, 1.5, 3)).toEqual([false, false]);
    expect(segmentsOverCap([{ durationS: 0, bytes: 1000 }], 200, 1.5, 0)).toEqual([false]);
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
