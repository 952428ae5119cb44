import { describe, expect, it } from 'vitest';
import type { CodedSecond } from '../../../ladder/coded-rate.ts';
import { chooseSampleWindows, type SampleWindow } from '../../../ladder/sample-windows.ts';

/** The scan's encode of a title whose content drifts: its rate and loss move over two octaves each, so every stretch differs a little. */
const drifting = (seconds: number): CodedSecond[] =>
  Array.from({ length: seconds }, (_, i) => coded(2 ** (2 * Math.sin(i / 37) ** 2), 2 ** (2 * Math.cos(i / 23) ** 2)));

/** One second the scan's encode spent `rate` times 10 kbit on and lost MSE `loss` a frame in, compared on half its frames. */
function coded(rate: number, loss: number): CodedSecond {
  return { bits: rate * 10_000, coveredS: 1, mseS: loss / 2, comparedS: 0.5 };
}

const options = { windowS: 2, minWindowS: 2, maxShare: 0.05, maxTotalS: 60 } as const;

/** What a window costs when every read decodes from the last of `entries` at or before it. */
function costOf(w: SampleWindow, entries: readonly number[], preRollCost: number): number {
  const from = entries.filter((e) => e <= w.startS + 1e-9).at(-1) ?? w.startS;
  return w.durationS + preRollCost * (w.startS - from);
}

describe('chooseSampleWindows: pre-roll', () => {
  it('changes nothing when every candidate start is an entry point', () => {
    const starts = Array.from({ length: 120 }, (_, i) => i * 5);
    const input = { durationS: 600, codedPerSecond: drifting(600), candidateStartsS: starts };
    const free = chooseSampleWindows(input, options);
    expect(free).toHaveLength(15);
    expect(chooseSampleWindows({ ...input, entryPointsS: starts }, { ...options, preRollCost: 0.5 })).toEqual(free);
  });

  it('fits the windows of a master read from its start into the budget, pre-roll included', () => {
    const input = { durationS: 600, codedPerSecond: drifting(600), entryPointsS: [0] };
    const free = chooseSampleWindows(input, options);
    const priced = chooseSampleWindows(input, { ...options, preRollCost: 0.04 });
    // Without a price, 15 windows decode 2 x 4,000 s before them; priced, they cost 30 s of window.
    expect(free).toHaveLength(15);
    expect(free.reduce((s, w) => s + costOf(w, [0], 0.04), 0)).toBeGreaterThan(100);
    expect(priced.length).toBeGreaterThan(1);
    expect(priced.length).toBeLessThan(free.length);
    expect(priced.reduce((s, w) => s + costOf(w, [0], 0.04), 0)).toBeLessThanOrEqual(30 + 1e-9);
    expect(priced.reduce((s, w) => s + w.weight, 0)).toBeCloseTo(1, 9);
  });

  it('counts pre-roll from the last entry point at or before a window', () => {
    const input = { durationS: 600, codedPerSecond: drifting(600), entryPointsS: [0, 300] };
    const priced = chooseSampleWindows(input, { ...options, preRollCost: 0.04 });
    expect(priced.reduce((s, w) => s + costOf(w, [0, 300], 0.04), 0)).toBeLessThanOrEqual(30 + 1e-9);
    // The entry point at 300 s makes the second half as cheap to reach as the first.
    expect(priced.some((w) => w.startS >= 300)).toBe(true);
    expect(priced.length).toBeGreaterThan(chooseSampleWindows({ ...input, entryPointsS: [0] }, { ...options, preRollCost: 0.04 }).length);
  });

  it('still takes one window when the budget buys none, at most a window dearer than the cheapest', () => {
    // Calm, then busy, then the title's mean rate and loss: its most typical stretch is its last, 560 s of pre-roll away.
    const scan = Array.from({ length: 600 }, (_, i) => {
      if (i < 280) return coded(1, 2);
      return i < 560 ? coded(15, 30) : coded(8, 16);
    });
    const input = { durationS: 600, codedPerSecond: scan, entryPointsS: [0] };
    // By content alone: the title's middle in time is not what this asks about.
    const tight = { ...options, maxTotalS: 1, timelineWeight: 0 };
    expect(chooseSampleWindows(input, tight)[0]!.startS).toBeGreaterThanOrEqual(560);
    const priced = chooseSampleWindows(input, { ...tight, preRollCost: 0.04 });
    expect(priced).toHaveLength(1);
    expect(costOf(priced[0]!, [0], 0.04)).toBeLessThanOrEqual(2 + 2 + 1e-9);
  });

  it('prices one read from the start once, to the last window, when every window is cut from it', () => {
    const input = { durationS: 600, codedPerSecond: drifting(600), entryPointsS: [0] };
    const each = chooseSampleWindows(input, { ...options, preRollCost: 0.04 });
    const one = chooseSampleWindows(input, { ...options, preRollCost: 0.04, oneRead: true });
    const end = (ws: readonly SampleWindow[]): number => Math.max(...ws.map((w) => w.startS + w.durationS));
    // One read to the last window's end, and the windows themselves: within the 30 s budget.
    expect(one.reduce((s, w) => s + w.durationS, 0) + 0.04 * end(one)).toBeLessThanOrEqual(30 + 1e-9);
    // Each window no longer pays its own pre-roll: more of them, reaching further into the title.
    expect(one.length).toBeGreaterThan(each.length);
    expect(end(one)).toBeGreaterThan(end(each));
    expect(end(one)).toBeGreaterThan(300);
    expect(one.reduce((s, w) => s + w.weight, 0)).toBeCloseTo(1, 9);
    expect(chooseSampleWindows(input, { ...options, preRollCost: 0.04, oneRead: true })).toEqual(one);
  });

  it('is deterministic', () => {
    const input = { durationS: 900, codedPerSecond: drifting(900), entryPointsS: [0, 450.5] };
    const run = (): SampleWindow[] => chooseSampleWindows(input, { ...options, preRollCost: 0.04 });
    expect(run()).toEqual(run());
  });
});
