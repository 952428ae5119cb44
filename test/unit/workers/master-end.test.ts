import { describe, expect, it } from 'vitest';
import { END_SLACK_S, reachesEnd, statedEndS, tailSeeksS } from '../../../workers/measure/master-end.ts';

/** What `statedEndS` reads of a probe: the video's start, its offset from the file's start, the format's duration. */
const probe = (videoStartS: number, videoOffsetS: number, durationS: number) => ({
  durationS,
  videoOffsetS,
  video: { startTimeS: videoStartS } as never,
});

describe('statedEndS: where the master says it ends, in its own timestamps', () => {
  it('an MP4 from 0: its duration', () => {
    expect(statedEndS(probe(0, 0, 20))).toBe(20);
  });

  it('an MPEG-TS written with -output_ts_offset 600: 600 s later, not at its duration (a seek there read its first frame)', () => {
    // Audio leads the video by 5.3 ms: the file starts with the audio.
    expect(statedEndS(probe(601.4, 0.005333, 6.005333))).toBeCloseTo(607.4, 6);
  });

  it('an MPEG-TS whose 33-bit clock wraps: ffmpeg unwraps it to a negative start, and the end is before the duration', () => {
    expect(statedEndS(probe(-2.317689, 0.005333, 8.005333))).toBeCloseTo(5.682311, 6);
  });
});

describe('tailSeeksS', () => {
  it('reads 2 s before the end first, then a GOP earlier for a stream that cannot seek to a keyframe', () => {
    expect(tailSeeksS(607.4)).toEqual([605.4, 595.4]);
  });
});

describe('reachesEnd', () => {
  it('the channels corpus clip (keyframes 31 s apart): decoded from its last keyframe to the end of the file, it passes', () => {
    const frames = Array.from({ length: 122 }, (_, i) => 31.25 + i / 8);
    expect(reachesEnd(frames, 46.625)).toBe(true);
    // What a 2-second read from that keyframe saw: far from the end, refused as truncated before.
    expect(reachesEnd(frames.slice(0, 15), 46.625)).toBe(false);
  });

  it('a Matroska master cut to 40% whose seek fell back to its start: its 8 s of frames do not pass for the tail of 20 s', () => {
    expect(
      reachesEnd(
        Array.from({ length: 200 }, (_, i) => i / 25),
        20,
      ),
    ).toBe(false);
  });

  it(`a video that stops up to ${END_SLACK_S} s before a longer audio track passes; nothing, or timestamps that are not numbers, do not`, () => {
    expect(reachesEnd([10, 15], 20)).toBe(true);
    expect(reachesEnd([14.9], 20)).toBe(false);
    expect(reachesEnd([], 20)).toBe(false);
    expect(reachesEnd([Number.NaN, -Infinity], 20)).toBe(false);
  });
});
