import { masterInputOptions } from '../../../ffmpeg/master-input.ts';
import { describe, expect, it } from 'vitest';
import {
  firstSlot,
  picturedS,
  slotShift,
  framesOf,
  sourceFrameFilters,
  sourceInputArgs,
  sourceSeekS,
  timelineOf,
  titleFrameCount,
  SEEK_LEAD_S,
} from '../../../ffmpeg/source-frames.ts';
import { chooseSampleWindows } from '../../../ladder/sample-windows.ts';
import { wholeTitle } from '../../../workers/jobs/measure-rungs.ts';
import { videoExtentS } from '../../../ffmpeg/probe.ts';

/** The timeline of a probe given only the fields it reads. */
const timelineOfProbe = (probe: object) => timelineOf(probe as Parameters<typeof timelineOf>[0]);

const NTSC = { num: 30000, den: 1001 };

describe('frame timeline', () => {
  it('takes frame 0 from the first decoded frame, not the container start, and seeks from the file start', () => {
    const probe = { videoOffsetS: 0.2, video: { frameRate: NTSC, startTimeS: 1.4, firstFrameS: 1.4334 } } as const;
    const t = timelineOfProbe(probe);
    expect(t.videoStartS).toBe(1.4334);
    // 0.2 s after the file start at 1.4 s, plus the frame the decoder held back.
    expect(t.videoOffsetS).toBeCloseTo(0.2334, 9);
  });

  it('falls back to the container start when no decode told the first frame', () => {
    const t = timelineOfProbe({ videoOffsetS: 0, video: { frameRate: NTSC, startTimeS: 0.5 } });
    expect(t.videoStartS).toBe(0.5);
  });

  it("numbers the fps grid from the first frame's nearest slot", () => {
    expect(firstSlot({ frameRate: { num: 25, den: 1 }, videoStartS: 0, videoOffsetS: 0 })).toBe(0);
    expect(firstSlot({ frameRate: { num: 24000, den: 1001 }, videoStartS: 0.041708, videoOffsetS: 0 })).toBe(1);
    expect(firstSlot({ frameRate: NTSC, videoStartS: 1.4, videoOffsetS: 0 })).toBe(42);
  });
});

describe('a picture held to the end', () => {
  const probe = {
    videoOffsetS: 0,
    durationS: 20,
    video: { frameRate: { num: 25, den: 1 }, startTimeS: 0, firstFrameS: 0, endS: 5, holdLastS: 15, width: 320, height: 240 },
  };
  const t = timelineOfProbe(probe);

  it('knows where the picture ends and for how long it is held', () => {
    expect(t.hold).toEqual({ fromS: 5, forS: 15 });
  });

  it('clones the last picture before the grid, so the grid fills slots past the picture', () => {
    const filters = sourceFrameFilters(t, { startFrame: 250, endFrame: 500 });
    const tpad = filters.findIndex((f) => f.startsWith('tpad='));
    // Held for 15 s; a held title's frames are not counted from a decode, so no slot more (below).
    expect(t.frames).toBeUndefined();
    expect(filters[tpad]).toBe('tpad=stop_mode=clone:stop_duration=15.000000');
    expect(tpad).toBeLessThan(filters.findIndex((f) => f.startsWith('fps=')));
  });

  it('reads a range past the picture from before its end, and one inside it as any other', () => {
    expect(sourceSeekS(t, { startFrame: 250, endFrame: 500 })).toBeCloseTo(5 - SEEK_LEAD_S, 9);
    expect(sourceSeekS(t, { startFrame: 100, endFrame: 200 })).toBeCloseTo(4 - SEEK_LEAD_S, 9);
    const plain = timelineOfProbe({ ...probe, video: { ...probe.video, holdLastS: undefined } });
    expect(plain.hold).toBeUndefined();
    expect(sourceSeekS(plain, { startFrame: 250, endFrame: 500 })).toBeCloseTo(10 - SEEK_LEAD_S, 9);
    expect(sourceFrameFilters(plain, { startFrame: 250, endFrame: 500 }).some((f) => f.startsWith('tpad='))).toBe(false);
  });

  it('shows its own pictures only up to the hold: windows are chosen in there', () => {
    expect(picturedS(t, 20)).toBe(5);
    const plain = timelineOfProbe({ ...probe, video: { ...probe.video, holdLastS: undefined } });
    expect(picturedS(plain, 20)).toBe(20);
    const windows = chooseSampleWindows({ durationS: picturedS(t, 20) }, { windowS: 2, minWindowS: 2, maxShare: 1 });
    expect(windows.length).toBeGreaterThan(0);
    for (const w of [...windows, ...wholeTitle(picturedS(t, 20))]) expect(w.startS + w.durationS).toBeLessThanOrEqual(5 + 1e-9);
  });
});

