/**
 * Crops of a chosen frame for the apps: 16:9 hero, 2:3 poster, 1:1 tile, each encoded as AVIF,
 * WebP and JPEG at a few widths. The crop window is placed by sharp's attention strategy
 * (luminance frequency, saturation, skin tones) once per shape at the largest exact-ratio size,
 * and every width is a downscale of that one window, so all sizes of a shape show the same
 * picture. Returns buffers and metadata only: storing them is the caller's job.
 */
import sharp from 'sharp';
import { InvalidArtworkOptionError, UndecodableImageError } from './errors.ts';
import type { FrameImage } from './frame.ts';
import { isRawPixels } from './frame.ts';

export type CropShape = 'hero' | 'poster' | 'tile';
export type ArtworkFormat = 'avif' | 'webp' | 'jpeg';

/** Aspect ratio as width:height in lowest terms. */
export const CROP_ASPECTS: Readonly<Record<CropShape, { readonly w: number; readonly h: number }>> = Object.freeze({
  hero: { w: 16, h: 9 },
  poster: { w: 2, h: 3 },
  tile: { w: 1, h: 1 },
});

const CONTENT_TYPES: Readonly<Record<ArtworkFormat, string>> = { avif: 'image/avif', webp: 'image/webp', jpeg: 'image/jpeg' };

export interface CropOptions {
  /**
   * Output widths per shape, px. Each must be a multiple of the aspect's width term (16 for
   * hero, 2 for poster) so the height is a whole number and the ratio exact. Widths larger than
   * the crop window are skipped rather than upscaled.
   * @defaultValue hero [1920, 1280, 640], poster [720, 480, 240], tile [1024, 512, 256]
   */
  readonly widthsPx?: Partial<Record<CropShape, readonly number[]>>;
  /** @defaultValue ['avif', 'webp', 'jpeg'] */
  readonly formats?: readonly ArtworkFormat[];
  /** Encoder quality 1–100 per format. @defaultValue avif 50, webp 80, jpeg 82 */
  readonly quality?: Partial<Record<ArtworkFormat, number>>;
  /** AVIF encoder effort 0 (fastest) – 9 (smallest). @defaultValue 4 */
  readonly avifEffort?: number;
  /** WebP encoder effort 0 (fastest) – 6 (smallest). @defaultValue 4 */
  readonly webpEffort?: number;
  /**
   * Chroma resolution of AVIF renditions. Lossy WebP is always 4:2:0 and sharp's JPEG is by
   * default, so '4:2:0' treats colour as the other two formats do (and video masters carry no
   * more); '4:4:4' keeps full-resolution colour for graphics, at about a fifth more AVIF encode
   * time. @defaultValue '4:4:4'
   */
  readonly avifChromaSubsampling?: '4:2:0' | '4:4:4';
  /** JPEG through mozjpeg's trellis quantisation: about a fifth smaller, about ten times the CPU. @defaultValue true */
  readonly mozjpeg?: boolean;
}

export interface Rendition {
  readonly format: ArtworkFormat;
  readonly contentType: string;
  readonly widthPx: number;
  readonly heightPx: number;
  readonly data: Buffer;
}

export interface CropSet {
  readonly shape: CropShape;
  /** E.g. "16:9". */
  readonly aspect: string;
  /** Crop window in source pixels. */
  readonly region: { readonly leftPx: number; readonly topPx: number; readonly widthPx: number; readonly heightPx: number };
  /** Largest first, then by format in the order requested. */
  readonly renditions: readonly Rendition[];
  /** Requested widths larger than the crop window (not upscaled). */
  readonly skippedWidthsPx: readonly number[];
}

const DEFAULT_WIDTHS: Readonly<Record<CropShape, readonly number[]>> = {
  hero: [1920, 1280, 640],
  poster: [720, 480, 240],
  tile: [1024, 512, 256],
};
const DEFAULT_QUALITY: Readonly<Record<ArtworkFormat, number>> = { avif: 50, webp: 80, jpeg: 82 };

