import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../../storage/transfer.ts';

describe('mapLimit', () => {
  it('keeps at most `limit` calls in flight and returns results in input order', async () => {
    let active = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 3, 2, 4], 2, async (x) => {
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, x));
      active--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 30, 20, 40]);
    expect(peak).toBe(2);
  });

  it('on a failure starts nothing more, and rejects only once the calls in flight have settled', async () => {
    const started: number[] = [];
    let slowDone = false;
    const run = mapLimit([0, 1, 2, 3], 2, async (x) => {
      started.push(x);
      if (x === 0) {
        await new Promise((r) => setTimeout(r, 5));
        throw new Error('first failure');
      }
      await new Promise((r) => setTimeout(r, 40));
      slowDone = true;
      return x;
    });
    await expect(run).rejects.toThrow('first failure');
    expect(slowDone).toBe(true);
    expect(started).toEqual([0, 1]);
  });
});
