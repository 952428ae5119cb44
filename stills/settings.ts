/**
 * The artwork job's settings, apart from the job so the API (which crops custom uploads with
 * the same settings) can read them without importing the worker's job graph.
 */
import type { CropOptions, SelectionOptions } from '../artwork/index.ts';
import type { ArtworkSamplingOptions } from '../ffmpeg/artwork-plan.ts';

/** Everything that changes which frames are chosen or how they are cropped; part of the version. */
export interface ArtworkSettings {
  readonly sampling: ArtworkSamplingOptions;
  readonly selection: SelectionOptions;
  readonly crops: CropOptions;
}

export const DEFAULT_ARTWORK_SETTINGS: ArtworkSettings = {
  sampling: {},
  selection: { neighbourWindowS: 1 },
  // The fastest encoder settings: 8 frames × 18 renditions at the core's defaults (AVIF effort
  // 4, WebP effort 4, mozjpeg) cost more CPU than the rest of the job together, and the job's
  // budget is 10 % of the title's encode. Files come out 10–25 % larger. AVIF at 4:2:0 like
  // the WebP and JPEG beside it (and the video it is cut from): about a fifth less of the
  // job's largest encoder cost, and files a few per cent smaller. WebP effort 0 rather than 1:
  // about a third less WebP time (0.1 s of the job's 8 s CPU) for files 2 % larger.
  crops: { avifEffort: 0, webpEffort: 0, avifChromaSubsampling: '4:2:0', mozjpeg: false },
};
