/**
 * Whole-frame measurements on the analysis-size pixels: one full-resolution pass over luma for
 * the histogram, one for derivatives (sharpness, motion-blur anisotropy, text strokes), and
 * quarter-cost passes for colour and saliency. Everything is plain arithmetic on typed arrays:
 * at 480×270 a sharp pipeline per metric would cost more in native-call overhead than the maths
 * itself, and the artwork job has to score ≥ 150 frames/s on one core.
 */
import type { AnalysisFrame } from './frame.ts';
import type { Composition } from './subject.ts';
import { compositionOf, SALIENCY_CELL_PX } from './subject.ts';
import type { TextEvidence } from './text.ts';
import { STRONG_EDGE_STEP, textEvidenceOf } from './text.ts';

/** Measured facts about one frame; no judgement. */
export interface FrameMetrics {
  /** Mean Rec. 709 luma, 0–255. */
  readonly meanLuma: number;
  /** Standard deviation of luma (RMS contrast), 0–~128. */
  readonly lumaStd: number;
  /** Fraction of pixels with luma ≤ 32 (reads as black on screen). */
  readonly darkFraction: number;
  /** Fraction of pixels with luma ≥ 224. */
  readonly brightFraction: number;
  /** Fraction of pixels with luma ≤ 4: shadow detail lost. */
  readonly clippedShadowFraction: number;
  /** Fraction of pixels with luma ≥ 251: highlight detail lost. */
  readonly clippedHighlightFraction: number;
  /** Hasler–Süsstrunk colourfulness M (0 grey; ~33 moderately; > 100 extremely colourful). */
  readonly colourfulness: number;
  /** Shannon entropy of the 256-bin luma histogram, bits (0–8); sharp `stats().entropy` equivalent. */
  readonly entropyBits: number;
  /** Variance of the 4-neighbour Laplacian of luma: high for crisp detail, near 0 for blur. */
  readonly laplacianVariance: number;
  /**
   * Lag-1 autocorrelation of luma (mean of horizontal and vertical), −1–1. Natural images sit
   * above 0.8; white noise or decoder garbage near 0.
   */
  readonly pixelCorrelation: number;
  /**
   * |Gx − Gy| / (Gx + Gy) for the summed squared horizontal and vertical differences, 0–1.
   * Linear motion blur removes gradients along the motion, so one direction dominates.
   */
  readonly gradientAnisotropy: number;
  readonly text: TextEvidence;
  readonly composition: Composition;
}

/** Saliency cells over the half-resolution plane (cell edge = SALIENCY_CELL_PX / 2 there). */
function saliencyGrid(halfW: number, halfH: number) {
  const cellPx = SALIENCY_CELL_PX / 2;
  const cols = Math.max(1, Math.round(halfW / cellPx));
  const rows = Math.max(1, Math.round(halfH / cellPx));
  const colOf = new Int32Array(halfW);
  const rowOf = new Int32Array(halfH);
  for (let x = 0; x < halfW; x++) colOf[x] = Math.min(cols - 1, Math.floor((x * cols) / halfW));
  for (let y = 0; y < halfH; y++) rowOf[y] = Math.min(rows - 1, Math.floor((y * rows) / halfH));
  return { cols, rows, colOf, rowOf };
}

/** Luma at half resolution (2×2 means), for everything that does not need single-pixel detail. */
export interface HalfPlane {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly luma: Uint8Array;
}

/**
 * Measure a frame. The passes are written out by hand because this is the hot loop of the
 * artwork job (≥ 150 frames/s on one core): sharpness and text need full resolution; colour,
 * saliency and thumbnails work from every other pixel / a half-resolution plane, which changes
 * their values by well under their noise.
 */
