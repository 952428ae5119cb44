import { describe, expect, it } from 'vitest';
import { APPLE_HLS_LADDER, appleLadder } from '../../../ladder/fixed.ts';

describe('appleLadder on awkward sources', () => {
  const even = (n: number): boolean => n % 2 === 0;

  it('is the whole Apple ladder for a 1920x1080 source', () => {
    expect(appleLadder({ width: 1920, height: 1080 })).toEqual(APPLE_HLS_LADDER);
  });

  it('1918x1080: even sizes, none wider than the source', () => {
    const rungs = appleLadder({ width: 1918, height: 1080 });
    expect(rungs).toHaveLength(APPLE_HLS_LADDER.length);
    for (const r of rungs) {
      expect(even(r.width) && even(r.height)).toBe(true);
      expect(r.width).toBeLessThanOrEqual(1918);
    }
    expect(rungs.at(-1)).toMatchObject({ width: 1918, height: 1080 });
  });

  it('720x576 display size: even sizes, capped at 576 lines, 5:4 kept', () => {
    const rungs = appleLadder({ width: 720, height: 576 });
    expect(rungs.map((r) => r.height)).toEqual([234, 360, 432, 540]);
    for (const r of rungs) {
      expect(even(r.width) && even(r.height)).toBe(true);
      expect(Math.abs(r.width / r.height - 720 / 576)).toBeLessThan(0.02);
    }
  });

  it('720x576 anamorphic 16:9 (display 1024x576): 16:9 rungs up to 540 lines, no upscale', () => {
    const rungs = appleLadder({ width: 1024, height: 576 });
    expect(rungs.at(-1)).toMatchObject({ width: 960, height: 540 });
    for (const r of rungs) expect(r.height).toBeLessThanOrEqual(576);
  });

  it('a source below the bottom rung gets one rung at its own size', () => {
    expect(appleLadder({ width: 320, height: 180 })).toEqual([{ width: 320, height: 180, bitrateKbps: 145 }]);
  });
});

describe('appleLadder on portrait sources (regression: portrait was capped by its width as if it were a height)', () => {
  it('gives a 1080x1920 source the full ladder turned on its side', () => {
    const rungs = appleLadder({ width: 1080, height: 1920 });
    expect(rungs.at(-1)).toEqual({ width: 1080, height: 1920, bitrateKbps: 7800 });
    expect(rungs.every((r) => r.height > r.width)).toBe(true);
  });
});

describe('appleLadder on pictures wider than 16:9 (letterboxed masters once their bars are cropped)', () => {
  it('a 2.39:1 picture fills each rung’s width: 1920x800 in the 1080p tier, every tier kept', () => {
    const rungs = appleLadder({ width: 1920, height: 800 });
    expect(rungs.map((r) => r.width)).toEqual(APPLE_HLS_LADDER.map((r) => r.width));
    expect(rungs.at(-1)).toEqual({ width: 1920, height: 800, bitrateKbps: 7800 });
    for (const r of rungs) expect(Math.abs(r.width / r.height - 2.4)).toBeLessThan(0.03);
  });

  it('640x268 (testsrc2 letterboxed in 640x360): the 640 rung at the source size, nothing larger', () => {
    expect(appleLadder({ width: 640, height: 268 })).toEqual([
      { width: 416, height: 174, bitrateKbps: 145 },
      { width: 640, height: 268, bitrateKbps: 365 },
    ]);
  });

  it('a 4:3 pillarboxed picture (1440x1080) still fills each rung’s height', () => {
    const rungs = appleLadder({ width: 1440, height: 1080 });
    expect(rungs.map((r) => r.height)).toEqual(APPLE_HLS_LADDER.map((r) => r.height));
    expect(rungs.at(-1)).toMatchObject({ width: 1440, height: 1080 });
  });
});
