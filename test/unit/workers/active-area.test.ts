import { describe, expect, it } from 'vitest';
import {
  chooseActiveArea,
  parseCropdetectMetadata,
  pictureBounds,
  withFilledLines,
  type CropMeasurement,
  type LineBounds,
} from '../../../workers/measure/active-area.ts';
import { activeCodedSize, activeDisplaySize } from '../../../ffmpeg/probe.ts';
import { EDGE_NOISE, FULL_FRAME, PILLARBOX_4_3, SCOPE_WITH_FADE_IN, XINE_LOGO_EDGES, XINE_LOGO_FILLED } from './cropdetect-fixture.ts';

const HD = { width: 1920, height: 1080 };

/** A keyframe whose picture spans x1..x2, y1..y2 (inclusive), at `timeS`. */
const kf = (timeS: number, x1: number, x2: number, y1: number, y2: number): CropMeasurement => ({ timeS, x1, x2, y1, y2 });
const BLACK = (timeS: number): CropMeasurement => kf(timeS, 1919, 0, 1079, 0);

describe('parseCropdetectMetadata', () => {
  it('reads each keyframe’s picture edges and time, black ones included', () => {
    expect(parseCropdetectMetadata(SCOPE_WITH_FADE_IN)).toEqual([
      { timeS: 0, x1: 1919, x2: 0, y1: 1079, y2: 0 },
      { timeS: 1, x1: 0, x2: 1919, y1: 138, y2: 941 },
      { timeS: 2, x1: 0, x2: 1919, y1: 138, y2: 941 },
    ]);
  });

  it('leaves out a frame cut off before all four edges were printed', () => {
    const cut = 'frame:0    pts:0       pts_time:0\nlavfi.cropdetect.x1=0\nlavfi.cropdetect.x2=1919\n';
    expect(parseCropdetectMetadata(cut + PILLARBOX_4_3.trim())).toHaveLength(2);
    expect(parseCropdetectMetadata('')).toEqual([]);
  });
});

describe('chooseActiveArea on captured cropdetect output', () => {
  it('2.39:1 letterbox inside 16:9: keeps 1920x804 at y=138, ignoring the black fade-in keyframe', () => {
    expect(chooseActiveArea(HD, parseCropdetectMetadata(SCOPE_WITH_FADE_IN))).toEqual({ x: 0, y: 138, width: 1920, height: 804 });
  });

  it('4:3 pillarbox inside 16:9: keeps 1440x1080 at x=240', () => {
    expect(chooseActiveArea(HD, parseCropdetectMetadata(PILLARBOX_4_3))).toEqual({ x: 240, y: 0, width: 1440, height: 1080 });
  });

  it('no bars: nothing to crop', () => {
    expect(chooseActiveArea(HD, parseCropdetectMetadata(FULL_FRAME))).toBeUndefined();
  });

  it('dark lines at the edges (10 of 1080 rows, 10 of 1920 columns) are below the threshold: nothing to crop', () => {
    const m = parseCropdetectMetadata(EDGE_NOISE);
    expect(pictureBounds(m)).toEqual({ x1: 10, x2: 1919, y1: 6, y2: 1075 });
    expect(chooseActiveArea(HD, m)).toBeUndefined();
  });
});

