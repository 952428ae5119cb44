import { describe, expect, it } from 'vitest';
import { presentationTimes } from '../../../workers/measure/untimed-tail.ts';

const p = (ptsS: number, dtsS: number, durationS = 1 / 30) => ({ ptsS, dtsS, durationS });

describe('presentationTimes: when untimed packets are shown', () => {
  it("shows an MPEG program stream's untimed last packets after its last timed frame, one after another", () => {
    // intro-3d.mpg's tail: the last timed frame at 73.333 s (decoded at 73.300), four untimed packets after it.
    const tail = [p(73.3, 73.266667), p(73.333333, 73.3), p(NaN, 73.333333), p(NaN, 73.366667), p(NaN, 73.4), p(NaN, 73.433333)];
    const shown = presentationTimes(tail);
    expect(shown.slice(0, 2)).toEqual([73.3, 73.333333]);
    // What a decode through ffmpeg gives them: 73.367 to 73.467, so the video ends at 73.5 (at 73.467 by their decoding times).
    expect(shown.slice(2).map((t) => Math.round(t * 30))).toEqual([2201, 2202, 2203, 2204]);
  });

  it('keeps decoding times for untimed packets between timed ones (packed B-frames mid-stream)', () => {
    expect(presentationTimes([p(NaN, 0), p(0.1, 0.1), p(NaN, 0.133333), p(0.2, 0.2)])).toEqual([0, 0.1, 0.133333, 0.2]);
  });

  it('leaves a stream with no timed packet at its decoding times, and NaN where there is neither', () => {
    expect(presentationTimes([p(NaN, 0), p(NaN, 0.04)])).toEqual([0, 0.04]);
    expect(presentationTimes([p(NaN, NaN)])).toEqual([NaN]);
  });

  it('never shows an untimed packet before it is decoded', () => {
    // The last timed frame ends at 1.0 s, the untimed one is decoded at 2.0 s.
    expect(presentationTimes([p(0.966667, 0.966667), p(NaN, 2)])).toEqual([0.966667, 2]);
  });
});
