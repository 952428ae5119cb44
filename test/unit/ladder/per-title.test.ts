import { describe, expect, it } from 'vitest';
import { LadderArgumentError, LadderError } from '../../../ladder/errors.ts';
import { perTitleLadder, type LadderNote, type PlannedRung } from '../../../ladder/per-title.ts';
import type { PerTitleOptions } from '../../../ladder/per-title-options.ts';
import type { FrameSize, RdPoint } from '../../../ladder/types.ts';
import { pt, SIZES_16X9, syntheticPoints } from './rd-fixture.ts';

const HD: FrameSize = { width: 1920, height: 1080 };
const CRFS = [14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 42, 44, 46];

/**
 * Eight points, every one a hull vertex: in (ln rate, dB) the slopes between neighbours are
 * 4.90, 4.47, 3.39, 2.96, 2.55, 1.96, 1.67, decreasing. Each neighbour ratio is 1.6-1.75x and
 * every skip of one point is over 2x, so with the defaults (steps 1.5-2x, 8 rungs) all eight
 * are the only answer.
 */
const EIGHT: readonly RdPoint[] = [
  pt(150, 31),
  pt(250, 33.5),
  pt(400, 35.6),
  pt(700, 37.5),
  pt(1200, 39.1),
  pt(2000, 40.4),
  pt(3500, 41.5),
  pt(6000, 42.4),
];

const ratios = (rungs: readonly PlannedRung[]): number[] => rungs.slice(1).map((r, i) => r.bitrateKbps / rungs[i]!.bitrateKbps);

function argumentError(run: () => unknown): LadderArgumentError {
  try {
    run();
  } catch (error) {
    if (error instanceof LadderArgumentError) return error;
    throw error;
  }
  throw new Error('expected a LadderArgumentError');
}

function errorCode(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof LadderError) return error.code;
    throw error;
  }
  return 'no error';
}

/** Notes other than TOP_BELOW_SOURCE: these fixtures' points are 720p under a 1080p source. */
const selectionNotes = (notes: readonly LadderNote[]): LadderNote[] => notes.filter((n) => n.code !== 'TOP_BELOW_SOURCE');