describe('chooseActiveArea decisions', () => {
  it('takes the box holding every keyframe’s picture: subtitles burnt into the lower bar in most keyframes are kept', () => {
    const m = [kf(0, 0, 1919, 138, 1000), kf(2, 300, 1600, 140, 1000), kf(4, 0, 1919, 150, 930)];
    expect(chooseActiveArea(HD, m)).toEqual({ x: 0, y: 138, width: 1920, height: 862 });
  });

  it('subtitles in the lower bar in a few keyframes: that edge is no bar’s, so the axis is left whole', () => {
    const m = [kf(0, 0, 1919, 138, 941), kf(2, 300, 1600, 140, 1000), kf(4, 0, 1919, 150, 930)];
    expect(chooseActiveArea(HD, m)).toBeUndefined();
  });

  it('content scattered on black is not bars: Debian’s retroMars2018.avi (planets and labels on black) is not cropped', () => {
    const frame = { width: 1024, height: 768 };
    // Its three keyframes as the pixel test reads them: labels and planets reach columns 20 to 759.
    const pixels = [kf(0, 22, 759, 25, 689), kf(1.2, 22, 733, 24, 417), kf(2.4, 20, 735, 25, 747)];
    expect(chooseActiveArea(frame, pixels)).toBeUndefined();
    // As the mean of each line read them (the former test): a 506x712 box that cut labels and planets off.
    const means = [kf(0, 37, 539, 26, 738), kf(1.2, 488, 536, 26, 400), kf(2.4, 488, 543, 26, 407)];
    expect(chooseActiveArea(frame, means)).toBeUndefined();
    expect(chooseActiveArea(frame, means, { edgeToleranceShare: 0.5 })).toEqual({ x: 38, y: 26, width: 506, height: 712 });
  });

  it('a bar’s edge is reached by most keyframes, within a hundredth of the axis: dark keyframes inside it do not matter', () => {
    const m = [kf(0, 0, 1919, 138, 941), kf(2, 0, 1919, 146, 935), kf(4, 0, 1919, 300, 700)];
    expect(chooseActiveArea(HD, m)).toEqual({ x: 0, y: 138, width: 1920, height: 804 });
    // The same bars reached by one keyframe in three: not enough to call them bars.
    expect(chooseActiveArea(HD, [m[0]!, kf(2, 0, 1919, 160, 920), kf(4, 0, 1919, 300, 700)])).toBeUndefined();
  });

  it('a full-frame keyframe (a studio logo before the film) means there are no bars to crop', () => {
    expect(chooseActiveArea(HD, [kf(0, 0, 1919, 0, 1079), kf(2, 0, 1919, 138, 941)])).toBeUndefined();
  });

  it('a title whose every keyframe is black is not cropped', () => {
    expect(chooseActiveArea(HD, [BLACK(0), BLACK(2)])).toBeUndefined();
    expect(chooseActiveArea(HD, [])).toBeUndefined();
  });

  it('crops each axis on its own: letterbox bars are cut, a few dark columns at the side are kept', () => {
    expect(chooseActiveArea(HD, [kf(0, 8, 1915, 138, 941)])).toEqual({ x: 0, y: 138, width: 1920, height: 804 });
  });

  it('1.85:1 inside 16:9 (3.9% of bars) is cropped; 2.9% is not', () => {
    expect(chooseActiveArea(HD, [kf(0, 0, 1919, 21, 1058)])).toEqual({ x: 0, y: 22, width: 1920, height: 1036 });
    expect(chooseActiveArea(HD, [kf(0, 0, 1919, 16, 1064)])).toBeUndefined();
  });

  it('odd edges round inwards to even offsets and sizes, never keeping a line of black', () => {
    const a = chooseActiveArea(HD, [kf(0, 0, 1919, 137, 942)]);
    expect(a).toEqual({ x: 0, y: 138, width: 1920, height: 804 });
  });

  it('keeps sizes even when an axis is left whole in an odd-sized frame', () => {
    expect(chooseActiveArea({ width: 721, height: 480 }, [kf(0, 0, 720, 60, 419)])).toEqual({ x: 0, y: 60, width: 720, height: 360 });
  });

  it('does not crop to a sliver: dark content (a credit roll in the middle third) is not bars', () => {
    expect(chooseActiveArea(HD, [kf(0, 700, 1219, 0, 1079)])).toBeUndefined();
  });

  it('validates its options, naming the field and the value', () => {
    expect(() => chooseActiveArea(HD, [], { minBarShare: 1.5 })).toThrow('Expected `minBarShare` to be a number in [0, 1), got 1.5');
    expect(() => chooseActiveArea(HD, [], { minPictureShare: Number.NaN })).toThrow(/`minPictureShare`.*NaN/);
    expect(() => chooseActiveArea(HD, [], { edgeToleranceShare: -0.1 })).toThrow(/`edgeToleranceShare`.*-0.1/);
  });
});

