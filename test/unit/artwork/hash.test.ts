import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { featuresOf } from '../../../artwork/features.ts';
import { analysisFrameFromRaw, decodeForAnalysis } from '../../../artwork/decode.ts';
import type { RawPixels } from '../../../artwork/frame.ts';
import type { PerceptualHashes } from '../../../artwork/hash.ts';
import { hammingDistance, hashToHex } from '../../../artwork/hash.ts';
import { detailed, encoded, nudged } from './images.ts';

const hashesOf = (raw: RawPixels): PerceptualHashes => featuresOf(analysisFrameFromRaw(raw)).hashes;

describe('hammingDistance', () => {
  it('counts differing bits over all 64 bits, including the top one', () => {
    expect(hammingDistance(0n, 0n)).toBe(0);
    expect(hammingDistance(0b1011n, 0b0001n)).toBe(2);
    expect(hammingDistance(0n, (1n << 64n) - 1n)).toBe(64);
    expect(hammingDistance(1n << 63n, 0n)).toBe(1);
  });

  it('formats hashes as 16 hex digits', () => {
    expect(hashToHex(0xabcn)).toBe('0000000000000abc');
    expect(hashToHex((1n << 64n) - 1n)).toBe('ffffffffffffffff');
  });
});

describe('perceptual hashes', () => {
  let scenes: RawPixels[];
  beforeAll(async () => {
    scenes = await Promise.all([11, 12, 13, 14, 15, 16].map((seed) => detailed(seed)));
  });

  it('tells distinct frames apart (dHash and pHash both > 10 bits for every pair)', () => {
    const hashes = scenes.map(hashesOf);
    for (let i = 0; i < hashes.length; i++) {
      for (let j = i + 1; j < hashes.length; j++) {
        expect(hammingDistance(hashes[i]!.dHash, hashes[j]!.dHash), `dHash ${i}/${j}`).toBeGreaterThan(10);
        expect(hammingDistance(hashes[i]!.pHash, hashes[j]!.pHash), `pHash ${i}/${j}`).toBeGreaterThan(10);
      }
    }
  });

  it('matches a brightness-nudged copy exactly or nearly', () => {
    const a = hashesOf(scenes[0]!);
    const b = hashesOf(nudged(scenes[0]!, 6));
    expect(hammingDistance(a.dHash, b.dHash)).toBeLessThanOrEqual(4);
    expect(hammingDistance(a.pHash, b.pHash)).toBeLessThanOrEqual(4);
  });

  it('matches a low-quality JPEG re-encode and a rescaled copy within the duplicate threshold', async () => {
    const a = hashesOf(scenes[1]!);
    const jpeg = await sharp(await encoded(scenes[1]!, 'png'))
      .jpeg({ quality: 40 })
      .toBuffer();
    const reencoded = featuresOf(await decodeForAnalysis(jpeg, 480)).hashes;
    const small = await sharp(jpeg).resize(320).png().toBuffer();
    // Decoded back up to 320 wide (never enlarged): hashes are size-independent.
    const rescaled = featuresOf(await decodeForAnalysis(small, 480)).hashes;
    for (const h of [reencoded, rescaled]) {
      expect(hammingDistance(a.dHash, h.dHash)).toBeLessThanOrEqual(10);
      expect(hammingDistance(a.pHash, h.pHash)).toBeLessThanOrEqual(8);
    }
  });
});
