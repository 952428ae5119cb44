import { describe, expect, it } from 'vitest';
import { LadderArgumentError } from '../../../ladder/errors.ts';
import type { CodedSecond } from '../../../ladder/coded-rate.ts';
import { chooseSampleWindows, gopWindowS, type SampleWindow } from '../../../ladder/sample-windows.ts';

/** The scan's encode of calm content: 20 kbit and MSE 4 a frame each second, compared on half its frames. */
const CALM: CodedSecond = { bits: 20_000, coveredS: 1, mseS: 2, comparedS: 0.5 };
/** Busy content: 8 times the bits, 4 times the loss. */
const BUSY: CodedSecond = { bits: 160_000, coveredS: 1, mseS: 8, comparedS: 0.5 };

const flat = (seconds: number): CodedSecond[] => Array.from({ length: seconds }, () => CALM);

/** Calm content with a busy stretch [from, to). */
function withBurst(seconds: number, from: number, to: number): CodedSecond[] {
  return flat(seconds).map((s, i) => (i >= from && i < to ? BUSY : s));
}

/** Share of the window inside [from, to). */
const inside = (w: SampleWindow, from: number, to: number): number =>
  Math.max(0, Math.min(to, w.startS + w.durationS) - Math.max(from, w.startS)) / w.durationS;

const total = (windows: readonly SampleWindow[]): number => windows.reduce((sum, w) => sum + w.durationS, 0);

function expectWellFormed(windows: readonly SampleWindow[], durationS: number): void {
  expect(windows.length).toBeGreaterThan(0);
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i]!;
    expect(w.startS).toBeGreaterThanOrEqual(0);
    expect(w.startS + w.durationS).toBeLessThanOrEqual(durationS + 1e-9);
    if (i > 0) expect(w.startS).toBeGreaterThanOrEqual(windows[i - 1]!.startS + windows[i - 1]!.durationS - 1e-9);
  }
  expect(windows.reduce((sum, w) => sum + w.weight, 0)).toBeCloseTo(1, 9);
}

describe('chooseSampleWindows: budget', () => {
  it('samples 10% of a ten-minute title in 4 s windows', () => {
    const windows = chooseSampleWindows({ durationS: 600, codedPerSecond: flat(600) });
    expectWellFormed(windows, 600);
    expect(windows).toHaveLength(15);
    expect(total(windows)).toBeCloseTo(60, 9);
  });

  it('caps a long title at maxTotalS', () => {
    const windows = chooseSampleWindows({ durationS: 7200 });
    expect(total(windows)).toBeLessThanOrEqual(60);
    expect(chooseSampleWindows({ durationS: 7200 }, { maxTotalS: 20 })).toHaveLength(5);
  });

  it('takes one shorter window when 10% is less than a window', () => {
    const windows = chooseSampleWindows({ durationS: 30 });
    expect(windows).toHaveLength(1);
    expect(windows[0]!.durationS).toBeCloseTo(3, 9);
  });

  it('keeps minWindowS even when that exceeds the share, so a short title is still sampled', () => {
    const windows = chooseSampleWindows({ durationS: 10 });
    expect(windows).toHaveLength(1);
    expect(windows[0]!.durationS).toBe(2);
  });

  it('samples a title shorter than the window whole', () => {
    expect(chooseSampleWindows({ durationS: 1.5 })).toEqual([{ startS: 0, durationS: 1.5, weight: 1, rateScale: 1, mseScale: 1 }]);
  });

  it('samples a single-frame title as its one frame', () => {
    const [only, ...rest] = chooseSampleWindows({ durationS: 0.04, codedPerSecond: [{ ...CALM, coveredS: 0.04 }] });
    expect(rest).toEqual([]);
    expect(only).toEqual({ startS: 0, durationS: 0.04, weight: 1, rateScale: 1, mseScale: 1 });
  });
});

