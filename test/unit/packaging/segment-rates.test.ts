import { describe, expect, it } from 'vitest';
import { peakSegmentBps, targetDuration, type Segment } from '../../../packaging/model.ts';

/** A segment of `durationS` at `mbps` Mbit/s. */
const seg = (durationS: number, mbps = 1): Segment => ({ name: 'x.m4s', durationS, bytes: (durationS * mbps * 1e6) / 8 });

describe('segment durations and rates', () => {
  it('TARGETDURATION is the largest EXTINF rounded to the nearest integer (RFC 8216 4.3.3.1)', () => {
    expect(targetDuration({ segments: [seg(6.006), seg(6.006), seg(2)] })).toBe(6);
    expect(targetDuration({ segments: [seg(6), seg(6.5), seg(1)] })).toBe(7);
    expect(targetDuration({ segments: [seg(0.4)] })).toBe(1);
  });

  // RFC 8216 4.1: the peak is over contiguous runs of 0.5 to 1.5 target durations. A short
  // segment alone (a chunk ending off the segment grid, a title's last fraction of a second) is
  // no such run: it counts with its neighbours.
  it('a short segment counts in runs with its neighbours, not alone', () => {
    // 6 s at 1, 2 s at 3, 6 s at 1 Mbit/s: runs of 3-9 s are 6, 2+6 and 6+2 s; the 2 s alone is not one.
    expect(peakSegmentBps({ segments: [seg(6, 1), seg(2, 3), seg(6, 1)] })).toBeCloseTo(1.5e6, 3);
    // A 0.5 s last segment at 10 Mbit/s: 6.5 s with the one before.
    expect(peakSegmentBps({ segments: [seg(6, 1), seg(6, 1), seg(0.5, 10)] })).toBeCloseTo(((6 + 5) / 6.5) * 1e6, 3);
    // A 0.4 s title (target 1 s) makes no run of 0.5-1.5 s: its whole rate.
    expect(peakSegmentBps({ segments: [seg(0.4, 2)] })).toBeCloseTo(2e6, 3);
    // A 4 s and a 2 s segment at 6 s: the 4 s alone, and both together.
    expect(peakSegmentBps({ segments: [seg(6, 1), seg(4, 2), seg(2, 5)] })).toBeCloseTo(3e6, 3);
  });
});
