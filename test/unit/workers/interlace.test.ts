import { describe, expect, it } from 'vitest';
import {
  chooseDeinterlace,
  interlaceReadStartS,
  linesDrawnTwice,
  meanMse,
  parseIdetMetadata,
  type IdetCounts,
} from '../../../workers/measure/interlace.ts';
import { buildInterlaceDetectArgs, deinterlacedRate, deinterlaceFilters } from '../../../ffmpeg/deinterlace.ts';
import { sourceFrameFilters } from '../../../ffmpeg/source-frames.ts';

/** The last frame of `idet,metadata=mode=print` output, as captured from ffmpeg 5.1. */
const idetFrame = (c: Record<string, number>): string =>
  [
    'frame:99   pts:360000  pts_time:4',
    `lavfi.idet.repeated.current_frame=neither`,
    `lavfi.idet.repeated.neither=${c.neither ?? 100}.00`,
    `lavfi.idet.repeated.top=${c.top ?? 0}.00`,
    `lavfi.idet.repeated.bottom=${c.bottom ?? 0}.00`,
    `lavfi.idet.single.current_frame=undetermined`,
    `lavfi.idet.single.tff=${c.singleTff ?? c.tff ?? 0}.00`,
    `lavfi.idet.single.bff=${c.singleBff ?? c.bff ?? 0}.00`,
    `lavfi.idet.single.progressive=${c.singleProgressive ?? c.progressive ?? 0}.00`,
    `lavfi.idet.single.undetermined=${c.singleUndetermined ?? c.undetermined ?? 0}.00`,
    `lavfi.idet.multiple.current_frame=tff`,
    `lavfi.idet.multiple.tff=${c.tff ?? 0}.00`,
    `lavfi.idet.multiple.bff=${c.bff ?? 0}.00`,
    `lavfi.idet.multiple.progressive=${c.progressive ?? 0}.00`,
    `lavfi.idet.multiple.undetermined=${c.undetermined ?? 0}.00`,
    '',
  ].join('\n');

/** Multiple-frame counts; unless given, every decided frame was decided alone too. */
const counts = (c: Partial<IdetCounts>): IdetCounts => ({
  decidedAlone: (c.tff ?? 0) + (c.bff ?? 0) + (c.progressive ?? 0),
  tff: 0,
  bff: 0,
  progressive: 0,
  undetermined: 0,
  repeatedTop: 0,
  repeatedBottom: 0,
  ...c,
});

describe('parseIdetMetadata', () => {
  it("keeps the last frame's running counts", () => {
    const text = idetFrame({ tff: 3 }) + idetFrame({ tff: 100, top: 20, bottom: 20 });
    expect(parseIdetMetadata(text)).toEqual(counts({ tff: 100, repeatedTop: 20, repeatedBottom: 20 }));
  });

  it('counts the frames idet decided alone apart from those its multiple-frame call carried over', () => {
    const text = idetFrame({ bff: 191, undetermined: 1, singleTff: 3, singleBff: 1, singleProgressive: 0, singleUndetermined: 188 });
    expect(parseIdetMetadata(text)).toEqual(counts({ bff: 191, undetermined: 1, decidedAlone: 4 }));
  });

  it('says nothing of an empty file', () => {
    expect(parseIdetMetadata('')).toBeUndefined();
  });
});

describe('chooseDeinterlace on ffmpeg 5.1 figures', () => {
  it('PAL 576i25 camera video (TFF 100 of 100): a frame per field, top first', () => {
    expect(chooseDeinterlace(counts({ tff: 100 }))).toEqual({ filter: 'bwdif', mode: 'send_field', parity: 'tff' });
    expect(chooseDeinterlace(counts({ bff: 90, progressive: 10 }))?.parity).toBe('bff');
  });

  it('3:2 pulldown film (TFF 101, a field repeated in 40 of 100 frames): a frame per frame, keeping 29.97', () => {
    expect(chooseDeinterlace(counts({ tff: 101, repeatedTop: 20, repeatedBottom: 20 }))).toEqual({
      filter: 'bwdif',
      mode: 'send_frame',
      parity: 'tff',
    });
  });

  it('a progressive picture coded interlaced (flagged tt; TFF 34, BFF 34, progressive 33) is left alone', () => {
    expect(chooseDeinterlace(counts({ tff: 34, bff: 34, progressive: 33 }))).toBeUndefined();
  });

  it("kutty's 10 fps screen animation (BFF 191 of 192, carried from 4 frames decided alone) is left alone", () => {
    expect(chooseDeinterlace(counts({ bff: 191, undetermined: 1, decidedAlone: 4 }))).toBeUndefined();
    expect(chooseDeinterlace(counts({ bff: 191, undetermined: 1, decidedAlone: 20 }))?.parity).toBe('bff');
  });

  it('real clips woven top first (44 decided alone of 200) and telecined (146 of 250) are deinterlaced', () => {
    expect(chooseDeinterlace(counts({ tff: 200, decidedAlone: 44 }))?.parity).toBe('tff');
    expect(chooseDeinterlace(counts({ bff: 182, undetermined: 1, decidedAlone: 146 }))?.parity).toBe('bff');
  });

  it('a still or a black leader (nothing decided) and no measurement are left alone', () => {
    expect(chooseDeinterlace(counts({ tff: 5, undetermined: 200 }))).toBeUndefined();
    expect(chooseDeinterlace(undefined)).toBeUndefined();
  });
});

