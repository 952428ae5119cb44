import { describe, expect, it } from 'vitest';
import { displayRotation, uprightSize } from '../../../ffmpeg/video-geometry.ts';
import { activeDisplaySize, parseProbe } from '../../../ffmpeg/probe.ts';
import { appleLadder } from '../../../ladder/fixed.ts';

const matrix = (rotation: number) => ({ side_data_list: [{ side_data_type: 'Display Matrix', rotation }] });
const square = { num: 1, den: 1 };

describe('displayRotation', () => {
  it("reads ffprobe's display matrix (counter-clockwise degrees) as the clockwise turn that shows the picture upright", () => {
    expect(displayRotation(matrix(-90))).toBe(90);
    expect(displayRotation(matrix(90))).toBe(270);
    expect(displayRotation(matrix(180))).toBe(180);
    expect(displayRotation(matrix(-180))).toBe(180);
    expect(displayRotation(matrix(0))).toBe(0);
  });

  it('falls back to the rotate tag of older files, and reads no rotation from nothing or from noise', () => {
    expect(displayRotation({ tags: { rotate: '90' } })).toBe(90);
    expect(displayRotation({})).toBe(0);
    expect(displayRotation({ tags: { rotate: 'sideways' } })).toBe(0);
    // A matrix that is not a quarter turn is rounded to the one ffmpeg applies.
    expect(displayRotation(matrix(-89.9))).toBe(90);
  });
});

describe('uprightSize', () => {
  it('a 1920x1080 phone clip turned 90° or 270° is 1080x1920; 180° keeps its size', () => {
    expect(uprightSize({ width: 1920, height: 1080 }, square, 90)).toEqual({
      width: 1080,
      height: 1920,
      displayWidth: 1080,
      displayHeight: 1920,
    });
    expect(uprightSize({ width: 1920, height: 1080 }, square, 270)).toMatchObject({ width: 1080, height: 1920 });
    expect(uprightSize({ width: 1920, height: 1080 }, square, 180)).toMatchObject({ width: 1920, height: 1080 });
  });

  it('non-square pixels turned on their side keep the display aspect: 1440x1080 at 4:3 turned 90° displays 9:16', () => {
    const s = uprightSize({ width: 1440, height: 1080 }, { num: 4, den: 3 }, 90);
    expect(s).toEqual({ width: 1080, height: 1440, displayWidth: 810, displayHeight: 1440 });
    expect(s.displayWidth / s.displayHeight).toBeCloseTo(9 / 16, 6);
  });
});

describe('a portrait phone master, through the probe to the ladder', () => {
  const phone = {
    codec_type: 'video',
    codec_name: 'h264',
    width: 1920,
    height: 1080,
    avg_frame_rate: '30/1',
    pix_fmt: 'yuv420p',
    ...matrix(90),
  };
  const format = { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '3.0' };

  it('regression: a 90° display rotation gave landscape sizes to portrait frames; the probe now says 1080x1920, rotated 270', () => {
    expect(parseProbe({ streams: [phone], format }).video).toMatchObject({
      width: 1080,
      height: 1920,
      displayWidth: 1080,
      displayHeight: 1920,
      rotation: 270,
    });
  });

  it('every fixed rung is portrait, even and capped at the source, compared on its long side', () => {
    const ladder = appleLadder(activeDisplaySize(parseProbe({ streams: [phone], format }).video));
    expect(ladder.map((r) => `${r.width}x${r.height}`)).toEqual([
      '234x416',
      '360x640',
      '432x768',
      '540x960',
      '720x1280',
      '720x1280',
      '1080x1920',
      '1080x1920',
    ]);
  });

  it('an unrotated master has no rotation field, as stored titles before it', () => {
    expect(parseProbe({ streams: [{ ...phone, side_data_list: [] }], format }).video.rotation).toBeUndefined();
  });
});
