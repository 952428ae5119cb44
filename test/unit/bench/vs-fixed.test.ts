import { describe, expect, it } from 'vitest';
import { describeVsFixed, vsFixed } from '../../../bench/vs-fixed.ts';

// Rate doubling every 3 dB: log-rate a line in quality, so PCHIP reads it exactly.
const line = [30, 33, 36, 39].map((quality) => ({ bitrateKbps: 100 * 2 ** ((quality - 30) / 3), quality }));

describe('vsFixed', () => {
  it('is the BD-rate when the fixed ladder has two rungs or more', () => {
    const fixed = line.map((p) => ({ ...p, bitrateKbps: p.bitrateKbps * 1.25 }));
    const v = vsFixed(fixed, line);
    expect(v.kind).toBe('bd-rate');
    expect(v.kind === 'bd-rate' && v.percent).toBeCloseTo(-20, 9);
  });

  it("is the rate ratio at the fixed ladder's one rung when it has one", () => {
    // At 34.5 dB the per-title line runs at 100 * 2^1.5 kbit/s.
    const v = vsFixed([{ bitrateKbps: 400, quality: 34.5 }], line);
    expect(v).toEqual({ kind: 'at-point', percent: expect.closeTo(((100 * 2 ** 1.5) / 400 - 1) * 100, 9) });
  });

  it('bounds the figure by the lowest rung when it has fewer bits and more quality than the one fixed rung', () => {
    expect(vsFixed([{ bitrateKbps: 150, quality: 28 }], line)).toEqual({ kind: 'at-most', percent: expect.closeTo(-100 / 3, 9) });
    expect(describeVsFixed({ kind: 'at-most', percent: -100 / 3 })).toMatch(/^at most -33\.3%/);
  });

  it('gives no figure where the curves cannot be compared without extrapolating', () => {
    // Below the ladder's range with more bits than it (no bound), and above its top.
    expect(vsFixed([{ bitrateKbps: 90, quality: 28 }], line).kind).toBe('none');
    const above = vsFixed([{ bitrateKbps: 900, quality: 45 }], line);
    expect(above.kind === 'none' && above.reason).toMatch(/outside/);
  });
});
