/**
 * Full-resolution crops of one frame. The artwork job stores them under the artwork's version
 * prefix for its shortlist; the API's imaging helper crops a frame the job did not shortlist
 * when content ops pin it (no job graph and no queue round trip for one still).
 */
import { renderCrops, UndecodableImageError, type CropOptions, type CropSet, type RawPixels } from '../artwork/index.ts';
import { FfmpegExitError } from '../ffmpeg/errors.ts';
import { FrameNotDecodedError } from './errors.ts';
import type { ObjectStore } from '../storage/port.ts';
import { withScratch } from '../storage/scratch.ts';
import type { ArtworkVideo } from './extract.ts';
import { extractStills } from './stills.ts';
import { frameStem, storeCrops, type ArtworkImage } from './manifest.ts';

/** A frame's crops, or why this one frame could not be cropped (a failure costs only that frame). */
export type RenderedFrame = { readonly images: ArtworkImage[] } | { readonly error: string };

/** A frame's crops in memory, or why it could not be cropped. */
export type CroppedFrame = { readonly crops: readonly CropSet[] } | { readonly error: string };

/** Crops one frame (loaded at full resolution by `loadStill`); an undecodable frame is an error value, not a throw. */
export async function cropFrame(loadStill: () => Promise<RawPixels>, crops: CropOptions): Promise<CroppedFrame> {
  try {
    return { crops: await renderCrops(await loadStill(), crops) };
  } catch (err) {
    if (!(err instanceof FfmpegExitError) && !(err instanceof FrameNotDecodedError) && !(err instanceof UndecodableImageError)) throw err;
    return { error: err.message };
  }
}

/** Crops one frame and stores them; storage errors are thrown for a retry. */
export async function renderFrame(
  atS: number,
  loadStill: () => Promise<RawPixels>,
  prefix: string,
  crops: CropOptions,
  store: ObjectStore,
): Promise<RenderedFrame> {
  const cropped = await cropFrame(loadStill, crops);
  return 'error' in cropped ? cropped : { images: await storeCrops(store, prefix, frameStem(atS), cropped.crops) };
}

/** Re-extracts the frame at `atS` from the master at full resolution and crops it, in memory. */
export async function cropFrameAt(
  input: string,
  video: ArtworkVideo,
  atS: number,
  crops: CropOptions,
  tmpDir: string,
  signal?: AbortSignal,
): Promise<CroppedFrame> {
  return withScratch(tmpDir, `pin-${frameStem(atS)}`, async (dir) => {
    const stills = extractStills(input, video, [atS], dir, signal === undefined ? {} : { signal });
    try {
      return await cropFrame(stills.loaders[0]!, crops);
    } finally {
      await stills.finished;
    }
  });
}
