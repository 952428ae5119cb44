import { describe, expect, it } from 'vitest';
import { perTitleLadder } from '../../../ladder/per-title.ts';
import { viewerMinimums } from '../../../ladder/per-title-options.ts';
import type { FrameSize } from '../../../ladder/types.ts';
import { pt } from './rd-fixture.ts';

describe('perTitleLadder: what a viewer needs', () => {
  const at = (size: FrameSize) => (rate: number, q: number) => pt(rate, q, size);
  const p720 = at({ width: 1280, height: 720 });
  const p360 = at({ width: 640, height: 360 });

  it('minimums grow with the picture: one rung may do under 360p, two from 360p, three over 4x from 540p', () => {
    expect(viewerMinimums({ width: 416, height: 234 })).toEqual({ minRungs: 1, minSpanRatio: 1 });
    expect(viewerMinimums({ width: 640, height: 360 })).toEqual({ minRungs: 2, minSpanRatio: 1 });
    expect(viewerMinimums({ width: 960, height: 540 })).toEqual({ minRungs: 3, minSpanRatio: 4 });
    // Portrait pictures count by their short side.
    expect(viewerMinimums({ width: 1080, height: 1920 })).toEqual({ minRungs: 3, minSpanRatio: 4 });
  });

  it('a title whose hull spans less than one step still gets two rungs from 360p, with a note', () => {
    const points = [p360(150, 35), p360(200, 36)];
    expect(perTitleLadder(points, { width: 640, height: 360 }).rungs).toHaveLength(1);
    const { rungs, notes } = perTitleLadder(points, { width: 640, height: 360 }, viewerMinimums({ width: 640, height: 360 }));
    expect(rungs.map((r) => r.bitrateKbps)).toEqual([150, 200]);
    expect(notes.map((n) => n.code)).toContain('VIEWER_MINIMUM_APPLIED');
  });

  it('a 720p title whose floor leaves a narrow ladder is widened down to a 4x span with 3 rungs', () => {
    // A 37 dB floor met first at 1000 kbit/s and the 45 dB ceiling at 1300: alone, one rung.
    const points = [p360(120, 27), p360(280, 29.5), p720(600, 33), p720(1000, 38), p720(1300, 45.5)];
    const narrow = perTitleLadder(points, { width: 1280, height: 720 }, { qualityFloorDb: 37, bottomRungMaxKbps: 2000 });
    expect(narrow.rungs.map((r) => r.bitrateKbps)).toEqual([1300]);
    const { rungs, notes } = perTitleLadder(
      points,
      { width: 1280, height: 720 },
      { qualityFloorDb: 37, bottomRungMaxKbps: 2000, ...viewerMinimums({ width: 1280, height: 720 }) },
    );
    expect(rungs.length).toBeGreaterThanOrEqual(3);
    expect(rungs.at(-1)!.bitrateKbps / rungs[0]!.bitrateKbps).toBeGreaterThanOrEqual(4);
    expect(rungs.at(-1)!.bitrateKbps).toBe(1300);
    expect(notes.find((n) => n.code === 'VIEWER_MINIMUM_APPLIED')?.message).toMatch(/bottom lowered from 1300 to 280 kbit\/s/);
  });

  it('does not force a span when every point that cheap is already above the quality ceiling', () => {
    const points = [p720(60, 46), p720(100, 47), p720(160, 48)];
    const { rungs, notes } = perTitleLadder(
      points,
      { width: 1280, height: 720 },
      { minBitrateKbps: 16, ...viewerMinimums({ width: 1280, height: 720 }) },
    );
    expect(rungs.length).toBeGreaterThanOrEqual(2);
    expect(notes.find((n) => n.code === 'VIEWER_MINIMUM_UNMET')?.message).toMatch(/above the 45 dB ceiling/);
  });

  it('a hull that reaches the ceiling within one step of its cheapest point gives rungs, not a crash', () => {
    // Bos Wars' glowing logo intro (Debian, 1024x768) as its samples measured it at 312x234,
    // CRF 34 to 27, and larger sizes all above the 45 dB ceiling: the viewer minimums' range,
    // 17.9-21.6 kbit/s, is narrower than one step, and the title fell back to the fixed ladder
    // on a TypeError.
    const p234 = at({ width: 312, height: 234 });
    const points = [
      p234(17.9, 42.23),
      p234(18.4, 42.68),
      p234(18.9, 43.12),
      p234(19.4, 43.57),
      p234(19.9, 44.01),
      p234(20.5, 44.46),
      p234(21.0, 44.91),
      p234(21.6, 45.35),
      at({ width: 480, height: 360 })(22.0, 44.81),
      at({ width: 480, height: 360 })(28.2, 48.59),
      at({ width: 1024, height: 768 })(40.7, 49.09),
    ];
    const source = { width: 1024, height: 768 };
    const { rungs, notes } = perTitleLadder(points, source, { hullToleranceDb: 100, minBitrateKbps: 16, ...viewerMinimums(source) });
    // Three rungs a step apart where the points allow, not three 312x234 rungs 1.1x apart: the
    // ceiling gives way to the minimums, up to the source size at 41 kbit/s.
    expect(rungs.map((r) => `${r.width}x${r.height}@${r.bitrateKbps}`)).toEqual(['312x234@17.9', '480x360@28.2', '1024x768@40.7']);
    expect(notes.find((n) => n.code === 'VIEWER_MINIMUM_APPLIED')?.message).toMatch(/the top raised from 22 to 41 kbit\/s \(1024x768\)/);
    expect(notes.find((n) => n.code === 'VIEWER_MINIMUM_UNMET')?.message).toMatch(
      /^The rungs span 18-41 kbit\/s, less than minSpanRatio 4/,
    );
    expect(notes.map((n) => n.code)).not.toContain('TOP_BELOW_SOURCE');
  });

  it('rungs the minimums add are a step apart when points above the top allow it', () => {
    // Under the ceiling, four points 1.1x apart, three of which the span lowers the bottom into;
    // above it, points a step and two steps up.
    const points = [p360(100, 40), p360(110, 42), p360(121, 44), p360(133, 45.1), p720(200, 46), p720(300, 47)];
    const { rungs } = perTitleLadder(points, { width: 1280, height: 720 }, { minBitrateKbps: 16, minRungs: 3, minSpanRatio: 1.2 });
    const rates = rungs.map((r) => r.bitrateKbps);
    expect(rates).toHaveLength(3);
    expect(rates[0]).toBe(110);
    for (let i = 1; i < rates.length; i++) expect(rates[i]! / rates[i - 1]!).toBeGreaterThanOrEqual(1.5);
  });

  it('says why the top rung stops below the source size', () => {
    const { notes } = perTitleLadder([p360(150, 33), p360(400, 45.2), p720(400, 41), p720(900, 46)], { width: 1280, height: 720 });
    expect(notes.find((n) => n.code === 'TOP_BELOW_SOURCE')?.message).toMatch(
      /Top rung 640x360 at 400 kbit\/s .* below the source 1280x720: the 45 dB quality ceiling is reached there/,
    );
    const full = perTitleLadder([p360(150, 33), p720(900, 44)], { width: 1280, height: 720 });
    expect(full.notes.map((n) => n.code)).not.toContain('TOP_BELOW_SOURCE');
  });
});
