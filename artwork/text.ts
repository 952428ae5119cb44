/**
 * Text / credits likelihood from horizontal edge structure.
 *
 * Lines of text are horizontal bands dense in sharp vertical strokes, separated by quiet rows
 * (the leading between lines). Texture (foliage, noise) is dense too, but in tall unbroken runs,
 * so runs taller than a text line do not count. Credits are also nearly colourless, which is the
 * second piece of evidence.
 */

/** Luma step (central difference, 0–255) that counts as a high-contrast stroke edge. */
export const STRONG_EDGE_STEP = 64;
/** A row at or above this strong-edge density (fraction of its width) holds strokes. */
const TEXT_ROW_MIN_DENSITY = 0.05;
/**
 * A row below this density is quiet (leading between lines). Natural scenes rarely have rows
 * this empty across the whole width, which is what separates text from texture.
 */
const QUIET_ROW_MAX_DENSITY = 0.01;
/** Share of a band's rows that must be stroke rows. */
const MIN_STROKE_ROW_SHARE = 0.6;
/** Shortest band that can be a line of text, px at analysis size. */
const MIN_BAND_PX = 2;
/** Tallest band that can be a line of text, as a fraction of frame height. */
const MAX_BAND_FRACTION = 0.12;
/** Bands needed for full evidence: one line could be a caption or a sign; credits have several. */
const FULL_EVIDENCE_BANDS = 4;
/** Share of rows inside text bands for full evidence. */
const FULL_EVIDENCE_COVERAGE = 0.08;
/** Colourfulness (Hasler–Süsstrunk M) above which the frame no longer looks like credits. */
const CREDITS_MAX_COLOURFULNESS = 50;

export interface TextEvidence {
  /** Number of horizontal bands that look like lines of text. */
  readonly bandCount: number;
  /** Fraction of frame rows inside those bands, 0–1. */
  readonly coverage: number;
  /** 0 (no text structure) – 1 (looks like credits or a text card). */
  readonly likelihood: number;
}

/**
 * @param rowStrongEdges strong-edge pixel count per row (see `STRONG_EDGE_STEP`); the first and
 *   last rows are not measured (no neighbours above/below) and are ignored
 * @param widthPx frame width in px
 * @param colourfulness Hasler–Süsstrunk M of the frame
 */
export function textEvidenceOf(rowStrongEdges: Uint32Array, widthPx: number, colourfulness: number): TextEvidence {
  const heightPx = rowStrongEdges.length;
  const maxBandPx = Math.max(MIN_BAND_PX + 1, Math.round(MAX_BAND_FRACTION * heightPx));
  const width = Math.max(1, widthPx - 2);
  const strokeCount = TEXT_ROW_MIN_DENSITY * width;
  const quietCount = QUIET_ROW_MAX_DENSITY * width;
  let bandCount = 0;
  let bandRows = 0;
  // A band is a run of non-quiet rows between quiet rows (frame edges do not count as quiet:
  // a band cut by the edge is as likely to be a roofline as a line of text).
  let run = 0;
  let strokeRows = 0;
  let boundedAbove = false;
  for (let y = 1; y + 1 < heightPx; y++) {
    const count = rowStrongEdges[y] as number;
    if (count >= quietCount) {
      run++;
      if (count >= strokeCount) strokeRows++;
      continue;
    }
    if (boundedAbove && run >= MIN_BAND_PX && run <= maxBandPx && strokeRows >= MIN_STROKE_ROW_SHARE * run) {
      bandCount++;
      bandRows += run;
    }
    boundedAbove = true;
    run = 0;
    strokeRows = 0;
  }
  const coverage = heightPx === 0 ? 0 : bandRows / heightPx;
  const structure = Math.min(1, bandCount / FULL_EVIDENCE_BANDS) * Math.min(1, coverage / FULL_EVIDENCE_COVERAGE);
  // Colour halves the likelihood at most: a text card can be tinted, but credits rarely are.
  const colourless = 1 - 0.5 * Math.min(1, colourfulness / CREDITS_MAX_COLOURFULNESS);
  return { bandCount, coverage, likelihood: structure * colourless };
}