export interface ResolvedCropOptions {
  readonly widthsPx: Readonly<Record<CropShape, readonly number[]>>;
  readonly formats: readonly ArtworkFormat[];
  readonly quality: Readonly<Record<ArtworkFormat, number>>;
  readonly avifEffort: number;
  readonly webpEffort: number;
  readonly avifChromaSubsampling: '4:2:0' | '4:4:4';
  readonly mozjpeg: boolean;
}

export function resolveCropOptions(options: CropOptions = {}): ResolvedCropOptions {
  const widthsPx = { ...DEFAULT_WIDTHS, ...options.widthsPx };
  for (const shape of Object.keys(CROP_ASPECTS) as CropShape[]) {
    const step = CROP_ASPECTS[shape].w;
    for (const width of widthsPx[shape]) {
      if (!Number.isInteger(width) || width < step || width % step !== 0) {
        throw new InvalidArtworkOptionError(`widthsPx.${shape}`, `integers that are positive multiples of ${step}`, widthsPx[shape]);
      }
    }
  }
  const formats = options.formats ?? ['avif', 'webp', 'jpeg'];
  if (formats.length === 0 || formats.some((f) => !(f in CONTENT_TYPES))) {
    throw new InvalidArtworkOptionError('formats', 'a non-empty list of "avif", "webp", "jpeg"', formats);
  }
  const quality = { ...DEFAULT_QUALITY, ...options.quality };
  for (const [format, q] of Object.entries(quality)) {
    if (!Number.isInteger(q) || q < 1 || q > 100) throw new InvalidArtworkOptionError(`quality.${format}`, 'an integer from 1 to 100', q);
  }
  const avifEffort = options.avifEffort ?? 4;
  if (!Number.isInteger(avifEffort) || avifEffort < 0 || avifEffort > 9) {
    throw new InvalidArtworkOptionError('avifEffort', 'an integer from 0 to 9', avifEffort);
  }
  const webpEffort = options.webpEffort ?? 4;
  if (!Number.isInteger(webpEffort) || webpEffort < 0 || webpEffort > 6) {
    throw new InvalidArtworkOptionError('webpEffort', 'an integer from 0 to 6', webpEffort);
  }
  const avifChromaSubsampling = options.avifChromaSubsampling ?? '4:4:4';
  if (avifChromaSubsampling !== '4:2:0' && avifChromaSubsampling !== '4:4:4') {
    throw new InvalidArtworkOptionError('avifChromaSubsampling', '"4:2:0" or "4:4:4"', avifChromaSubsampling);
  }
  const mozjpeg = options.mozjpeg ?? true;
  if (typeof mozjpeg !== 'boolean') throw new InvalidArtworkOptionError('mozjpeg', 'a boolean', mozjpeg);
  return { widthsPx, formats, quality, avifEffort, webpEffort, avifChromaSubsampling, mozjpeg };
}

/**
 * Render every shape × width × format for one chosen frame (ideally re-extracted at full
 * resolution: widths larger than the frame allows are skipped).
 * @throws UndecodableImageError if the image cannot be read
 * @throws InvalidArtworkOptionError on bad options
 */
export async function renderCrops(image: FrameImage, options: CropOptions = {}): Promise<readonly CropSet[]> {
  const opts = resolveCropOptions(options);
  const source = await sourcePixels(image);
  const shapes = Object.keys(CROP_ASPECTS) as CropShape[];
  return Promise.all(shapes.map((shape) => renderShape(source, shape, opts)));
}

type SourcePixels = { data: Buffer; width: number; height: number; channels: 3 };

/** The frame as 8-bit sRGB RGB pixels, the form every shape is cut from. */
async function sourcePixels(image: FrameImage): Promise<SourcePixels> {
  if (isRawPixels(image) && image.channels === 3 && image.data.length === image.widthPx * image.heightPx * 3) {
    // Already in that form (a still from ffmpeg): a pass over every pixel (about 6 ms at 720p) saved.
    return {
      data: Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength),
      width: image.widthPx,
      height: image.heightPx,
      channels: 3,
    };
  }
  try {
    const input = isRawPixels(image)
      ? sharp(image.data, { raw: { width: image.widthPx, height: image.heightPx, channels: image.channels } })
      : sharp(image);
    const { data, info } = await input.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: 3 };
  } catch (error) {
    throw new UndecodableImageError(`Could not decode image for cropping: ${(error as Error).message}`, error);
  }
}