describe("a read to the title's end", () => {
  // A 25 fps master whose first frame is at 0.021 s (slot 1) and whose last, at 3.981 s, is
  // stated 1 ms long: 3.961 s of video by its packets, 100 frames by a decode of its tail.
  const probe = {
    videoOffsetS: 0.021,
    durationS: 4.021,
    video: { frameRate: { num: 25, den: 1 }, startTimeS: 0.021, firstFrameS: 0.021, endS: 3.961, frames: 100, width: 320, height: 240 },
  };
  const t = timelineOfProbe(probe);

  it("takes the title's frames from the probe's count, and its extent from them", () => {
    expect(t.frames).toBe(100);
    expect(videoExtentS(probe as unknown as Parameters<typeof videoExtentS>[0])).toBe(4);
    // Without a count, the packets' extent plans as before.
    const { frames: _, ...uncounted } = probe.video;
    expect(timelineOfProbe({ ...probe, video: uncounted }).frames).toBeUndefined();
    expect(titleFrameCount(3.961, { num: 25, den: 1 })).toBe(100);
    expect(titleFrameCount(4, { num: 25, den: 1 })).toBe(100);
    expect(titleFrameCount(8.008, NTSC)).toBe(240);
  });

  it("pads the grid past the last frame and cuts every read at the title's frames", () => {
    const filters = sourceFrameFilters(t, { startFrame: 50 });
    const tpad = filters.findIndex((f) => f.startsWith('tpad='));
    expect(tpad).toBeGreaterThanOrEqual(0);
    expect(tpad).toBeLessThan(filters.findIndex((f) => f.startsWith('fps=')));
    expect(filters.find((f) => f.startsWith('trim='))).toBe(`trim=start_pts=${firstSlot(t) + 50}:end_pts=${firstSlot(t) + 100}`);
    // A range's own end wins over the title's.
    expect(sourceFrameFilters(t, { startFrame: 0, endFrame: 60 }).find((f) => f.startsWith('trim='))).toBe(
      `trim=end_pts=${firstSlot(t) + 60}`,
    );
  });

  it('keeps the old reads for a timeline queued without its frames', () => {
    const { frames: _, ...old } = t;
    expect(sourceFrameFilters(old, { startFrame: 50 }).some((f) => f.startsWith('tpad='))).toBe(false);
    expect(sourceFrameFilters(old, { startFrame: 50 }).find((f) => f.startsWith('trim='))).toBe(`trim=start_pts=${firstSlot(t) + 50}`);
  });
});

describe('framesOf', () => {
  it('starts at the first frame at or after the window and spans its duration', () => {
    expect(framesOf({ startS: 2, durationS: 2 }, { num: 24, den: 1 })).toEqual({ startFrame: 48, endFrame: 96 });
    // 12.5 s at 29.97 fps is frame 374.6: the first frame at or after it is 375.
    expect(framesOf({ startS: 12.5, durationS: 4 }, NTSC)).toEqual({ startFrame: 375, endFrame: 495 });
    // Float noise on exact rates does not move a boundary a frame late.
    expect(framesOf({ startS: 30, durationS: 1 }, { num: 25, den: 1 }).startFrame).toBe(750);
  });

  it('never reaches past the frame a stretch ending with the title ends on', () => {
    // letterbox-2997: 108 frames at 29.97 fps, 3.6036 s; its last 2 s start at frame 48.06.
    expect(framesOf({ startS: 3.6036 - 2, durationS: 2 }, NTSC)).toEqual({ startFrame: 49, endFrame: 108 });
    expect(framesOf({ startS: 0, durationS: 3.6036 }, NTSC)).toEqual({ startFrame: 0, endFrame: 108 });
  });

  it('always holds at least one frame', () => {
    expect(framesOf({ startS: 0, durationS: 0.001 }, { num: 25, den: 1 })).toEqual({ startFrame: 0, endFrame: 1 });
  });
});

