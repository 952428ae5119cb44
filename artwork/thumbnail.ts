/**
 * Area-averaged downscaling of a luma plane, in plain JS. Hashes and neighbour comparisons need
 * tiny thumbnails (9×8, 32×32, 32×18); doing this here rather than with a sharp pipeline per
 * frame keeps scoring synchronous and avoids ~1 ms of native-call overhead per thumbnail.
 */

/** A single-channel float image. */
export interface Plane {
  readonly widthPx: number;
  readonly heightPx: number;
  /** Row-major values, same scale as the source (0–255 for luma). */
  readonly values: Float32Array;
}

/**
 * Box-filter `src` (widthPx × heightPx bytes) down to `outW` × `outH`. Each output cell is the
 * mean of the source pixels whose centres fall inside it, so every source pixel counts once.
 * Upscaling is not supported: callers only ask for sizes smaller than the frame.
 */
export function downscale(src: Uint8Array, widthPx: number, heightPx: number, outW: number, outH: number): Plane {
  const sums = new Uint32Array(outW * outH);
  const counts = new Uint32Array(outW * outH);
  const colOf = new Int32Array(widthPx);
  for (let x = 0; x < widthPx; x++) colOf[x] = Math.min(outW - 1, Math.floor((x * outW) / widthPx));
  const colCounts = new Uint32Array(outW);
  for (let x = 0; x < widthPx; x++) colCounts[colOf[x]!]!++;
  for (let y = 0; y < heightPx; y++) {
    const rowOut = Math.min(outH - 1, Math.floor((y * outH) / heightPx)) * outW;
    for (let x = 0, i = y * widthPx; x < widthPx; x++, i++) sums[rowOut + colOf[x]!]! += src[i]!;
    for (let c = 0; c < outW; c++) counts[rowOut + c]! += colCounts[c]!;
  }
  const values = new Float32Array(outW * outH);
  for (let i = 0; i < values.length; i++) {
    const n = counts[i]!;
    values[i] = n === 0 ? 0 : sums[i]! / n;
  }
  return { widthPx: outW, heightPx: outH, values };
}
