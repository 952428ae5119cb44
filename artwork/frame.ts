/**
 * Pixel containers shared by the artwork core. Everything downstream of `decode.ts` works on an
 * `AnalysisFrame`: packed RGB plus a luma plane, at analysis size (typically 480 px wide).
 */

/** Uncompressed pixels, e.g. ffmpeg `-f rawvideo -pix_fmt rgb24` output. Row-major, no padding. */
export interface RawPixels {
  readonly data: Uint8Array;
  readonly widthPx: number;
  readonly heightPx: number;
  /** 1 = grey, 3 = RGB, 4 = RGBA (alpha is ignored). */
  readonly channels: 1 | 3 | 4;
}

/** A sharp-readable encoded image (JPEG, PNG, WebP, …) or raw pixels. */
export type FrameImage = Buffer | RawPixels;

/** A frame proposed by the extraction job. */
export interface Candidate {
  /** Source timestamp in seconds. */
  readonly atS: number;
  /** Index of the scene (shot) the frame belongs to, from scene detection; 0-based. */
  readonly sceneIndex: number;
  readonly image: FrameImage;
}

/** Decoded pixels at analysis size. */
export interface AnalysisFrame {
  readonly widthPx: number;
  readonly heightPx: number;
  /** Packed RGB, 3 bytes per pixel, length widthPx × heightPx × 3. */
  readonly rgb: Uint8Array;
  /** Rec. 709 luma 0–255, one byte per pixel. */
  readonly luma: Uint8Array;
}

export function isRawPixels(image: FrameImage): image is RawPixels {
  return !Buffer.isBuffer(image);
}