describe('perTitleLadder: selection', () => {
  it('takes every point of a hull whose neighbours are all 1.5-2x apart', () => {
    const { rungs, notes } = perTitleLadder(EIGHT, HD);
    expect(rungs.map((r) => r.bitrateKbps)).toEqual([150, 250, 400, 700, 1200, 2000, 3500, 6000]);
    expect(selectionNotes(notes)).toEqual([]);
  });

  it('with fewer rungs allowed, keeps the ends and makes the largest step as small as possible', () => {
    const { rungs, notes } = perTitleLadder(EIGHT, HD, { maxRungs: 5 });
    expect(rungs).toHaveLength(5);
    expect(rungs[0]!.bitrateKbps).toBe(150);
    expect(rungs[4]!.bitrateKbps).toBe(6000);
    // Brute force over every 5-point subset keeping both ends and steps >= 1.5x.
    const rates = EIGHT.map((p) => p.bitrateKbps);
    let bestWorst = Infinity;
    for (let mask = 0; mask < 1 << 6; mask++) {
      const inner = rates.slice(1, 7).filter((_, i) => mask & (1 << i));
      if (inner.length !== 3) continue;
      const path = [150, ...inner, 6000];
      const steps = path.slice(1).map((r, i) => r / path[i]!);
      if (steps.every((s) => s >= 1.5)) bestWorst = Math.min(bestWorst, Math.max(...steps));
    }
    expect(Math.max(...ratios(rungs))).toBeCloseTo(bestWorst, 12);
    expect(bestWorst).toBeCloseTo(3, 12); // 1200/400 or 6000/2000: no 5-rung ladder does better
    expect(selectionNotes(notes).map((n) => n.code)).toEqual(['MAX_STEP_EXCEEDED']);
  });

  it('keeps neighbouring rungs at least minStepRatio apart when candidates are dense', () => {
    // 1.2x apart, concave: quality gain per step shrinks from 1.5 dB by 0.05 dB a step.
    const dense = Array.from({ length: 20 }, (_, i) => pt(200 * 1.2 ** i, 30 + 1.5 * i - 0.025 * i * (i - 1)));
    for (const minStepRatio of [1.5, 1.8]) {
      const { rungs } = perTitleLadder(dense, HD, { minStepRatio, maxStepRatio: 2.5 });
      expect(rungs.length).toBeGreaterThan(3);
      for (const r of ratios(rungs)) expect(r).toBeGreaterThanOrEqual(minStepRatio * (1 - 1e-9));
    }
  });

  it('records a note when the candidates leave a gap wider than maxStepRatio', () => {
    const { rungs, notes } = perTitleLadder([pt(150, 32), pt(1500, 40)], HD);
    expect(rungs.map((r) => r.bitrateKbps)).toEqual([150, 1500]);
    expect(selectionNotes(notes)).toEqual([{ code: 'MAX_STEP_EXCEEDED', message: expect.stringContaining('10.00x') }]);
  });

  it('gives one rung when the usable hull spans less than minStepRatio', () => {
    const { rungs, notes } = perTitleLadder([pt(150, 35), pt(200, 36)], HD);
    expect(rungs.map((r) => r.bitrateKbps)).toEqual([200]);
    expect(selectionNotes(notes).map((n) => n.code)).toEqual(['SINGLE_RUNG']);
  });

  it('records on each rung the bitrate, quality and CRF of the point it came from', () => {
    const points = syntheticPoints(HD, SIZES_16X9, CRFS);
    const { rungs } = perTitleLadder(points, HD);
    for (const r of rungs) {
      const source = points.find((p) => p.bitrateKbps === r.bitrateKbps && p.crf === r.crf && p.height === r.height);
      expect(source).toBeDefined();
      expect(r.predictedPsnrDb).toBe(source!.psnrY);
      expect(r.predictedSsim).toBe(source!.ssim);
    }
  });

  it('is ascending in bitrate and predicted quality for simple, average and complex titles', () => {
    for (const complexity of [0.3, 1, 3]) {
      const { rungs } = perTitleLadder(syntheticPoints(HD, SIZES_16X9, CRFS, complexity), HD);
      expect(rungs.length).toBeGreaterThan(2);
      for (let i = 1; i < rungs.length; i++) {
        expect(rungs[i]!.bitrateKbps).toBeGreaterThan(rungs[i - 1]!.bitrateKbps);
        expect(rungs[i]!.predictedPsnrDb).toBeGreaterThan(rungs[i - 1]!.predictedPsnrDb);
      }
    }
  });

  it('spends fewer bits at the top on a simple title than on a complex one', () => {
    const top = (complexity: number): number =>
      perTitleLadder(syntheticPoints(HD, SIZES_16X9, CRFS, complexity), HD).rungs.at(-1)!.bitrateKbps;
    expect(top(0.3)).toBeLessThan(top(3) / 2);
  });
});