export function measureFrame(frame: AnalysisFrame, half: HalfPlane = halfPlane(frame)): FrameMetrics {
  const { widthPx: w, heightPx: h, rgb, luma } = frame;
  const n = w * h;

  // Full-resolution pass over luma: the histogram (exposure, clipping, entropy) and, on interior
  // pixels, the Laplacian, forward differences, and strong central differences per row (glyph
  // strokes are 1–3 px wide at analysis size). One pass because this is the most expensive loop.
  const hist = new Uint32Array(256);
  for (let x = 0; x < w; x++) {
    hist[luma[x]!]!++;
    hist[luma[(h - 1) * w + x]!]!++;
  }
  const rowStrongEdges = new Uint32Array(h);
  let lapSum = 0,
    lapSum2 = 0,
    gx2 = 0,
    gy2 = 0;
  for (let y = 1; y + 1 < h; y++) {
    let strong = 0;
    const end = y * w + w - 1;
    // Rolling left/centre/right so each pixel is loaded once per row.
    let left = luma[y * w]!;
    let c = luma[y * w + 1]!;
    hist[left]!++;
    hist[luma[end]!]!++;
    for (let i = y * w + 1; i < end; i++) {
      hist[c]!++;
      const right = luma[i + 1]!;
      const down = luma[i + w]!;
      const dx = right - c;
      const dy = down - c;
      gx2 += dx * dx;
      gy2 += dy * dy;
      const central = right - left;
      if (central >= STRONG_EDGE_STEP || central <= -STRONG_EDGE_STEP) strong++;
      const lap = 4 * c - left - right - luma[i - w]! - down;
      lapSum += lap;
      lapSum2 += lap * lap;
      left = c;
      c = right;
    }
    rowStrongEdges[y] = strong;
  }
  let sum = 0,
    sum2 = 0,
    dark = 0,
    bright = 0,
    clipLow = 0,
    clipHigh = 0,
    entropy = 0;
  for (let v = 0; v < 256; v++) {
    const c = hist[v]!;
    if (c === 0) continue;
    sum += v * c;
    sum2 += v * v * c;
    if (v <= 32) dark += c;
    if (v >= 224) bright += c;
    if (v <= 4) clipLow += c;
    if (v >= 251) clipHigh += c;
    const p = c / n;
    entropy -= p * Math.log2(p);
  }
  const meanLuma = sum / n;
  const lumaVar = Math.max(0, sum2 / n - meanLuma * meanLuma);

  // Colour on every other pixel of every other row (the half-plane's grid), with per-cell sums
  // for saliency.
  const grid = saliencyGrid(half.widthPx, half.heightPx);
  const cellCount = grid.cols * grid.rows;
  const cellR = new Float64Array(cellCount);
  const cellG = new Float64Array(cellCount);
  const cellB = new Float64Array(cellCount);
  const cellPixels = new Uint32Array(cellCount);
  const cellEdge = new Float64Array(cellCount);
  let sumRg = 0,
    sumRg2 = 0,
    sumYb = 0,
    sumYb2 = 0,
    samples = 0;
  for (let hy = 0; hy < half.heightPx; hy++) {
    const rowCell = grid.rowOf[hy]! * grid.cols;
    const rowBase = 2 * hy * w;
    for (let hx = 0; hx < half.widthPx; hx++) {
      const p = (rowBase + 2 * hx) * 3;
      const r = rgb[p]!,
        g = rgb[p + 1]!,
        b = rgb[p + 2]!;
      const rg = r - g;
      const yb = 0.5 * (r + g) - b;
      sumRg += rg;
      sumRg2 += rg * rg;
      sumYb += yb;
      sumYb2 += yb * yb;
      const cell = rowCell + grid.colOf[hx]!;
      cellR[cell]! += r;
      cellG[cell]! += g;
      cellB[cell]! += b;
      cellPixels[cell]!++;
    }
    samples += half.widthPx;
  }
  const meanRg = sumRg / samples,
    meanYb = sumYb / samples;
  const stdRg = Math.sqrt(Math.max(0, sumRg2 / samples - meanRg * meanRg));
  const stdYb = Math.sqrt(Math.max(0, sumYb2 / samples - meanYb * meanYb));
  const colourfulness = Math.hypot(stdRg, stdYb) + 0.3 * Math.hypot(meanRg, meanYb);

  // Edge energy per saliency cell from the half plane.
  const hl = half.luma,
    hw = half.widthPx;
  for (let hy = 0; hy + 1 < half.heightPx; hy++) {
    const rowCell = grid.rowOf[hy]! * grid.cols;
    for (let hx = 0, i = hy * hw; hx + 1 < hw; hx++, i++) {
      const c = hl[i]!;
      cellEdge[rowCell + grid.colOf[hx]!]! += Math.abs(hl[i + 1]! - c) + Math.abs(hl[i + hw]! - c);
    }
  }

  const interior = Math.max(1, (w - 2) * (h - 2));
  const lapMean = lapSum / interior;
  const laplacianVariance = Math.max(0, lapSum2 / interior - lapMean * lapMean);
  const gxMean = gx2 / interior;
  const gyMean = gy2 / interior;
  // E[(a−b)²] = 2σ²(1−ρ) for neighbours a, b, so ρ = 1 − E[(a−b)²] / 2σ².
  const pixelCorrelation = lumaVar < 1e-9 ? 1 : 1 - (gxMean + gyMean) / 2 / (2 * lumaVar);
  const gradientAnisotropy = gxMean + gyMean < 1e-9 ? 0 : Math.abs(gxMean - gyMean) / (gxMean + gyMean);

  return {
    meanLuma,
    lumaStd: Math.sqrt(lumaVar),
    darkFraction: dark / n,
    brightFraction: bright / n,
    clippedShadowFraction: clipLow / n,
    clippedHighlightFraction: clipHigh / n,
    colourfulness,
    entropyBits: entropy,
    laplacianVariance,
    pixelCorrelation,
    gradientAnisotropy,
    text: textEvidenceOf(rowStrongEdges, w, colourfulness),
    composition: compositionOf({
      cols: grid.cols,
      rows: grid.rows,
      red: cellR,
      green: cellG,
      blue: cellB,
      pixels: cellPixels,
      edgeEnergy: cellEdge,
    }),
  };
}

/** 2×2 mean of luma (odd last row/column dropped). */
export function halfPlane(frame: Pick<AnalysisFrame, 'widthPx' | 'heightPx' | 'luma'>): HalfPlane {
  const hw = frame.widthPx >> 1,
    hh = frame.heightPx >> 1,
    w = frame.widthPx;
  const src = frame.luma;
  const out = new Uint8Array(hw * hh);
  for (let y = 0; y < hh; y++) {
    let i = 2 * y * w;
    for (let x = 0, o = y * hw; x < hw; x++, o++, i += 2) {
      out[o] = (src[i]! + src[i + 1]! + src[i + w]! + src[i + w + 1]! + 2) >> 2;
    }
  }
  return { widthPx: hw, heightPx: hh, luma: out };
}
