/**
 * A custom artwork upload checked and cropped: runs in the imaging helper process (see
 * helper.ts), never in the API, because decoding an untrusted image is where memory goes and
 * where a decoder bug would crash the process that serves players.
 */
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { renderCrops, type CropSet } from '../../artwork/crops.ts';
import { UndecodableImageError } from '../../artwork/errors.ts';
import { sha256Hex } from '../../stills/manifest.ts';
import { DEFAULT_ARTWORK_SETTINGS } from '../../stills/settings.ts';

/** Shortest side a custom image needs, px: the smallest tile crop is 256 px. */
export const MIN_CUSTOM_ARTWORK_SIDE_PX = 256;
/** Largest decoded size accepted, pixels: a small file can declare a huge canvas. */
const MAX_CUSTOM_ARTWORK_PIXELS = 80_000_000;
/** Pixels the crops are cut from: a 1920 px hero from a 1:2 portrait needs 7.4 MP, a 4:1 panorama 4.7 MP. */
const CROP_SOURCE_PIXELS = 8_000_000;
const IMAGE_FORMATS = new Set(['jpeg', 'png', 'webp', 'avif', 'heif', 'tiff', 'gif']);

export type PreparedArtwork =
  | {
      readonly kind: 'ok';
      readonly sha256: string;
      readonly widthPx: number;
      readonly heightPx: number;
      readonly crops: readonly CropSet[];
    }
  | { readonly kind: 'not-an-image'; readonly reason: string }
  | { readonly kind: 'too-small'; readonly widthPx: number; readonly heightPx: number; readonly minSidePx: number };

export async function prepareCustomArtwork(data: Buffer): Promise<PreparedArtwork> {
  let meta: Metadata;
  try {
    meta = await sharp(data, { limitInputPixels: MAX_CUSTOM_ARTWORK_PIXELS }).metadata();
  } catch (err) {
    return { kind: 'not-an-image', reason: (err as Error).message };
  }
  if (meta.format === undefined || !IMAGE_FORMATS.has(meta.format) || meta.width === undefined || meta.height === undefined) {
    return { kind: 'not-an-image', reason: `unsupported format ${meta.format ?? 'unknown'}` };
  }
  // EXIF orientation 5–8 swaps the sides once applied.
  const [w, h] = (meta.orientation ?? 1) >= 5 ? [meta.height, meta.width] : [meta.width, meta.height];
  if (Math.min(w, h) < MIN_CUSTOM_ARTWORK_SIDE_PX)
    return { kind: 'too-small', widthPx: w, heightPx: h, minSidePx: MIN_CUSTOM_ARTWORK_SIDE_PX };
  let upright: { data: Buffer; info: OutputInfo };
  try {
    // Decoding the whole image is the real test: a valid header can hide truncated pixel data.
    // Cut from at most CROP_SOURCE_PIXELS (shrink-on-load where the format allows).
    const scale = Math.min(1, Math.sqrt(CROP_SOURCE_PIXELS / (w * h)));
    upright = await sharp(data, { limitInputPixels: MAX_CUSTOM_ARTWORK_PIXELS, sequentialRead: true })
      .rotate()
      .resize({ width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)), fit: 'fill' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    return { kind: 'not-an-image', reason: (err as Error).message };
  }
  try {
    const crops = await renderCrops(
      { data: upright.data, widthPx: upright.info.width, heightPx: upright.info.height, channels: 3 },
      DEFAULT_ARTWORK_SETTINGS.crops,
    );
    return { kind: 'ok', sha256: sha256Hex(data), widthPx: w, heightPx: h, crops };
  } catch (err) {
    if (err instanceof UndecodableImageError) return { kind: 'not-an-image', reason: err.message };
    throw err;
  }
}