describe('reading a range of the master', () => {
  const t = { frameRate: { num: 25, den: 1 }, videoStartS: 10, videoOffsetS: 0 };

  it('reads the title from its start without seeking or a grid offset', () => {
    expect(sourceInputArgs('/m.ts', t, { startFrame: 0, endFrame: 50 })).toEqual([
      '-copyts',
      ...masterInputOptions('/m.ts'),
      '-i',
      '/m.ts',
    ]);
    expect(sourceFrameFilters(t, { startFrame: 0, endFrame: 50 })).toEqual(['fps=25/1', 'trim=end_pts=300', 'setpts=PTS-STARTPTS']);
  });

  it('seeks a lead before a later range and starts the grid there, cutting by slot', () => {
    expect(sourceSeekS(t, { startFrame: 750 })).toBe(30 - SEEK_LEAD_S);
    expect(sourceFrameFilters(t, { startFrame: 750 })).toEqual([
      'fps=25/1:start_time=37.000000',
      'trim=start_pts=1000',
      'setpts=PTS-STARTPTS',
    ]);
  });

  it('never seeks a master whose keyframes are no entry points, from a keyframe or not', () => {
    const whole = { ...t, decodeFromStart: true as const };
    expect(sourceSeekS(whole, { startFrame: 750 })).toBe(0);
    expect(sourceInputArgs('/m.ts', whole, { startFrame: 750, fromKeyframeS: 29.6 })).toEqual([
      '-copyts',
      ...masterInputOptions('/m.ts'),
      '-i',
      '/m.ts',
    ]);
    // The grid still starts a lead before the range: the frames before it are decoded and dropped.
    expect(sourceFrameFilters(whole, { startFrame: 750 })).toEqual(sourceFrameFilters(t, { startFrame: 750 }));
  });

  it('never seeks before the file start', () => {
    expect(sourceSeekS(t, { startFrame: 25 })).toBe(0);
    expect(sourceInputArgs('/m.ts', t, { startFrame: 25 })).toEqual(['-copyts', ...masterInputOptions('/m.ts'), '-i', '/m.ts']);
  });

  it('reads from a proven keyframe without a lead, keeping every frame decoded from it', () => {
    const fromKey = { startFrame: 750, fromKeyframeS: 29.6 };
    expect(sourceSeekS({ ...t, videoOffsetS: 0.5 }, fromKey)).toBeCloseTo(30.1, 9);
    expect(sourceInputArgs('/m.ts', t, fromKey)).toEqual([
      '-copyts',
      '-noaccurate_seek',
      '-ss',
      '29.600000',
      ...masterInputOptions('/m.ts'),
      '-i',
      '/m.ts',
    ]);
    // The grid and the cut are the range's, wherever the reading starts.
    expect(sourceFrameFilters(t, fromKey)).toEqual(sourceFrameFilters(t, { startFrame: 750 }));
    // Frame 0 needs no seek at all.
    expect(sourceInputArgs('/m.ts', t, { startFrame: 0, fromKeyframeS: 0 })).toEqual([
      '-copyts',
      ...masterInputOptions('/m.ts'),
      '-i',
      '/m.ts',
    ]);
  });
});

describe('a master whose clock crosses 0 (an MPEG-TS whose 33-bit clock wrapped)', () => {
  // ffmpeg unwraps the clock: the 1.5 s before the wrap come out at negative times.
  const t = { frameRate: { num: 25, den: 1 }, videoStartS: -1.5, videoOffsetS: 0 };

  it('shifts the grid by whole slots so no timestamp is negative: fps rounded -0.5 and 0.5 slot apart and copied a frame into slot 0', () => {
    expect(slotShift(t)).toBe(38);
    expect(firstSlot(t)).toBe(1);
    expect(sourceFrameFilters(t, { startFrame: 0, endFrame: 50 })).toEqual([
      'setpts=PTS+38/(25*TB)',
      'fps=25/1',
      'trim=end_pts=51',
      'setpts=PTS-STARTPTS',
    ]);
    expect(sourceFrameFilters(t, { startFrame: 100 })).toEqual([
      'setpts=PTS+38/(25*TB)',
      'fps=25/1:start_time=1.040000',
      'trim=start_pts=101',
      'setpts=PTS-STARTPTS',
    ]);
  });

  it('leaves a grid from 0 or later as it was', () => {
    expect(slotShift({ ...t, videoStartS: 0 })).toBe(0);
    expect(slotShift({ ...t, videoStartS: 601.4 })).toBe(0);
  });
});

describe('frame size', () => {
  const timeline = { frameRate: { num: 25, den: 1 }, videoStartS: 0, videoOffsetS: 0 } as const;

  it('fits every frame into the master’s upright size before anything else, and keeps the graph when the size changes', () => {
    const probe = { videoOffsetS: 0, video: { frameRate: NTSC, startTimeS: 0, width: 1080, height: 1920 } };
    const t = timelineOfProbe(probe);
    expect(t.frameSize).toEqual({ width: 1080, height: 1920 });
    expect(sourceFrameFilters(t, { startFrame: 0 }).slice(0, 2)).toEqual([
      'scale=w=1080:h=1920:force_original_aspect_ratio=decrease:eval=frame',
      'pad=w=1080:h=1920:x=(ow-iw)/2:y=(oh-ih)/2:eval=frame',
    ]);
    expect(sourceInputArgs('/m.webm', t, { startFrame: 0 }).slice(0, 3)).toEqual(['-copyts', '-reinit_filter', '0']);
  });

  it('scales to an odd size without padding, which a 4:2:0 frame cannot take', () => {
    expect(sourceFrameFilters({ ...timeline, frameSize: { width: 720, height: 405 } }, { startFrame: 0 })[0]).toBe(
      'scale=w=720:h=405:eval=frame',
    );
    expect(sourceFrameFilters({ ...timeline, frameSize: { width: 720, height: 405 } }, { startFrame: 0 })[1]).not.toMatch(/^pad/);
  });

  it('leaves a timeline queued without a size as it was', () => {
    expect(sourceFrameFilters(timeline, { startFrame: 0 })[0]).toMatch(/^fps=/);
    expect(sourceInputArgs('/m.webm', timeline, { startFrame: 0 })).not.toContain('-reinit_filter');
  });
});
