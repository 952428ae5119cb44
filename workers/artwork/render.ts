/**
 * Full-resolution crops of one frame, stored under the artwork's version prefix. Used by the
 * artwork job for its shortlist and by the API when content ops pin a frame the job did not
 * shortlist (so the API needs neither the job graph nor a queue round trip for one still).
 */
import { renderCrops, UndecodableImageError, type CropOptions, type RawPixels } from '../../artwork/index.ts';
import { FfmpegExitError } from '../ffmpeg/errors.ts';
import { FrameNotDecodedError } from './errors.ts';
import type { ObjectStore } from '../storage/port.ts';
import { withScratch } from '../jobs/scratch.ts';
import { extractStills, type ArtworkVideo } from './extract.ts';
import { frameStem, storeCrops, type ArtworkImage } from './manifest.ts';

/** A frame's crops, or why this one frame could not be cropped (a failure costs only that frame). */
export type RenderedFrame = { readonly images: ArtworkImage[] } | { readonly error: string };

/** Crops one frame (loaded at full resolution by `loadStill`) and stores them; storage errors are thrown for a retry. */
export async function renderFrame(
  atS: number, loadStill: () => Promise<RawPixels>, prefix: string, crops: CropOptions, store: ObjectStore,
): Promise<RenderedFrame> {
  try {
    const still = await loadStill();
    return { images: await storeCrops(store, prefix, frameStem(atS), await renderCrops(still, crops)) };
  } catch (err) {
    if (!(err instanceof FfmpegExitError) && !(err instanceof FrameNotDecodedError) && !(err instanceof UndecodableImageError)) throw err;
    return { error: err.message };
  }
}

/** Re-extracts the frame at `atS` from the master at full resolution, then {@link renderFrame}. */
export async function renderFrameAt(
  input: string, video: ArtworkVideo, atS: number, prefix: string, crops: CropOptions, deps: { readonly store: ObjectStore; readonly tmpDir: string }, signal?: AbortSignal,
): Promise<RenderedFrame> {
  return withScratch(deps.tmpDir, `pin-${frameStem(atS)}`, async (dir) => {
    const stills = extractStills(input, video, [atS], dir, signal === undefined ? {} : { signal });
    try {
      return await renderFrame(atS, stills.loaders[0]!, prefix, crops, deps.store);
    } finally {
      await stills.finished;
    }
  });
}