// Pooled luma MSE between the fields and within the top field, 250 frames each, ffmpeg 5.1.
const CYTADELA_OUTRO = { betweenFields: 0.08, withinField: 371.5 };
const WOVEN_50P = { betweenFields: 243.0, withinField: 455.3 };
const INTRO_3D = { betweenFields: 2.649, withinField: 11.733 };

describe('fields that are one line drawn twice', () => {
  it('tells a line-doubled picture from sampled ones, the smooth 3D render included', () => {
    expect(linesDrawnTwice(CYTADELA_OUTRO)).toBe(true);
    expect(linesDrawnTwice({ betweenFields: 1.264, withinField: 497.3 })).toBe(true);
    expect(linesDrawnTwice(WOVEN_50P)).toBe(false);
    expect(linesDrawnTwice(INTRO_3D)).toBe(false);
    // The least alike of 20 woven masters (city, bottom first), and the rocket launch's vertical pan woven top first.
    expect(linesDrawnTwice({ betweenFields: 447.4, withinField: 1629.4 })).toBe(false);
    expect(linesDrawnTwice({ betweenFields: 205.4, withinField: 480.5 })).toBe(false);
  });

  it('takes no decision on a flat stretch', () => {
    expect(linesDrawnTwice({ betweenFields: 0, withinField: 0 })).toBe(false);
  });

  it("overrules idet's interlaced call, and only that one", () => {
    expect(chooseDeinterlace(counts({ bff: 250 }), CYTADELA_OUTRO)).toBeUndefined();
    expect(chooseDeinterlace(counts({ tff: 249 }), WOVEN_50P)).toEqual({ filter: 'bwdif', mode: 'send_field', parity: 'tff' });
    expect(chooseDeinterlace(counts({ bff: 233 }), INTRO_3D)?.parity).toBe('bff');
    expect(chooseDeinterlace(counts({ tff: 100 }), { betweenFields: 0, withinField: 0 })?.parity).toBe('tff');
  });

  it("pools a psnr stats file's frames", () => {
    const stats = 'n:1 mse_avg:0.28 mse_y:0.20 psnr_avg:53.70 psnr_y:55.12 \nn:2 mse_avg:0.30 mse_y:0.40 psnr_avg:53.36 psnr_y:52.11 \n';
    expect(meanMse(stats)).toBeCloseTo(0.3, 10);
    expect(meanMse('')).toBeUndefined();
  });
});

describe('deinterlacing in the one definition of the title frames', () => {
  const field = { filter: 'bwdif', mode: 'send_field', parity: 'tff' } as const;

  it('doubles the rate of field-rate output only', () => {
    expect(deinterlacedRate({ num: 25, den: 1 }, field)).toEqual({ num: 50, den: 1 });
    expect(deinterlacedRate({ num: 30000, den: 1001 }, { ...field, mode: 'send_frame' })).toEqual({ num: 30000, den: 1001 });
    expect(deinterlacedRate({ num: 25, den: 1 }, undefined)).toEqual({ num: 25, den: 1 });
  });

  it('runs bwdif before the fps grid, which is at the field rate', () => {
    expect(deinterlaceFilters(undefined)).toEqual([]);
    const t = { frameRate: { num: 50, den: 1 }, videoStartS: 601.4, videoOffsetS: 0, deinterlace: field };
    expect(sourceFrameFilters(t, { startFrame: 0, endFrame: 100 })).toEqual([
      'bwdif=mode=send_field:parity=tff:deint=all',
      'fps=50/1',
      'trim=end_pts=30170',
      'setpts=PTS-STARTPTS',
    ]);
  });

  it('measures a bounded stretch with idet, and its fields in the same read', () => {
    const fieldStats = { between: '/s/between.txt', within: '/s/within.txt' };
    expect(
      buildInterlaceDetectArgs({
        kind: 'interlace-detect',
        input: '/m.ts',
        seekS: 30,
        frames: 250,
        metadataFile: '/s/idet.txt',
        fieldStats,
      }),
    ).toMatchSnapshot();
    expect(() =>
      buildInterlaceDetectArgs({ kind: 'interlace-detect', input: '/m.ts', seekS: 0, frames: 0, metadataFile: '/s/i', fieldStats }),
    ).toThrow('Expected `frames` to be a positive integer, got 0');
  });
});

describe('interlaceReadStartS', () => {
  it('reads a short title from its start', () => {
    expect(interlaceReadStartS(20, [0, 5, 10])).toBe(0);
  });

  it('starts on the first keyframe of the second quarter, not between keyframes', () => {
    // A quarter of 80 s is 20 s: the keyframe at 21 s, not 20 s itself (a seek there decodes from 12 s).
    expect(interlaceReadStartS(80, [0, 12, 21, 30, 60])).toBe(21);
  });

  it('takes the last keyframe before the quarter when the second quarter has none', () => {
    expect(interlaceReadStartS(80, [0, 12, 45, 60])).toBe(12);
    expect(interlaceReadStartS(80, [0, 20, 45])).toBe(20);
  });

  it('falls back to the quarter itself without a keyframe index', () => {
    expect(interlaceReadStartS(80, [])).toBe(20);
  });
});
