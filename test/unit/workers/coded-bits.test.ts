import { describe, expect, it } from 'vitest';
import { addCodedStretch, frameLosses, listedTimesS, parseFramecrc, type CodedPacket } from '../../../workers/measure/coded-bits.ts';
import type { CodedSecond } from '../../../ladder/coded-rate.ts';
import { pickedFrames } from '../../../ffmpeg/frame-pick.ts';

/** `framecrc` of x264 at 160 px over berusky2's MPEG-1 intro, as ffmpeg 5.1 lists it (decode order, B-frames after their references). */
const FRAMECRC = [
  '#software: Lavf59.27.100',
  '#tb 0: 1/25',
  '#media_type 0: video',
  '#codec_id 0: h264',
  '#dimensions 0: 160x128',
  '#sar 0: 178/163',
  '0,         -6,          0,        1,      781, 0xe33c0890, S=1,        8',
  '0,         -3,         12,        1,       16, 0x1f6d0575, F=0x0, S=1,        8',
  '0,          0,          6,        1,       13, 0x10db0396, F=0x0, S=1,        8',
  '0,          3,          3,        1,       12, 0x0cd5037a, F=0x0, S=1,        8',
  '0,          6,          9,        1,       12, 0x0ce1037c, F=0x0, S=1,        8',
  '',
].join('\n');

const metadata = (times: readonly number[]): string =>
  times.map((t, i) => `frame:${i}    pts:${Math.round(t * 90000)}  pts_time:${t}\nlavfi.siti.si=10.0\nlavfi.siti.ti=1.0`).join('\n');

const key = (bytes: number): CodedPacket => ({ bytes, key: true });
const inter = (bytes: number): CodedPacket => ({ bytes, key: false });

describe('parseFramecrc', () => {
  it('lists each stream’s packets in presentation order, keyframes by their missing flags', () => {
    expect(parseFramecrc(FRAMECRC)).toEqual(new Map([[0, [key(781), inter(12), inter(13), inter(12), inter(16)]]]));
  });

  it('keeps streams apart, a burst each', () => {
    const two = `${FRAMECRC}1,          0,          0,        1,      500, 0x0\n1,          1,          1,        1,       20, 0x0, F=0x0\n`;
    expect(parseFramecrc(two).get(1)).toEqual([key(500), inter(20)]);
    expect(parseFramecrc('#tb 0: 1/25\n').size).toBe(0);
  });
});

describe('listedTimesS', () => {
  it('reads every listed frame’s time, less the start', () => {
    expect(listedTimesS(metadata([1.5, 1.62, 1.74]), 0.5)).toEqual([1, 1.12, 1.24].map((t) => expect.closeTo(t, 9)));
  });
});

describe('addCodedStretch', () => {
  const empty = (n: number): (CodedSecond | null)[] => Array.from({ length: n }, () => null);

  it('puts each packet in the second its frame starts in, covering until the next frame', () => {
    const seconds = empty(3);
    expect(addCodedStretch(seconds, [0, 0.5, 1, 1.5], [key(0), inter(10), inter(20), inter(30)])).toBe(true);
    expect(seconds).toEqual([{ bits: 80, coveredS: 1 }, { bits: 400, coveredS: 1 }, null]);
  });

  it("spreads a keyframe's bits over its GOP by each frame's time, wherever the keyframe falls", () => {
    // Two GOPs of 2 s: keyframes at 0 and 1.9 s (a variable-rate clip), 800 and 1600 bits.
    const seconds = empty(4);
    addCodedStretch(
      seconds,
      [0, 0.5, 1, 1.5, 1.9, 2.5, 3, 3.5],
      [key(100), inter(0), inter(0), inter(0), key(200), inter(0), inter(0), inter(0)],
    );
    const gop1 = (s: number) => (800 * s) / 1.9;
    const gop2 = (s: number) => (1600 * s) / 2.1;
    expect(seconds.map((s) => s?.bits)).toEqual([gop1(1), gop1(0.9) + gop2(0.6), gop2(0.5), gop2(1)].map((b) => expect.closeTo(b, 6)));
  });

  it('leaves out frames before the stretch and a listing that does not pair with its frames', () => {
    const seconds = empty(3);
    expect(addCodedStretch(seconds, [0.9, 1, 1.5], [inter(999), inter(20), inter(30)], 1)).toBe(true);
    expect(seconds[0]).toBeNull();
    expect(seconds[1]).toEqual({ bits: 400, coveredS: 1 });
    const untouched = empty(2);
    expect(addCodedStretch(untouched, [0, 0.5], [key(100)])).toBe(false);
    expect(untouched).toEqual([null, null]);
  });
});

describe('frameLosses', () => {
  it("puts each compared frame's MSE on the frame it was, in the pick's order", () => {
    const picked = pickedFrames(8, 2);
    const losses = frameLosses(
      picked.map((n) => n * 10),
      8,
      2,
    );
    expect(losses).toHaveLength(8);
    for (let n = 0; n < 8; n++) expect(losses?.[n]).toBe(picked.includes(n) ? n * 10 : undefined);
  });

  it('is nothing when the counts do not pair', () => {
    expect(frameLosses([1, 2], 8, 2)).toBeUndefined();
    expect(frameLosses([], 0, 2)).toBeUndefined();
  });
});

describe('addCodedStretch with losses', () => {
  it("adds each compared frame's MSE for the time it lasts, and that time, to its second", () => {
    const seconds: (CodedSecond | null)[] = [null, null];
    addCodedStretch(seconds, [0, 0.5, 1, 1.5], [key(0), inter(10), inter(20), inter(30)], -Infinity, [4, undefined, 8, 2]);
    expect(seconds[0]).toMatchObject({ mseS: 2, comparedS: 0.5 });
    expect(seconds[1]).toMatchObject({ mseS: 5, comparedS: 1 });
  });
});
