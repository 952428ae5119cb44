import { describe, expect, it } from 'vitest';
import type { CodedSecond } from '../../../ladder/coded-rate.ts';
import { planScanBursts } from '../../../ladder/scan-bursts.ts';
import { chooseSampleWindows } from '../../../ladder/sample-windows.ts';
import { parsePackets } from '../../../workers/measure/keyframes.ts';

describe('planScanBursts', () => {
  it('scans a short title whole, and any title whose keyframes are unknown', () => {
    expect(planScanBursts({ durationS: 20, keyframesS: [0, 2, 4, 6, 8, 10, 12, 14, 16, 18] })).toBeUndefined();
    expect(planScanBursts({ durationS: 600, keyframesS: [0] })).toBeUndefined();
  });

  it('spreads bursts of a window length from keyframes over the timeline, a quarter of it, never overlapping', () => {
    const keyframesS = Array.from({ length: 300 }, (_, i) => i * 2);
    const bursts = planScanBursts({ durationS: 600, keyframesS }) ?? [];
    expect(bursts).toHaveLength(50);
    const keys = new Set(keyframesS);
    for (const [i, b] of bursts.entries()) {
      expect(keys.has(b.startS)).toBe(true);
      expect(b.durationS).toBe(3);
      if (i > 0) expect(b.startS).toBeGreaterThanOrEqual(bursts[i - 1]!.startS + bursts[i - 1]!.durationS);
    }
    expect(bursts.reduce((s, b) => s + b.durationS, 0) / 600).toBeCloseTo(0.25, 2);
    // Even spread: first near the start, last near the end.
    expect(bursts[0]!.startS).toBeLessThan(12);
    expect(bursts.at(-1)!.startS).toBeGreaterThan(580);
  });

  it('takes each keyframe at most once when the GOP is longer than the spacing, and caps the count', () => {
    const gop10 = planScanBursts({ durationS: 60, keyframesS: [0, 10, 20, 30, 40, 50] }) ?? [];
    // Five bursts aimed at 4.5, 16.5, 28.5, 40.5 and 52.5 s take the nearest keyframes.
    expect(gop10.map((b) => b.startS)).toEqual([0, 20, 30, 40, 50]);
    // Ten bursts wanted, three keyframes: three bursts.
    expect(planScanBursts({ durationS: 120, keyframesS: [0, 40, 80] })?.map((b) => b.startS)).toEqual([0, 40, 80]);
    const long =
      planScanBursts({ durationS: 36_000, keyframesS: Array.from({ length: 18_000 }, (_, i) => i * 2) }, { maxBursts: 120 }) ?? [];
    expect(long).toHaveLength(120);
  });

  it('rejects bad options naming the field', () => {
    expect(() => planScanBursts({ durationS: 60, keyframesS: [0, 30] }, { share: 2 })).toThrow(/share/);
    expect(() => planScanBursts({ durationS: -1, keyframesS: [] })).toThrow(/durationS/);
  });
});

describe('chooseSampleWindows over a sparse scan', () => {
  it('starts windows only where bursts were scanned, and reads unscanned seconds as unknown', () => {
    // 60 s: calm except one busy burst at 30 s; seconds outside the bursts were not scanned.
    const scan = Array.from({ length: 60 }, () => null as CodedSecond | null);
    for (const start of [0, 10, 20, 40, 50])
      for (let s = start; s < start + 3; s++) scan[s] = { bits: 20_000, coveredS: 1, mseS: 2, comparedS: 0.5 };
    for (let s = 30; s < 33; s++) scan[s] = { bits: 300_000, coveredS: 1, mseS: 12, comparedS: 0.5 };
    const windows = chooseSampleWindows(
      { durationS: 60, codedPerSecond: scan, candidateStartsS: [0, 10, 20, 30, 40, 50] },
      { windowS: 3, maxShare: 0.1 },
    );
    expect(windows).toHaveLength(2);
    for (const w of windows) expect([0, 10, 20, 30, 40, 50]).toContain(w.startS);
    // The busy stretch is unlike the rest, so the second window goes there.
    expect(windows.map((w) => w.startS)).toContain(30);
    expect(windows.reduce((s, w) => s + w.weight, 0)).toBeCloseTo(1, 9);
  });
});

describe('parsePackets', () => {
  it('keeps key packets only, in presentation order, and skips unreadable times', () => {
    const csv =
      '0.000000,N/A,0.04,100,K_\n0.080000,0.04,0.04,50,__\nN/A,N/A,0.04,10,K_\n10.040000,10,0.04,7,K_\n9.960000,9.9,0.04,9,K_\n\n';
    expect(parsePackets(csv).keyframesS).toEqual([0, 9.96, 10.04]);
  });

  it('counts the bits of each second of title time, from the origin given', () => {
    const csv = [
      '1.000000,1,0.1,1000,K_',
      '1.500000,1.4,0.1,500,__',
      '2.250000,2.2,0.1,250,__',
      '3.999000,3.9,0.1,125,__',
      '0.900000,0.9,0.1,99,__',
    ].join('\n');
    // Origin 1 s: the packet at 0.9 s lies before the title's first frame and counts nowhere.
    expect(parsePackets(csv, 1).bitsPerSecond).toEqual([1500 * 8, 250 * 8, 125 * 8]);
    expect(parsePackets('').bitsPerSecond).toEqual([]);
  });

  it('counts a packet without a presentation time at its decoding time, and nothing past the title', () => {
    const csv = ['0.000000,0,0.5,100,K_', 'N/A,1.5,0.5,200,__', '99999999.000000,2,0.5,300,__'].join('\n');
    expect(parsePackets(csv, 0, 3).bitsPerSecond).toEqual([800, 1600]);
  });

  it("ends where the latest packet ends, from the origin: the video's extent, not the container's", () => {
    // A 60 s video at 30 fps starting at 0.021 s (its audio starts at 0), packets out of order (B-frames).
    const csv = ['0.021000,0.021,0.033,900,K_', '59.988000,59.954,0.033,40,__', '59.954000,59.921,0.033,40,__'].join('\n');
    expect(parsePackets(csv, 0.021, 60.021).endS).toBeCloseTo(60, 9);
    // No duration stated (N/A), or only a broken timestamp far out: no extent.
    expect(parsePackets('0.000000,0,N/A,100,K_').endS).toBeUndefined();
    expect(parsePackets('99999999.000000,2,0.04,300,__', 0, 3).endS).toBeUndefined();
  });

  it('ends an untimed packet no earlier than its decoding time: packed B-frames leave the last two untimed', () => {
    // OpenCV's XviD re-encode of Megamind.avi: 270 frames at 30 fps, the last timed one at 8.933 s.
    const csv = ['N/A,0.000000,0.033333,900,K_', '8.933333,8.933333,0.033333,40,__', 'N/A,8.966667,0.033333,40,__'].join('\n');
    expect(parsePackets(csv, 0, 9).endS).toBeCloseTo(9, 5);
  });
});
