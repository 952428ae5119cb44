/**
 * Full-resolution crops of one frame, stored under the artwork's version prefix. Used by the
 * artwork job for its shortlist and by the API when content ops pin a frame the job did not
 * shortlist (so the API needs neither the job graph nor a queue round trip for one still).
 */
import { renderCrops, UndecodableImageError, type CropOptions, type CropSet, type RawPixels } from '../../artwork/index.ts';
import { FfmpegExitError } from '../ffmpeg/errors.ts';
import type { ObjectStore } from '../storage/port.ts';
import { withScratch } from '../jobs/scratch.ts';
import { extractStills, type ArtworkVideo } from './extract.ts';
import { frameStem, storeCrops, type ArtworkImage } from './manifest.ts';

/** A frame's crops, or why this one frame could not be cropped (a failure costs only that frame). */
export type RenderedFrame = { readonly images: ArtworkImage[] } | { readonly error: string };

/** A frame's crops in memory, or why this one frame could not be cropped. */
export type CroppedFrame = { readonly atS: number; readonly crops: readonly CropSet[] } | { readonly atS: number; readonly error: string };

/** Crops one frame loaded at full resolution by `loadStill`; a still or image that cannot be read costs only this frame. */
export async function cropFrame(atS: number, loadStill: () => Promise<RawPixels>, crops: CropOptions): Promise<CroppedFrame> {
  try {
    return { atS, crops: await renderCrops(await loadStill(), crops) };
  } catch (err) {
    if (!(err instanceof FfmpegExitError) && !(err instanceof UndecodableImageError)) throw err;
    return { atS, error: err.message };
  }
}

/** Stores a cropped frame's images under the version prefix; storage errors are thrown for a retry. */
export async function storeFrame(frame: CroppedFrame, prefix: string, store: ObjectStore): Promise<RenderedFrame> {
  if ('error' in frame) return { error: frame.error };
  return { images: await storeCrops(store, prefix, frameStem(frame.atS), frame.crops) };
}

/** Crops one frame (loaded at full resolution by `loadStill`) and stores them. */
export async function renderFrame(
  atS: number, loadStill: () => Promise<RawPixels>, prefix: string, crops: CropOptions, store: ObjectStore,
): Promise<RenderedFrame> {
  return storeFrame(await cropFrame(atS, loadStill, crops), prefix, store);
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
