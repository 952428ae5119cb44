/**
 * Perceptual hashes over small greyscale thumbnails, used to drop near-duplicate frames.
 *
 * - dHash: 9×8 thumbnail, one bit per horizontal neighbour pair (left brighter than right).
 *   Cheap and robust to small exposure and compression changes.
 * - pHash: 32×32 thumbnail, 2-D DCT-II, the 8×8 lowest frequencies compared with their median
 *   (DC excluded from the median, since it only carries mean brightness). More robust than
 *   dHash to small shifts and rescaling.
 *
 * Both are 64-bit and stored as `bigint` so Hamming distance is exact.
 */
import type { Plane } from './thumbnail.ts';
import { downscale } from './thumbnail.ts';

export interface PerceptualHashes {
  readonly dHash: bigint;
  readonly pHash: bigint;
}

export function perceptualHashes(luma: Uint8Array, widthPx: number, heightPx: number): PerceptualHashes {
  return {
    dHash: dHashOf(downscale(luma, widthPx, heightPx, 9, 8)),
    pHash: pHashOf(downscale(luma, widthPx, heightPx, 32, 32)),
  };
}

/** dHash from a 9×8 plane. */
export function dHashOf(thumb: Plane): bigint {
  let hash = 0n;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      const left = thumb.values[y * 9 + x] as number;
      const right = thumb.values[y * 9 + x + 1] as number;
      hash = (hash << 1n) | (left > right ? 1n : 0n);
    }
  }
  return hash;
}

const DCT_N = 32;
// cos((2x+1)uπ / 2N) for u < 8 only: pHash never looks past the 8 lowest frequencies.
const DCT_COS: Float64Array = (() => {
  const table = new Float64Array(8 * DCT_N);
  for (let u = 0; u < 8; u++) {
    for (let x = 0; x < DCT_N; x++) table[u * DCT_N + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * DCT_N));
  }
  return table;
})();

/** pHash from a 32×32 plane. */
export function pHashOf(thumb: Plane): bigint {
  // Separable DCT, keeping only 8 output frequencies per axis (normalisation constants are
  // irrelevant: bits come from comparisons with the median).
  const rows = new Float64Array(DCT_N * 8);
  for (let y = 0; y < DCT_N; y++) {
    for (let u = 0; u < 8; u++) {
      let acc = 0;
      for (let x = 0; x < DCT_N; x++) acc += (thumb.values[y * DCT_N + x] as number) * (DCT_COS[u * DCT_N + x] as number);
      rows[y * 8 + u] = acc;
    }
  }
  const coeffs = new Float64Array(64);
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let acc = 0;
      for (let y = 0; y < DCT_N; y++) acc += (rows[y * 8 + u] as number) * (DCT_COS[v * DCT_N + y] as number);
      coeffs[v * 8 + u] = acc;
    }
  }
  const median = medianOf(coeffs.subarray(1));
  let hash = 0n;
  for (let i = 0; i < 64; i++) hash = (hash << 1n) | ((coeffs[i] as number) > median ? 1n : 0n);
  return hash;
}

/** Number of differing bits between two 64-bit hashes (0–64). */
export function hammingDistance(a: bigint, b: bigint): number {
  let x = BigInt.asUintN(64, a ^ b);
  let count = 0;
  while (x !== 0n) {
    x &= x - 1n;
    count++;
  }
  return count;
}

/** 16 lowercase hex digits, for JSON output and logs. */
export function hashToHex(hash: bigint): string {
  return BigInt.asUintN(64, hash).toString(16).padStart(16, '0');
}

function medianOf(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
