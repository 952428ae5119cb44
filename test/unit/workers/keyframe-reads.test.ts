import { describe, expect, it } from 'vitest';
import { keyframeAtOrBefore, longestKeyframeGapS, readsFromStart } from '../../../workers/measure/keyframes.ts';
import { firstListedTimeS } from '../../../workers/measure/parse.ts';

describe('the keyframe a window is read from', () => {
  it('is the last keyframe at or before the window, never the title start', () => {
    const keys = [0, 9.960002, 14.560002, 24.520002];
    expect(keyframeAtOrBefore(keys, 14.560002)).toBe(14.560002);
    expect(keyframeAtOrBefore(keys, 20)).toBe(14.560002);
    expect(keyframeAtOrBefore([24.520002, 9.960002], 30)).toBe(24.520002);
    // Before the first keyframe after the start, a window is read from the title's start as before.
    expect(keyframeAtOrBefore(keys, 5)).toBeUndefined();
    expect(keyframeAtOrBefore([], 5)).toBeUndefined();
  });

  it("reads the first listed frame's time from metadata=mode=print", () => {
    const listed = 'frame:0    pts:432000  pts_time:4.8\nvodforge.frame=1\nframe:1    pts:435600  pts_time:4.84\nvodforge.frame=1\n';
    expect(firstListedTimeS(listed)).toBe(4.8);
    expect(firstListedTimeS('')).toBeUndefined();
  });
});

describe('longestKeyframeGapS', () => {
  it('is the longest run from a keyframe to the next, or to the end, and unknown without keyframes', () => {
    expect(longestKeyframeGapS([0, 2, 4, 10], 12)).toBe(6);
    // A browser's MediaRecorder: one keyframe, the whole title after it.
    expect(longestKeyframeGapS([0.007], 180)).toBeCloseTo(179.993, 6);
    expect(longestKeyframeGapS([], 30)).toBeUndefined();
  });
});

describe('readsFromStart', () => {
  const rate = { frameRate: { num: 30, den: 1 } };
  it('is true for a master whose keyframes are no entry points, and for one keyframe', () => {
    expect(readsFromStart({ ...rate, decodeFromStart: true, keyframeGapS: 2 }, 60)).toBe(true);
    // A live WebM: its one keyframe, nudged a microsecond for seeks, runs to the video's end.
    expect(readsFromStart({ ...rate, keyframeGapS: 8.002998, endS: 8.003 }, 8.021)).toBe(true);
    expect(readsFromStart({ ...rate, keyframeGapS: 60 }, 60)).toBe(true);
  });

  it('is false for a master with a second keyframe, or whose keyframes are unknown', () => {
    // A second keyframe on the last frame.
    expect(readsFromStart({ ...rate, keyframeGapS: 60 - 1 / 30, endS: 60 }, 60)).toBe(false);
    expect(readsFromStart({ ...rate, keyframeGapS: 2, endS: 60 }, 60)).toBe(false);
    expect(readsFromStart(rate, 60)).toBe(false);
  });
});