describe('chooseSampleWindows: coverage', () => {
  it('spreads windows over the timeline when the content never changes', () => {
    const windows = chooseSampleWindows({ durationS: 600, codedPerSecond: flat(600) });
    expect(windows[0]!.startS).toBeLessThan(60);
    expect(windows.at(-1)!.startS + 4).toBeGreaterThan(540);
    const gaps = windows.slice(1).map((w, i) => w.startS - windows[i]!.startS);
    expect(Math.max(...gaps)).toBeLessThan((2 * 600) / 15);
  });

  it('spreads windows without any scan at all', () => {
    const windows = chooseSampleWindows({ durationS: 600 });
    expectWellFormed(windows, 600);
    expect(windows[0]!.startS).toBeLessThan(60);
    expect(windows.at(-1)!.startS).toBeGreaterThan(500);
  });

  it('samples a short distinct stretch that an even grid would miss', () => {
    // 10 busy seconds in 600; 15 windows on a 40 s grid could land anywhere else.
    const windows = chooseSampleWindows({ durationS: 600, codedPerSecond: withBurst(600, 221, 231) });
    expect(windows.some((w) => inside(w, 221, 231) > 0.5)).toBe(true);
  });

  it('can start a window at a scene cut, off the 4 s grid', () => {
    const windows = chooseSampleWindows({
      durationS: 600,
      sceneCutsS: [301.5],
      codedPerSecond: withBurst(600, 301, 306).map((s, i) => (i === 301 ? flat(1)[0]! : s)),
    });
    expect(windows.map((w) => w.startS)).toContain(301.5);
  });

  it('takes a single window from typical content, not a short outlier', () => {
    const windows = chooseSampleWindows({ durationS: 40, codedPerSecond: withBurst(40, 0, 4) });
    expect(windows).toHaveLength(1);
    expect(windows[0]!.startS).toBeGreaterThanOrEqual(4);
  });

  it('takes a single window at the title’s mean cost, where a busy quarter weighs in full', () => {
    // A quarter at 8x the bits and 4x the loss: the title's means lie between its two kinds.
    const [w] = chooseSampleWindows({ durationS: 40, codedPerSecond: withBurst(40, 0, 10) });
    expect(inside(w!, 0, 10)).toBeGreaterThan(0);
    expect(inside(w!, 0, 10)).toBeLessThan(1);
    expect(w!.rateScale).toBeCloseTo((10 * 160_000 + 30 * 20_000) / 40 / ((2 * 160_000 + 2 * 20_000) / 4), 9);
  });

  it('weights a window by how much of the title it stands for', () => {
    const windows = chooseSampleWindows({ durationS: 600, codedPerSecond: withBurst(600, 221, 231) });
    const burst = windows.find((w) => inside(w, 221, 231) > 0.5)!;
    const rest = windows.filter((w) => w !== burst);
    // The burst is 10 s of 600; each flat window stands for about (590/14) s.
    expect(burst.weight).toBeLessThan(20 / 600);
    for (const w of rest) expect(w.weight).toBeGreaterThan(burst.weight);
  });

  it('regression: a window straddling calm and action stood for no second of the title', () => {
    // Farthest-point sampling first picked [220, 224): one calm second, three of action,
    // like neither, so no second was nearest to it and its weight was 0.
    const windows = chooseSampleWindows({ durationS: 600, codedPerSecond: withBurst(600, 221, 231) });
    expect(windows).toHaveLength(15);
    for (const w of windows) expect(w.weight).toBeGreaterThan(0);
  });

  it('fills the seconds the scan did not read with the title’s typical values rather than zero', () => {
    const windows = chooseSampleWindows({ durationS: 600, codedPerSecond: flat(300) });
    expectWellFormed(windows, 600);
    expect(windows.filter((w) => w.startS >= 300).length).toBeGreaterThan(3);
  });

  it('sees what the scan cannot: a stretch on which the master spent 8x the bits gets a window of its own', () => {
    // Grain vanishes in the scan's 160 px picture, so its encode is flat; the master's encoder saw it.
    const bitsPerSecond = Array.from({ length: 600 }, (_, sec) => (sec >= 200 && sec < 260 ? 8e6 : 1e6));
    const windows = chooseSampleWindows({ durationS: 600, codedPerSecond: flat(600), bitsPerSecond });
    const grainy = windows.filter((w) => w.startS >= 200 && w.startS + w.durationS <= 260);
    expect(grainy.length).toBeGreaterThan(0);
    // The grainy minute is a tenth of the title: its windows stand for about that much of it.
    expect(grainy.reduce((s, w) => s + w.weight, 0)).toBeCloseTo(0.1, 1);
  });

  it("puts a single window at the title's mean rate, where its hard half weighs in full", () => {
    // Half at 1 Mbit/s, half at 9: the title's rate is 5, nearer the hard half on a log scale.
    const bitsPerSecond = Array.from({ length: 40 }, (_, sec) => (sec < 20 ? 1e6 : 9e6));
    const windows = chooseSampleWindows({ durationS: 40, codedPerSecond: flat(40), bitsPerSecond });
    expect(windows).toHaveLength(1);
    expect(windows[0]!.startS).toBeGreaterThanOrEqual(20);
  });

  it('lets a stretch that costs the master 8x the bits draw the one window, where the scan alone chose the typical rest', () => {
    const input = { durationS: 40, codedPerSecond: withBurst(40, 0, 10) };
    expect(chooseSampleWindows(input)[0]!.startS).toBeLessThan(20);
    const heavy = Array.from({ length: 40 }, (_, sec) => (sec >= 20 ? 8e6 : 1e6));
    const [w] = chooseSampleWindows({ ...input, bitsPerSecond: heavy });
    expect(w!.startS).toBeGreaterThanOrEqual(20);
  });

  it('counts a constant-rate master for nothing', () => {
    const input = { durationS: 600, codedPerSecond: withBurst(600, 221, 231) };
    expect(chooseSampleWindows({ ...input, bitsPerSecond: Array.from({ length: 600 }, () => 4e6) })).toEqual(chooseSampleWindows(input));
  });

  it('counts a scan encode that never changes for nothing', () => {
    const bitsPerSecond = Array.from({ length: 600 }, (_, sec) => (sec >= 200 && sec < 260 ? 8e6 : 1e6));
    expect(chooseSampleWindows({ durationS: 600, bitsPerSecond, codedPerSecond: flat(600) })).toEqual(
      chooseSampleWindows({ durationS: 600, bitsPerSecond }),
    );
  });

  it('gives a stretch the scan loses 4x more in, at the same rate, a window of its own', () => {
    const lossy = flat(600).map((c, sec) => (sec >= 300 && sec < 330 ? { ...c, mseS: 4 * c.mseS! } : c));
    const windows = chooseSampleWindows({ durationS: 600, codedPerSecond: lossy }, { timelineWeight: 0.1 });
    const inLossy = windows.filter((w) => inside(w, 300, 330) === 1);
    expect(inLossy.length).toBeGreaterThan(0);
    // Its windows stand for the lossy half-minute, a twentieth of the title, and are scaled to it.
    expect(inLossy.reduce((s, w) => s + w.weight, 0)).toBeCloseTo(0.05, 2);
    for (const w of inLossy) expect(w.mseScale).toBeCloseTo(1, 9);
  });

  it('reads a loss that moves less than two octaves as less variety than one that moves more', () => {
    const lossy = (factor: number) => flat(600).map((c, sec) => (sec >= 300 && sec < 330 ? { ...c, mseS: factor * c.mseS! } : c));
    const picked = (factor: number) =>
      chooseSampleWindows({ durationS: 600, codedPerSecond: lossy(factor) }, { timelineWeight: 1, maxTotalS: 8 }).filter(
        (w) => inside(w, 300, 330) === 1,
      ).length;
    // Two windows: the typical first, then the farthest: the lossy stretch when its loss is 4x,
    // the far end of the timeline when it is 1.2x (a quarter of an octave).
    expect(picked(4)).toBe(1);
    expect(picked(1.2)).toBe(0);
  });

  it('is deterministic', () => {
    const input = { durationS: 600, sceneCutsS: [12.3, 99.9, 400], codedPerSecond: withBurst(600, 100, 130) };
    expect(chooseSampleWindows(input)).toEqual(chooseSampleWindows(input));
  });
});