describe('perTitleLadder: constraints', () => {
  const CEILING: readonly RdPoint[] = [pt(200, 34), pt(400, 38), pt(800, 42), pt(1600, 45.5), pt(3200, 47)];

  it('keeps every rung within minBitrateKbps and maxBitrateKbps', () => {
    const opts = { minBitrateKbps: 300, maxBitrateKbps: 3000 };
    const { rungs } = perTitleLadder(syntheticPoints(HD, SIZES_16X9, CRFS), HD, opts);
    expect(rungs.length).toBeGreaterThan(2);
    for (const r of rungs) {
      expect(r.bitrateKbps).toBeGreaterThanOrEqual(300);
      expect(r.bitrateKbps).toBeLessThanOrEqual(3000);
    }
  });

  it('stops at the first point reaching the quality ceiling', () => {
    expect(perTitleLadder(CEILING, HD).rungs.at(-1)!.bitrateKbps).toBe(1600);
    expect(perTitleLadder(CEILING, HD, { qualityCeilingDb: 50 }).rungs.at(-1)!.bitrateKbps).toBe(3200);
  });

  it('starts at the cheapest point reaching the quality floor', () => {
    expect(perTitleLadder(CEILING, HD).rungs[0]!.bitrateKbps).toBe(200);
    expect(perTitleLadder(CEILING, HD, { qualityFloorDb: 37, bottomRungMaxKbps: 1000 }).rungs[0]!.bitrateKbps).toBe(400);
  });

  it('gives the floor up to bottomRungMaxKbps: a weak link must still have a rung it can play', () => {
    // The floor (41 dB) is first reached at 800 kbit/s; the best point at or under 300 is 200.
    const { rungs, notes } = perTitleLadder(CEILING, HD, { qualityFloorDb: 41 });
    expect(rungs[0]!.bitrateKbps).toBe(200);
    expect(notes.find((n) => n.code === 'QUALITY_FLOOR_RELAXED')?.message).toMatch(/first reached at 800 kbit\/s/);
    expect(perTitleLadder(CEILING, HD, { qualityFloorDb: 41, bottomRungMaxKbps: 100 }).rungs[0]!.bitrateKbps).toBe(200);
    expect(perTitleLadder(CEILING, HD, { qualityFloorDb: 41, bottomRungMaxKbps: 500 }).rungs[0]!.bitrateKbps).toBe(400);
  });

  it('drops an unreachable quality floor with a note: the ladder still spans the measured range', () => {
    const { rungs, notes } = perTitleLadder(CEILING, HD, { qualityFloorDb: 48, qualityCeilingDb: 50 });
    expect(rungs.map((r) => r.bitrateKbps)).toEqual([200, 400, 800, 1600, 3200]);
    expect(notes.map((n) => n.code)).toContain('QUALITY_FLOOR_RELAXED');
  });

  it('never upscales: no rung or hull point is larger than the source', () => {
    const source = { width: 1280, height: 720 };
    const { rungs, hull } = perTitleLadder(syntheticPoints(HD, SIZES_16X9, CRFS), source);
    for (const r of [...rungs, ...hull]) {
      expect(r.width).toBeLessThanOrEqual(1280);
      expect(r.height).toBeLessThanOrEqual(720);
    }
    expect(rungs.some((r) => r.height === 720)).toBe(true);
  });

  it('keeps the bottom rung within a phone cap and leaves the other rungs free', () => {
    const simple = syntheticPoints(HD, SIZES_16X9, CRFS, 0.3);
    expect(perTitleLadder(simple, HD).rungs[0]!.height).toBeGreaterThan(360); // the cap matters here
    const { rungs } = perTitleLadder(simple, HD, { bottomRungMaxSize: { width: 640, height: 360 } });
    expect(rungs[0]!.width).toBeLessThanOrEqual(640);
    expect(rungs[0]!.height).toBeLessThanOrEqual(360);
    expect(rungs.at(-1)!.height).toBe(1080);
  });

  it('applies the phone cap to portrait sources by long and short side', () => {
    const portrait = { width: 1080, height: 1920 };
    const points = syntheticPoints({ width: 1920, height: 1080 }, SIZES_16X9, CRFS, 0.3).map((p) => ({
      ...p,
      width: p.height,
      height: p.width,
    }));
    const { rungs } = perTitleLadder(points, portrait, { bottomRungMaxSize: { width: 640, height: 360 } });
    expect(rungs[0]!.width).toBeLessThanOrEqual(360);
    expect(rungs[0]!.height).toBeLessThanOrEqual(640);
  });

  it('fails with LADDER_BOTTOM_CAP_UNMET when no point fits the cap', () => {
    const onlyHd = syntheticPoints(HD, [HD], CRFS);
    expect(errorCode(() => perTitleLadder(onlyHd, HD, { bottomRungMaxSize: { width: 640, height: 360 } }))).toBe('LADDER_BOTTOM_CAP_UNMET');
  });

  it('keeps every rung within maxSize', () => {
    const { rungs } = perTitleLadder(syntheticPoints(HD, SIZES_16X9, CRFS), HD, { maxSize: { width: 1280, height: 720 } });
    expect(Math.max(...rungs.map((r) => r.height))).toBe(720);
  });

  it('fails with LADDER_NO_CANDIDATES when every point is too dear or too large', () => {
    expect(errorCode(() => perTitleLadder(EIGHT, HD, { minBitrateKbps: 50, maxBitrateKbps: 100 }))).toBe('LADDER_NO_CANDIDATES');
    expect(errorCode(() => perTitleLadder(EIGHT, HD, { maxSize: { width: 640, height: 360 } }))).toBe('LADDER_NO_CANDIDATES');
    expect(errorCode(() => perTitleLadder([], HD))).toBe('LADDER_NO_CANDIDATES');
  });

  // A still's samples all come in under the analysis' 16 kbit/s floor, and such a title fell
  // back to the fixed ladder (145 and 365 kbit/s for a 360p still).
  it('chooses from the points under minBitrateKbps when every point is under it, and says so', () => {
    const relaxed = perTitleLadder(EIGHT, HD, { minBitrateKbps: 7000, maxBitrateKbps: 9000 });
    expect(relaxed.rungs.map((r) => r.bitrateKbps)).toEqual(perTitleLadder(EIGHT, HD).rungs.map((r) => r.bitrateKbps));
    expect(relaxed.notes.find((n) => n.code === 'BITRATE_FLOOR_RELAXED')?.message).toMatch(
      /under minBitrateKbps 7000 \(6000\.0 kbit\/s at most\)/,
    );
    // One point reaching the floor keeps it: the rest stay out.
    const kept = perTitleLadder(EIGHT, HD, { minBitrateKbps: 5000, maxBitrateKbps: 9000 });
    expect(kept.rungs.map((r) => r.bitrateKbps)).toEqual([6000]);
    expect(kept.notes.map((n) => n.code)).not.toContain('BITRATE_FLOOR_RELAXED');
  });
});

