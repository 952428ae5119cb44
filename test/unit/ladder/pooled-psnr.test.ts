import { describe, expect, it } from 'vitest';
import { pooledPsnrDb } from '../../../ladder/pooled-psnr.ts';

describe('pooledPsnrDb', () => {
  it('pools MSE, not dB: half a title at 45 dB and half at 30 dB is 32.9 dB', () => {
    expect(
      pooledPsnrDb([
        { psnrDb: 45, weight: 1 },
        { psnrDb: 30, weight: 1 },
      ]),
    ).toBeCloseTo(-10 * Math.log10((10 ** -4.5 + 10 ** -3) / 2), 9);
    expect(
      pooledPsnrDb([
        { psnrDb: 45, weight: 1 },
        { psnrDb: 30, weight: 1 },
      ]),
    ).toBeCloseTo(32.9, 1);
  });

  it('gives one stretch its own figure, and weights by share', () => {
    expect(pooledPsnrDb([{ psnrDb: 41.2, weight: 3 }])).toBeCloseTo(41.2, 9);
    expect(
      pooledPsnrDb([
        { psnrDb: 40, weight: 3 },
        { psnrDb: 40, weight: 0 },
        { psnrDb: 20, weight: 0 },
      ]),
    ).toBeCloseTo(40, 9);
  });

  it('refuses nothing to pool and broken parts', () => {
    expect(() => pooledPsnrDb([])).toThrow(RangeError);
    expect(() => pooledPsnrDb([{ psnrDb: 40, weight: 0 }])).toThrow(RangeError);
    expect(() => pooledPsnrDb([{ psnrDb: Number.NaN, weight: 1 }])).toThrow(RangeError);
    expect(() => pooledPsnrDb([{ psnrDb: 40, weight: -1 }])).toThrow(RangeError);
  });
});