describe('gopWindowS', () => {
  it('is the fewest whole GOPs lasting at least the minimum', () => {
    expect(gopWindowS(2)).toBe(2);
    expect(gopWindowS(1)).toBe(2);
    expect(gopWindowS(1.5)).toBe(3);
    expect(gopWindowS(0.5)).toBe(2);
    expect(gopWindowS(6)).toBe(6);
    expect(gopWindowS(2, 3)).toBe(4);
    expect(() => gopWindowS(0)).toThrow(LadderArgumentError);
  });
});

describe('chooseSampleWindows: validation names the field and the value', () => {
  const fieldOf = (run: () => unknown): string => {
    try {
      run();
    } catch (error) {
      if (error instanceof LadderArgumentError) return `${error.field}: ${error.message}`;
      throw error;
    }
    return 'no error';
  };

  it.each([
    [() => chooseSampleWindows({ durationS: 0 }), /^durationS: .*> 0, got 0/],
    [() => chooseSampleWindows({ durationS: 60, sceneCutsS: [1, Number.NaN] }), /^sceneCutsS\[1\]: .*got NaN/],
    [() => chooseSampleWindows({ durationS: 60, codedPerSecond: [{ bits: 1, coveredS: -2 }] }), /^codedPerSecond\[0\]\.coveredS: .*got -2/],
    [() => chooseSampleWindows({ durationS: 60 }, { maxShare: 1.5 }), /^maxShare: .*<= 1, got 1.5/],
    [() => chooseSampleWindows({ durationS: 60 }, { windowS: 4, minWindowS: 5 }), /^minWindowS: .*<= 4, got 5/],
    [() => chooseSampleWindows({ durationS: 60 }, { preRollCost: -1 }), /^preRollCost: .*got -1/],
    [() => chooseSampleWindows({ durationS: 60, entryPointsS: [0, Number.NaN] }), /^entryPointsS\[1\]: .*got NaN/],
  ])('%#', (run, expected) => {
    expect(fieldOf(run)).toMatch(expected);
  });
});

