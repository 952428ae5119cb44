import { describe, expect, it } from 'vitest';
import { InvalidArtworkOptionError } from '../../../artwork/errors.ts';
import type { ShortlistItem } from '../../../artwork/shortlist.ts';
import { chooseShortlist, removeNearDuplicates } from '../../../artwork/shortlist.ts';
import { rng } from './images.ts';

/** Items with random, well-separated hashes unless `hashSeed` repeats. */
function item(index: number, atS: number, sceneIndex: number, total: number, hashSeed = index + 1): ShortlistItem {
  const next = rng(hashSeed);
  const word = () => BigInt(Math.floor(next() * 2 ** 32));
  return { index, atS, sceneIndex, total, hashes: { dHash: (word() << 32n) | word(), pHash: (word() << 32n) | word() } };
}

describe('removeNearDuplicates', () => {
  it('keeps the best-scoring frame of a group of identical hashes', () => {
    const items = [item(0, 1, 0, 0.6, 99), item(1, 2, 0, 0.9, 99), item(2, 3, 0, 0.7, 99), item(3, 50, 1, 0.5)];
    const { kept, duplicates } = removeNearDuplicates(items);
    expect(kept.map((k) => k.index).sort()).toEqual([1, 3]);
    expect(duplicates).toEqual(
      expect.arrayContaining([
        { index: 0, duplicateOf: 1 },
        { index: 2, duplicateOf: 1 },
      ]),
    );
  });

  it('treats a hash a few bits away as a duplicate and 11 bits away (dHash) as distinct', () => {
    const base = item(0, 0, 0, 0.9, 5);
    const flip = (h: bigint, bits: number) => {
      let x = h;
      for (let b = 0; b < bits; b++) x ^= 1n << BigInt(b * 5);
      return x;
    };
    const near: ShortlistItem = {
      ...item(1, 10, 1, 0.8),
      hashes: { dHash: flip(base.hashes.dHash, 3), pHash: flip(base.hashes.pHash, 12) },
    };
    const far: ShortlistItem = {
      ...item(2, 20, 2, 0.8),
      hashes: { dHash: flip(base.hashes.dHash, 11), pHash: flip(base.hashes.pHash, 12) },
    };
    expect(removeNearDuplicates([base, near, far]).kept.map((k) => k.index)).toEqual([0, 2]);
  });
});

describe('chooseShortlist', () => {
  it('spreads picks over the timeline instead of taking the top K from one moment', () => {
    // Eight excellent frames in the first 4 s of one scene; decent frames every 60 s elsewhere.
    const cluster = Array.from({ length: 8 }, (_, i) => item(i, i * 0.5, 0, 0.9 - i * 0.001));
    const spread = Array.from({ length: 8 }, (_, i) => item(8 + i, 60 * (i + 1), i + 1, 0.7));
    const { chosen } = chooseShortlist([...cluster, ...spread], { count: 6 });
    expect(chosen).toHaveLength(6);
    expect(chosen[0]!.index).toBe(0);
    expect(chosen.filter((c) => c.atS < 5).length).toBeLessThanOrEqual(2);
    expect(new Set(chosen.map((c) => c.sceneIndex)).size).toBeGreaterThanOrEqual(5);
  });

  it('with diversityWeight 0 is plain top-K by score', () => {
    const items = Array.from({ length: 10 }, (_, i) => item(i, i, 0, i / 10));
    const { chosen } = chooseShortlist(items, { count: 3, diversityWeight: 0 });
    expect(chosen.map((c) => c.index)).toEqual([9, 8, 7]);
  });

  it('returns fewer than K when fewer distinct frames exist', () => {
    const items = [item(0, 1, 0, 0.5, 7), item(1, 2, 0, 0.6, 7), item(2, 90, 1, 0.4)];
    const { chosen, duplicates } = chooseShortlist(items, { count: 8 });
    expect(chosen.map((c) => c.index).sort()).toEqual([1, 2]);
    expect(duplicates).toEqual([{ index: 0, duplicateOf: 1 }]);
  });

  it('validates options with the field name and value in the message', () => {
    expect(() => chooseShortlist([], { count: 0 })).toThrow(InvalidArtworkOptionError);
    expect(() => chooseShortlist([], { diversityWeight: 2 })).toThrow('Expected `diversityWeight` to be a number from 0 to 1, got 2');
    try {
      chooseShortlist([], { maxDHashDistance: 70 });
      expect.unreachable();
    } catch (error) {
      expect((error as InvalidArtworkOptionError).code).toBe('ARTWORK_INVALID_OPTION');
      expect((error as Error).name).toBe('InvalidArtworkOptionError');
    }
  });
});
