/**
 * Edge between encoded images and the pure scoring core: turns a candidate's image into an
 * `AnalysisFrame` (packed RGB + luma at analysis size). Raw frames already at analysis size,
 * which is what the extraction job produces (`-f rawvideo -pix_fmt rgb24`), skip sharp entirely.
 */
import sharp from 'sharp';
import { InvalidFrameError, UndecodableImageError } from './errors.ts';
import type { AnalysisFrame, FrameImage, RawPixels } from './frame.ts';
import { isRawPixels } from './frame.ts';

/**
 * Decode and downscale to `analysisWidthPx` wide (aspect kept; never enlarged).
 * @throws UndecodableImageError when sharp cannot read the image
 * @throws InvalidFrameError when raw pixels do not match their declared size
 */
export async function decodeForAnalysis(image: FrameImage, analysisWidthPx: number): Promise<AnalysisFrame> {
  if (isRawPixels(image)) {
    checkRaw(image);
    if (image.widthPx <= analysisWidthPx) return analysisFrameFromRaw(image);
  }
  const input = isRawPixels(image)
    ? sharp(image.data, { raw: { width: image.widthPx, height: image.heightPx, channels: image.channels } })
    : sharp(image);
  try {
    const { data, info } = await input
      .resize({ width: analysisWidthPx, withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return analysisFrameFromRaw({ data, widthPx: info.width, heightPx: info.height, channels: info.channels as 3 });
  } catch (error) {
    throw new UndecodableImageError(`Could not decode frame image: ${(error as Error).message}`, error);
  }
}

/** Pure conversion of raw pixels (grey, RGB or RGBA) to an `AnalysisFrame`, without resizing. */
export function analysisFrameFromRaw(raw: RawPixels): AnalysisFrame {
  checkRaw(raw);
  const n = raw.widthPx * raw.heightPx;
  const luma = new Uint8Array(n);
  const src = raw.data;
  let rgb: Uint8Array;
  if (raw.channels === 3) {
    // A plain Uint8Array view (no copy) even when handed a Buffer: the hot loops then only ever
    // see one array type, which keeps V8's element access monomorphic.
    rgb = new Uint8Array(src.buffer, src.byteOffset, src.length);
  } else {
    rgb = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) {
      const s = i * raw.channels;
      rgb[i * 3] = src[s] as number;
      rgb[i * 3 + 1] = src[raw.channels === 1 ? s : s + 1] as number;
      rgb[i * 3 + 2] = src[raw.channels === 1 ? s : s + 2] as number;
    }
  }
  for (let i = 0, p = 0; i < n; i++, p += 3) {
    // Rec. 709 weights in 1/256ths (54 + 183 + 19 = 256): exact for greys, ±1 elsewhere.
    luma[i] = (rgb[p]! * 54 + rgb[p + 1]! * 183 + rgb[p + 2]! * 19) >> 8;
  }
  return { widthPx: raw.widthPx, heightPx: raw.heightPx, rgb, luma };
}

function checkRaw(raw: RawPixels): void {
  if (!Number.isInteger(raw.widthPx) || raw.widthPx < 3 || !Number.isInteger(raw.heightPx) || raw.heightPx < 3) {
    throw new InvalidFrameError(`Expected raw frame of at least 3×3 px, got ${raw.widthPx}×${raw.heightPx}`);
  }
  if (![1, 3, 4].includes(raw.channels)) {
    throw new InvalidFrameError(`Expected raw frame with 1, 3 or 4 channels, got ${raw.channels}`);
  }
  const expected = raw.widthPx * raw.heightPx * raw.channels;
  if (raw.data.length !== expected) {
    throw new InvalidFrameError(
      `Expected ${expected} bytes for a ${raw.widthPx}×${raw.heightPx}×${raw.channels} raw frame, got ${raw.data.length}`,
    );
  }
}
