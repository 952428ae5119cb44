/**
 * Composition (where the subject sits) from a coarse saliency proxy.
 *
 * sharp's attention strategy is the better detector but costs a native pipeline per frame;
 * scoring needs ≥ 150 frames/s, so scoring uses a cheap proxy over ~16 px cells: a cell is
 * salient when its mean colour stands out from the frame's mean colour (frequency-tuned
 * saliency, Achanta et al. 2009) and when it holds edge energy. sharp's attention strategy is
 * still what positions the crops (`crops.ts`), on the few frames that are chosen.
 */

/** Saliency cell edge, px at analysis size. */
export const SALIENCY_CELL_PX = 16;
/** Distance (in frame-normalised units) from a power point at which composition scores 0. */
const PLACEMENT_FALLOFF = 0.3;
/** A centred subject is acceptable for posters and tiles, but slightly less so than thirds. */
const CENTRE_WEIGHT = 0.8;
/** Below this peak-to-mean saliency ratio there is no subject to place: score is neutral. */
const MIN_SALIENCY_CONTRAST = 1.5;
const NEUTRAL_PLACEMENT = 0.5;

export interface SaliencyCells {
  readonly cols: number;
  readonly rows: number;
  /** Per-cell channel sums (0–255 per pixel). */
  readonly red: Float64Array;
  readonly green: Float64Array;
  readonly blue: Float64Array;
  /** Pixels per cell. */
  readonly pixels: Uint32Array;
  /** Per-cell sum of |dx| + |dy| of luma. */
  readonly edgeEnergy: Float64Array;
}

export interface Composition {
  /** Saliency-weighted centroid, 0–1 from the left edge. */
  readonly subjectX: number;
  /** Saliency-weighted centroid, 0–1 from the top edge. */
  readonly subjectY: number;
  /** 0–1: 1 when the subject sits on a rule-of-thirds point; 0.5 when there is no clear subject. */
  readonly score: number;
}

export function compositionOf(cells: SaliencyCells): Composition {
  const count = cells.cols * cells.rows;
  let totalPixels = 0,
    meanR = 0,
    meanG = 0,
    meanB = 0;
  for (let i = 0; i < count; i++) {
    meanR += cells.red[i] as number;
    meanG += cells.green[i] as number;
    meanB += cells.blue[i] as number;
    totalPixels += cells.pixels[i] as number;
  }
  meanR /= totalPixels;
  meanG /= totalPixels;
  meanB /= totalPixels;

  const colourDistance = new Float64Array(count);
  const edgeDensity = new Float64Array(count);
  let maxColour = 0,
    maxEdge = 0;
  for (let i = 0; i < count; i++) {
    const px = Math.max(1, cells.pixels[i] as number);
    colourDistance[i] = Math.hypot(
      (cells.red[i] as number) / px - meanR,
      (cells.green[i] as number) / px - meanG,
      (cells.blue[i] as number) / px - meanB,
    );
    edgeDensity[i] = (cells.edgeEnergy[i] as number) / px;
    maxColour = Math.max(maxColour, colourDistance[i] as number);
    maxEdge = Math.max(maxEdge, edgeDensity[i] as number);
  }
  const saliency = new Float64Array(count);
  let meanSaliency = 0,
    peak = 0;
  for (let i = 0; i < count; i++) {
    const s =
      0.5 * (maxColour > 0 ? (colourDistance[i] as number) / maxColour : 0) +
      0.5 * (maxEdge > 0 ? (edgeDensity[i] as number) / maxEdge : 0);
    saliency[i] = s;
    meanSaliency += s / count;
    peak = Math.max(peak, s);
  }
  if (meanSaliency <= 0 || peak / meanSaliency < MIN_SALIENCY_CONTRAST) {
    return { subjectX: 0.5, subjectY: 0.5, score: NEUTRAL_PLACEMENT };
  }
  // Only cells clearly above average pull the centroid, so a busy background does not drag it
  // back to the middle.
  let wSum = 0,
    xSum = 0,
    ySum = 0;
  for (let row = 0; row < cells.rows; row++) {
    for (let col = 0; col < cells.cols; col++) {
      const weight = Math.max(0, (saliency[row * cells.cols + col] as number) - meanSaliency);
      wSum += weight;
      xSum += (weight * (col + 0.5)) / cells.cols;
      ySum += (weight * (row + 0.5)) / cells.rows;
    }
  }
  const subjectX = xSum / wSum;
  const subjectY = ySum / wSum;
  let thirds = Infinity;
  for (const px of [1 / 3, 2 / 3]) {
    for (const py of [1 / 3, 2 / 3]) thirds = Math.min(thirds, Math.hypot(subjectX - px, subjectY - py));
  }
  const centre = Math.hypot(subjectX - 0.5, subjectY - 0.5);
  const score = Math.max(1 - thirds / PLACEMENT_FALLOFF, CENTRE_WEIGHT * (1 - centre / PLACEMENT_FALLOFF), 0);
  return { subjectX, subjectY, score };
}