async function renderShape(source: SourcePixels, shape: CropShape, opts: ResolvedCropOptions): Promise<CropSet> {
  const aspect = CROP_ASPECTS[shape];
  const raw = { raw: { width: source.width, height: source.height, channels: source.channels } };
  // Largest window with the exact ratio: a whole multiple k of the ratio's terms.
  const k = Math.min(Math.floor(source.width / aspect.w), Math.floor(source.height / aspect.h));
  const cropW = k * aspect.w;
  const cropH = k * aspect.h;
  const widths = [...opts.widthsPx[shape]].sort((a, b) => b - a);
  const skippedWidthsPx = widths.filter((w) => w > cropW);
  const base = { shape, aspect: `${aspect.w}:${aspect.h}`, skippedWidthsPx };
  if (k === 0) return { ...base, region: { leftPx: 0, topPx: 0, widthPx: 0, heightPx: 0 }, renditions: [] };

  // cover + attention scales the frame so the window just fits (scale ≈ 1, since the window is
  // the largest that fits), then drops the least interesting edges; offsets come back negative
  // and in scaled pixels.
  const scale = Math.max(cropW / source.width, cropH / source.height);
  // A window that is the whole frame (16:9 from a 16:9 master) has nothing to place.
  const whole = cropW === source.width && cropH === source.height;
  const { data: window, info } = whole
    ? { data: source.data, info: { width: cropW, height: cropH, channels: 3, cropOffsetLeft: 0, cropOffsetTop: 0 } }
    : await sharp(source.data, raw)
        .resize(cropW, cropH, { fit: 'cover', position: sharp.strategy.attention })
        .raw()
        .toBuffer({ resolveWithObject: true });
  const region = {
    leftPx: Math.round(Math.abs(info.cropOffsetLeft ?? 0) / scale),
    topPx: Math.round(Math.abs(info.cropOffsetTop ?? 0) / scale),
    widthPx: cropW,
    heightPx: cropH,
  };

  const sizes = await Promise.all(
    widths
      .filter((w) => w <= cropW)
      .map(async (widthPx) => {
        const heightPx = (widthPx / aspect.w) * aspect.h;
        // Resized once per width and encoded from those pixels in every format: the same bytes as a
        // resize per format, for a third of the resampling.
        const pixels =
          widthPx === info.width && heightPx === info.height
            ? window
            : await sharp(window, { raw: { width: info.width, height: info.height, channels: info.channels as 3 } })
                // 'fill' because the ratio is already exact; 'cover' could shave a pixel to rounding.
                .resize(widthPx, heightPx, { fit: 'fill' })
                .raw()
                .toBuffer();
        return Promise.all(opts.formats.map((format) => encode(pixels, widthPx, heightPx, format, opts)));
      }),
  );
  return { ...base, region, renditions: sizes.flat() };
}

async function encode(
  pixels: Buffer,
  widthPx: number,
  heightPx: number,
  format: ArtworkFormat,
  opts: ResolvedCropOptions,
): Promise<Rendition> {
  const image = sharp(pixels, { raw: { width: widthPx, height: heightPx, channels: 3 } });
  const encoder =
    format === 'avif'
      ? image.avif({ quality: opts.quality.avif, effort: opts.avifEffort, chromaSubsampling: opts.avifChromaSubsampling })
      : format === 'webp'
        ? image.webp({ quality: opts.quality.webp, effort: opts.webpEffort })
        : image.jpeg({ quality: opts.quality.jpeg, mozjpeg: opts.mozjpeg });
  const data = await encoder.toBuffer();
  return { format, contentType: CONTENT_TYPES[format], widthPx, heightPx, data };
}
