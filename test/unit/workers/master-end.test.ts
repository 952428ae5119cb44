import { describe, expect, it } from 'vitest';
import { contiguousEndS, END_SLACK_S, parsePacketSpans, reachesEnd, statedEndS, tailSeeksS } from '../../../workers/measure/master-end.ts';

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

describe('contiguousEndS: where picture and sound really end, past the stated end', () => {
  // 30 fps frames from `fromS` to `toS`, each a slot long.
  const frames = (fromS: number, toS: number) =>
    Array.from({ length: Math.round((toS - fromS) * 30) }, (_, k) => ({ startS: fromS + k / 30, endS: fromS + (k + 1) / 30 }));

  it('follows packets that run on without a break (an ASF stating 4.41 s for 6.44 s)', () => {
    expect(contiguousEndS(frames(2.4, 6.44), 4.41)).toBeCloseTo(6.44, 1);
  });

  it('stops at the stated end where the packets do', () => {
    expect(contiguousEndS(frames(2.4, 4.41), 4.41)).toBeCloseTo(4.41, 1);
  });

  it('leaves out a packet after a gap the title could not have (a broken timestamp far out)', () => {
    const spans = [...frames(2.4, 4.41), { startS: 72054, endS: 72054.04 }];
    expect(contiguousEndS(spans, 4.41)).toBeCloseTo(4.41, 1);
    // A gap of a few seconds is a sparse variable-rate picture: it still counts.
    expect(contiguousEndS([...frames(2.4, 4.41), { startS: 4.41 + END_SLACK_S - 0.5, endS: 9 }], 4.41)).toBe(9);
  });

  it('takes packets in time order, whatever order they were read in, and the stated end from none', () => {
    expect(contiguousEndS([...frames(2.4, 6.44)].reverse(), 4.41)).toBeCloseTo(6.44, 1);
    expect(contiguousEndS([], 4.41)).toBe(4.41);
  });

  it('follows on from the stated end where the first packets read carry no time (a raw MPEG-1 stream stating 9 ms for 20 s)', () => {
    expect(contiguousEndS(frames(0.08, 19.96), 0.009)).toBeCloseTo(19.96, 1);
  });
});

describe('parsePacketSpans: the packets of the streams the title ships', () => {
  it('keeps the first video and the audio streams asked for, by their place among their kind', () => {
    const csv = [
      'packet,audio,0,1.000000,1.000000,0.023220,K_',
      'packet,video,1,1.000000,1.000000,0.033333,K_',
      'packet,audio,2,1.500000,1.500000,0.023220,K_',
      'packet,data,3,9.000000,9.000000,0.033333,K_',
      'stream,0,audio',
      'stream,1,video',
      'stream,2,audio',
      'stream,3,data',
    ].join('\n');
    expect(parsePacketSpans(csv, [0])).toEqual([
      { startS: 1, endS: 1.02322 },
      { startS: 1, endS: 1 + 0.033333 },
    ]);
    expect(parsePacketSpans(csv, [1]).map((s) => s.startS)).toEqual([1, 1.5]);
  });

  it('leaves out edit-list discards, shows untimed last packets after the last timed one, and one without a duration as a point', () => {
    const csv = [
      'packet,video,0,8.033333,8.033333,0.033333,__',
      'packet,video,0,8.066667,8.066667,0.033333,_D',
      'packet,video,0,N/A,N/A,0.033333,__',
      'packet,video,0,N/A,8.133333,0.033333,__',
      'packet,audio,1,8.100000,8.100000,N/A,K_',
      'stream,0,video',
      'stream,1,audio',
    ].join('\n');
    const spans = parsePacketSpans(csv, [0]);
    expect(spans.map((x) => x.startS)).toEqual([8.033333, 8.033333 + 0.033333, 8.133333, 8.1]);
    expect(spans.map((x) => x.endS - x.startS)).toEqual([0.033333, 0.033333, 0.033333, 0].map((d) => expect.closeTo(d, 9)));
  });

  it("places a multiplex's streams by index, though it lists them under each programme first", () => {
    const csv = [
      'packet,video,17,5.000000,5.000000,0.040000,K_',
      'packet,video,1,1.000000,1.000000,0.040000,K_',
      'program,stream,17,video,side_data,',
      'stream,2,audio',
      'program,stream,1,video,side_data,',
      'stream,2,audio',
      'stream,1,video,side_data,',
      'stream,2,audio',
      'stream,17,video,side_data,',
    ].join('\n');
    expect(parsePacketSpans(csv, []).map((s) => s.startS)).toEqual([1]);
  });
});