describe('chooseActiveArea with the filled lines: the line next to a bar is the picture’s own', () => {
  /** A keyframe as `kf`, with its filled lines. */
  const kff = (timeS: number, edges: LineBounds, filled: LineBounds): CropMeasurement => ({ timeS, ...edges, filled });
  const SCOPE = { x1: 0, x2: 1919, y1: 138, y2: 941 };

  it('a logo on black with the same edges in every keyframe is not cropped: Debian’s xine-ui_logo.mpg', () => {
    const frame = { width: 600, height: 450 };
    const edges = parseCropdetectMetadata(XINE_LOGO_EDGES);
    const measured = withFilledLines(edges, parseCropdetectMetadata(XINE_LOGO_FILLED));
    expect(measured?.map((m) => m.filled)).toEqual([
      { x1: 599, x2: 0, y1: 169, y2: 278 },
      { x1: 599, x2: 0, y1: 169, y2: 278 },
      { x1: 599, x2: 0, y1: 169, y2: 278 },
    ]);
    expect(chooseActiveArea(frame, measured ?? [])).toBeUndefined();
    // By its picture's edges alone, the 552x260 box it was encoded in, its black above and beside the logo cut off.
    expect(chooseActiveArea(frame, edges)).toEqual({ x: 22, y: 170, width: 552, height: 260 });
  });

  it('letterbox bars whose picture fills its first and last lines are cropped, and pillar bars alike', () => {
    const m = [kff(0, SCOPE, SCOPE), kff(2, SCOPE, { ...SCOPE, y1: 140 }), kff(4, SCOPE, { x1: 0, x2: 1919, y1: 400, y2: 700 })];
    expect(chooseActiveArea(HD, m)).toEqual({ x: 0, y: 138, width: 1920, height: 804 });
    const pillar = { x1: 240, x2: 1679, y1: 0, y2: 1079 };
    expect(chooseActiveArea(HD, [kff(0, pillar, pillar), kff(2, pillar, pillar)])).toEqual({ x: 240, y: 0, width: 1440, height: 1080 });
  });

  it('an edge whose line is filled in only one keyframe in three is no bar’s: the axis is left whole', () => {
    const sparse = { x1: 0, x2: 1919, y1: 300, y2: 800 };
    const m = [kff(0, SCOPE, SCOPE), kff(2, SCOPE, sparse), kff(4, SCOPE, { x1: 1919, x2: 0, y1: 1079, y2: 0 })];
    expect(chooseActiveArea(HD, m)).toBeUndefined();
  });

  it('a side without a bar asks nothing of its line: a bar on one side is cropped when the other’s line is filled', () => {
    const lowerBar = { x1: 0, x2: 1919, y1: 0, y2: 899 };
    const m = [kff(0, lowerBar, { ...lowerBar, y1: 500 }), kff(2, lowerBar, { ...lowerBar, y1: 20 })];
    expect(chooseActiveArea(HD, m)).toEqual({ x: 0, y: 0, width: 1920, height: 900 });
  });

  it('pairs the two reads by keyframe, and gives nothing when they list different keyframes', () => {
    const edges = [kf(0, 0, 1919, 138, 941), kf(2, 0, 1919, 138, 941)];
    expect(withFilledLines(edges, [kf(0, 0, 1919, 140, 939), kf(2, 0, 1919, 138, 941)])?.[0]?.filled).toEqual({
      x1: 0,
      x2: 1919,
      y1: 140,
      y2: 939,
    });
    expect(withFilledLines(edges, [kf(0, 0, 1919, 138, 941)])).toBeUndefined();
    expect(withFilledLines(edges, [kf(0, 0, 1919, 138, 941), kf(3, 0, 1919, 138, 941)])).toBeUndefined();
  });
});

describe('active sizes of a probed video', () => {
  const video = { width: 1920, height: 1080, displayWidth: 1920, displayHeight: 1080 };

  it('without bars: the coded and display sizes, unchanged', () => {
    expect(activeCodedSize(video)).toEqual({ width: 1920, height: 1080 });
    expect(activeDisplaySize(video)).toEqual({ width: 1920, height: 1080 });
  });

  it('letterboxed: the active area', () => {
    const v = { ...video, activeArea: { x: 0, y: 138, width: 1920, height: 804 } };
    expect(activeCodedSize(v)).toEqual({ width: 1920, height: 804 });
    expect(activeDisplaySize(v)).toEqual({ width: 1920, height: 804 });
  });

  it('anamorphic (720x576 coded, 16:9 display) letterboxed: the active width times the sample aspect ratio', () => {
    const v = { width: 720, height: 576, displayWidth: 1024, displayHeight: 576, activeArea: { x: 0, y: 72, width: 720, height: 432 } };
    expect(activeCodedSize(v)).toEqual({ width: 720, height: 432 });
    expect(activeDisplaySize(v)).toEqual({ width: 1024, height: 432 });
  });
});
