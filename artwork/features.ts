/**
 * Everything computed once per frame, independent of its neighbours and of options: metrics,
 * perceptual hashes and the thumbnail neighbours are compared on. Scoring a frame against
 * different neighbours or options reuses this.
 */
import type { AnalysisFrame } from './frame.ts';
import type { PerceptualHashes } from './hash.ts';
import { perceptualHashes } from './hash.ts';
import type { FrameMetrics } from './measure.ts';
import type { HalfPlane } from './measure.ts';
import { halfPlane, measureFrame } from './measure.ts';
import type { Plane } from './thumbnail.ts';
import { downscale } from './thumbnail.ts';

/** Width of the neighbour-comparison thumbnail, px; height follows the frame's aspect. */
const NEIGHBOUR_THUMB_WIDTH_PX = 32;

export interface FrameFeatures {
  readonly metrics: FrameMetrics;
  readonly hashes: PerceptualHashes;
  /** Luma thumbnail (32 px wide) for neighbour comparisons. */
  readonly thumbnail: Plane;
}

export function featuresOf(frame: AnalysisFrame): FrameFeatures {
  const half = halfPlane(frame);
  // Hashes and the neighbour thumbnail are at most 32 px wide; building them from a
  // quarter-resolution plane reads 1/16 of the pixels three times instead of all of them.
  const quarter = halfOf(half);
  const thumbHeight = Math.max(1, Math.round((NEIGHBOUR_THUMB_WIDTH_PX * quarter.heightPx) / quarter.widthPx));
  return {
    metrics: measureFrame(frame, half),
    hashes: perceptualHashes(quarter.luma, quarter.widthPx, quarter.heightPx),
    thumbnail: downscale(quarter.luma, quarter.widthPx, quarter.heightPx, NEIGHBOUR_THUMB_WIDTH_PX, thumbHeight),
  };
}

function halfOf(plane: HalfPlane): HalfPlane {
  // Frames narrower than 64 px would make the quarter plane smaller than the 32 px thumbnails.
  if (plane.widthPx < 64 || plane.heightPx < 64) return plane;
  return halfPlane({ widthPx: plane.widthPx, heightPx: plane.heightPx, luma: plane.luma });
}