describe('chooseSampleWindows: rate scale', () => {
  // The scan's encode: a calm first half (10 kbit each second) and a busy second half (90 kbit).
  const coded = Array.from({ length: 20 }, (_, s) => ({ bits: s < 10 ? 10_000 : 90_000, coveredS: 1 }));

  it('scales a window in the calm half of a title by what the whole title costs against it', () => {
    const [only] = chooseSampleWindows({ durationS: 20, codedPerSecond: coded, candidateStartsS: [2] }, { windowS: 2, maxShare: 0.1 });
    expect(only?.startS).toBe(2);
    // The title averages 50 kbit/s against the window's 10.
    expect(only?.rateScale).toBeCloseTo(5, 9);
  });

  it('scales each window by the seconds it stands for, and leaves windows alone without the encode', () => {
    const windows = chooseSampleWindows(
      { durationS: 20, codedPerSecond: coded, bitsPerSecond: coded.map((c) => c.bits), candidateStartsS: [2, 14] },
      { windowS: 2, maxShare: 0.2, timelineWeight: 0 },
    );
    expect(windows.map((w) => w.startS)).toEqual([2, 14]);
    for (const w of windows) expect(w.rateScale).toBeCloseTo(1, 9);
    const blind = chooseSampleWindows({ durationS: 20, candidateStartsS: [2] }, { windowS: 2, maxShare: 0.1 });
    expect(blind[0]?.rateScale).toBe(1);
  });

  it('counts a partly covered second for the part its frames covered', () => {
    const partial = coded.map((c, s) => (s === 19 ? { bits: 45_000, coveredS: 0.5 } : c));
    const [only] = chooseSampleWindows({ durationS: 20, codedPerSecond: partial, candidateStartsS: [2] }, { windowS: 2, maxShare: 0.1 });
    expect(only?.rateScale).toBeCloseTo((10 * 10_000 + 9 * 90_000 + 45_000) / 19.5 / 10_000, 9);
  });

  it('rejects a coded second that is not one', () => {
    expect(() => chooseSampleWindows({ durationS: 2, codedPerSecond: [{ bits: -1, coveredS: 1 }] })).toThrow(/codedPerSecond\[0\]\.bits/);
  });
});

describe('chooseSampleWindows: MSE scale', () => {
  // The scan's encode lost MSE 2 a frame in the calm first half and 18 in the busy second half,
  // compared on half of each second's frames.
  const coded = Array.from({ length: 20 }, (_, s) => ({ bits: 1000, coveredS: 1, mseS: s < 10 ? 1 : 9, comparedS: 0.5 }));

  it('scales a window in the calm half by what the whole title loses against it', () => {
    const [only] = chooseSampleWindows({ durationS: 20, codedPerSecond: coded, candidateStartsS: [2] }, { windowS: 2, maxShare: 0.1 });
    // The title loses 10 a frame on average against the window's 2.
    expect(only?.mseScale).toBeCloseTo(5, 9);
  });

  it('is 1 where nothing was compared, and where the window was coded as fed', () => {
    const unmeasured = coded.map((c) => ({ bits: c.bits, coveredS: c.coveredS }));
    expect(
      chooseSampleWindows({ durationS: 20, codedPerSecond: unmeasured, candidateStartsS: [2] }, { windowS: 2, maxShare: 0.1 })[0]?.mseScale,
    ).toBe(1);
    // A perfect window against a perfect title: a ratio of rounding, not of content.
    const perfect = coded.map((c) => ({ ...c, mseS: 0 }));
    expect(
      chooseSampleWindows({ durationS: 20, codedPerSecond: perfect, candidateStartsS: [2] }, { windowS: 2, maxShare: 0.1 })[0]?.mseScale,
    ).toBe(1);
  });

  it('rejects a loss without the time it was compared over', () => {
    expect(() => chooseSampleWindows({ durationS: 2, codedPerSecond: [{ bits: 1, coveredS: 1, mseS: 1 }] })).toThrow(
      /codedPerSecond\[0\]\.comparedS/,
    );
  });
});