describe('perTitleLadder: awkward sources', () => {
  const even = (r: PlannedRung): boolean => r.width % 2 === 0 && r.height % 2 === 0;

  it('1918x1080: excludes 1920-wide points and gives even sizes', () => {
    const source = { width: 1918, height: 1080 };
    const sizes = [...SIZES_16X9, source];
    const { rungs } = perTitleLadder(syntheticPoints(source, sizes, CRFS), source);
    expect(rungs.every(even)).toBe(true);
    expect(Math.max(...rungs.map((r) => r.width))).toBe(1918);
  });

  it('an odd source measured at its own size rounds down to even, never past the source', () => {
    const source = { width: 1919, height: 1081 };
    const { rungs } = perTitleLadder(syntheticPoints(source, [source], CRFS), source);
    expect(rungs.every(even)).toBe(true);
    expect(rungs.at(-1)).toMatchObject({ width: 1918, height: 1080 });
  });

  it('720x576 with odd-sized smaller points gives even sizes within the source', () => {
    const source = { width: 720, height: 576 };
    const sizes = [source, { width: 479, height: 383 }, { width: 359, height: 287 }];
    const { rungs } = perTitleLadder(syntheticPoints(source, sizes, CRFS), source);
    expect(rungs.length).toBeGreaterThan(1);
    for (const r of rungs) {
      expect(even(r)).toBe(true);
      expect(r.width).toBeLessThanOrEqual(720);
      expect(r.height).toBeLessThanOrEqual(576);
    }
  });

  it('a still image (ffmpeg reports inf PSNR) gives one rung, not a crash', () => {
    const still = [pt(150, 48), pt(160, Number.POSITIVE_INFINITY), pt(170, Number.POSITIVE_INFINITY)];
    const { rungs } = perTitleLadder(still, HD);
    expect(rungs).toHaveLength(1);
    expect(rungs[0]!.bitrateKbps).toBe(150); // 48 dB is over the 45 dB ceiling already
  });
});

