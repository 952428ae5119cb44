import { describe, expect, it } from 'vitest';
import { ENTRY_POINT_PROBES, entryPointProbes, hasDecodeErrors } from '../../../workers/measure/entry-points.ts';

describe('which keyframes a read is tried from', () => {
  it('never the first, and every later one when there are few', () => {
    expect(entryPointProbes([0])).toEqual([]);
    expect(entryPointProbes([7.25, 0, 3.8])).toEqual([3.8, 7.25]);
  });

  it('a few spread over the title when there are many, the same ones every time', () => {
    const keyframes = Array.from({ length: 61 }, (_, i) => i * 2);
    const picked = entryPointProbes(keyframes);
    expect(picked).toHaveLength(ENTRY_POINT_PROBES);
    expect(picked).toEqual([30, 76, 104]);
    expect(entryPointProbes(keyframes)).toEqual(picked);
  });

  it('not all on one beat of a master whose keyframes repeat a pattern, as an even grid would be', () => {
    // The real cockatoo clip looped 12 times: an IDR every 14 s, flagged I-frames at 3.8 and 7.25 s of each loop.
    const keyframes = Array.from({ length: 12 }, (_, loop) => [0, 3.8, 7.25].map((t) => loop * 14 + t)).flat();
    const beats = entryPointProbes(keyframes).map((k) => Math.round((k % 14) * 100) / 100);
    expect(beats.some((b) => b !== 0)).toBe(true);
    expect(entryPointProbes(keyframes, 50)).toHaveLength(keyframes.length - 1);
  });
});

describe('what a decode from a keyframe says', () => {
  it('missing references and undecodable macroblocks are errors', () => {
    // ffmpeg 5.1 from a seek to cockatoo.mp4's I-frame at 3.8 s, which is no IDR.
    expect(
      hasDecodeErrors(
        '[h264 @ 0x55] top block unavailable for requested intra mode -1\n[h264 @ 0x55] error while decoding MB 21 0, bytestream 4895\n',
      ),
    ).toBe(true);
    expect(hasDecodeErrors('[h264 @ 0x55] Reference 6 >= 4\n')).toBe(true);
    expect(hasDecodeErrors('[h264 @ 0x55] concealing 3600 DC, 3600 AC, 3600 MV errors in P frame\n')).toBe(true);
    expect(hasDecodeErrors('/m.mp4: corrupt decoded frame in stream 0\n')).toBe(true);
  });

  it('an open GOP\u2019s leading B-frames, shown before the keyframe, are not', () => {
    expect(hasDecodeErrors('[h264 @ 0x56] co located POCs unavailable\n')).toBe(false);
    expect(hasDecodeErrors('')).toBe(false);
  });
});