describe('perTitleLadder: validation names the field and the value', () => {
  const cases: readonly [PerTitleOptions, string, RegExp][] = [
    [{ maxRungs: 0 }, 'maxRungs', /`maxRungs` to be an integer >= 1, got 0/],
    [{ maxRungs: 2.5 }, 'maxRungs', /got 2.5/],
    [{ minBitrateKbps: -1 }, 'minBitrateKbps', /> 0, got -1/],
    [{ minBitrateKbps: 500, maxBitrateKbps: 400 }, 'maxBitrateKbps', /> 500, got 400/],
    [{ minStepRatio: 0.9 }, 'minStepRatio', />= 1, got 0.9/],
    [{ minStepRatio: 1.8, maxStepRatio: 1.6 }, 'maxStepRatio', />= 1.8, got 1.6/],
    [{ qualityFloorDb: 40, qualityCeilingDb: 38 }, 'qualityCeilingDb', /> 40, got 38/],
    [{ hullToleranceDb: -0.1 }, 'hullToleranceDb', />= 0, got -0.1/],
    [{ bottomRungMaxSize: { width: Number.NaN, height: 360 } }, 'bottomRungMaxSize.width', /got NaN/],
    [{ maxBitrateKbps: '8000' as unknown as number }, 'maxBitrateKbps', /got "8000"/],
    [{ maxRung: 3 } as PerTitleOptions, 'maxRung', /a known per-title option, got 3/],
  ];
  for (const [options, field, message] of cases) {
    it(`${field}: ${JSON.stringify(options)}`, () => {
      const error = argumentError(() => perTitleLadder(EIGHT, HD, options));
      expect(error.code).toBe('LADDER_INVALID_ARGUMENT');
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
    });
  }

  it('names a bad point and a bad source', () => {
    expect(argumentError(() => perTitleLadder([pt(100, 30), pt(-5, 31)], HD)).field).toBe('points[1].bitrateKbps');
    expect(argumentError(() => perTitleLadder(EIGHT, { width: 0, height: 1080 })).field).toBe('source.width');
  });

  it('refuses minRungs above maxRungs', () => {
    expect(errorCode(() => perTitleLadder(EIGHT, HD, { minRungs: 9 }))).toBe('LADDER_INVALID_ARGUMENT');
  });
});

describe('perTitleLadder on a still (measured points)', () => {
  /**
   * Sample points measured on a detailed still at 1280x720 (bench:ladder's slide): the full
   * size keeps the detail, every smaller size loses it to the upscale (26-29 dB whatever the
   * rate). Quality rises faster than log-rate at 720p, so the hull's chord from 234p@34 to
   * 720p@20 passes 4 dB above 720p@34, the best picture measured at its rate.
   */
  const p = (height: number, crf: number, bitrateKbps: number, psnrY: number): RdPoint => ({
    width: Math.round((height * 16) / 9 / 2) * 2,
    height,
    crf,
    bitrateKbps,
    psnrY,
    ssim: 0.9,
  });
  const STILL: readonly RdPoint[] = [
    p(720, 20, 570, 46.43),
    p(720, 27, 342, 40.1),
    p(720, 34, 207, 33.67),
    p(540, 20, 319, 29.37),
    p(540, 27, 188, 29.06),
    p(540, 34, 110, 28.08),
    p(360, 20, 161, 27.44),
    p(360, 27, 96, 27.25),
    p(360, 34, 56, 26.61),
    p(234, 20, 83, 26.56),
    p(234, 27, 51, 26.38),
    p(234, 34, 32, 25.82),
  ];
  const src = { width: 1280, height: 720 };

  it('with the whole Pareto front as candidates, steps down at full size from the ceiling to the floor', () => {
    const { rungs } = perTitleLadder(STILL, src, { hullToleranceDb: 100, minBitrateKbps: 16 });
    expect(rungs.map((r) => [r.height, r.crf])).toEqual([
      [720, 34],
      [720, 27],
      [720, 20],
    ]);
  });

  it('near the hull only (3 dB), loses the 720p@34 bottom the chord passes over', () => {
    const { rungs } = perTitleLadder(STILL, src, { hullToleranceDb: 3, minBitrateKbps: 16 });
    expect(rungs.map((r) => r.crf)).not.toContain(34);
  });
});
