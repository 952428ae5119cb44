/**
 * Frame score: hard rejects first, then a weighted mean of soft parts. The parts and the raw
 * metrics stay on the result so a person can see why a frame won or lost.
 */
import type { FrameFeatures } from './features.ts';
import { featuresOf } from './features.ts';
import type { AnalysisFrame } from './frame.ts';
import type { FrameMetrics } from './measure.ts';
import type { NeighbourEvidence } from './neighbours.ts';
import { compareWithNeighbours } from './neighbours.ts';
import type { ResolvedScoringOptions, ScoreWeights, ScoringOptions } from './scoring-options.ts';
import { resolveScoringOptions } from './scoring-options.ts';

export type RejectReason =
  | 'black'
  | 'white'
  | 'near-uniform'
  | 'noise'
  | 'fade'
  | 'transition'
  | 'blur'
  | 'motion-blur'
  | 'text'
  | 'undecodable';

export interface Rejection {
  readonly reason: RejectReason;
  /** Human-readable evidence, e.g. "mean luma 3.1 ≤ 24 and 100% of pixels dark". */
  readonly detail: string;
}

/** Soft score parts, each 0–1 (higher is better). */
export type ScoreParts = { readonly [K in keyof ScoreWeights]: number };

export interface FrameScore {
  /** Weighted mean of `parts`, 0–1; 0 when rejected. */
  readonly total: number;
  /** Computed for rejected frames too, for inspection. */
  readonly parts: ScoreParts;
  readonly rejected?: Rejection;
  readonly metrics: FrameMetrics;
  readonly neighbours: NeighbourEvidence;
}

/** Frames either side in time; `nearest` says which one is closer (for the motion part). */
export interface FrameNeighbours<F> {
  readonly before?: F;
  readonly after?: F;
  readonly nearest?: 'before' | 'after';
}

/** Stillness when there is no neighbour to compare with: neither rewarded nor punished much. */
const NEUTRAL_STILLNESS = 0.75;
/** Entropy (bits) at which the entropy part saturates; natural frames sit around 7–7.7. */
const FULL_ENTROPY_BITS = 7.5;

/** Score decoded pixels. Convenience over `featuresOf` + `scoreAnalysis`. */
export function scoreFrame(
  frame: AnalysisFrame,
  neighbours: FrameNeighbours<AnalysisFrame> = {},
  options: ScoringOptions = {},
): FrameScore {
  return scoreAnalysis(
    featuresOf(frame),
    {
      ...(neighbours.before === undefined ? {} : { before: featuresOf(neighbours.before) }),
      ...(neighbours.after === undefined ? {} : { after: featuresOf(neighbours.after) }),
      ...(neighbours.nearest === undefined ? {} : { nearest: neighbours.nearest }),
    },
    options,
  );
}

/** Score a frame already analysed; pure and synchronous. */
export function scoreAnalysis(
  analysis: FrameFeatures,
  neighbours: FrameNeighbours<FrameFeatures> = {},
  options: ScoringOptions = {},
): FrameScore {
  const opts = resolveScoringOptions(options);
  const evidence = compareWithNeighbours(analysis.thumbnail, neighbours.before?.thumbnail, neighbours.after?.thumbnail, neighbours.nearest);
  const parts = softParts(analysis.metrics, evidence, opts);
  const rejected = hardReject(analysis.metrics, evidence, opts);
  const base = { parts, metrics: analysis.metrics, neighbours: evidence };
  if (rejected !== undefined) return { total: 0, ...base, rejected };
  let total = 0,
    weightSum = 0;
  for (const key of Object.keys(parts) as (keyof ScoreParts)[]) {
    total += opts.weights[key] * parts[key];
    weightSum += opts.weights[key];
  }
  return { total: total / weightSum, ...base };
}

function hardReject(m: FrameMetrics, nb: NeighbourEvidence, opts: ResolvedScoringOptions): Rejection | undefined {
  const r = opts.rejects;
  // Text first: small credits on black are also "black", but "text" tells a person more.
  if (m.text.likelihood >= r.textMinLikelihood) {
    return { reason: 'text', detail: `text likelihood ${f(m.text.likelihood)} (${m.text.bandCount} text-like bands)` };
  }
  if (m.meanLuma <= r.blackMaxMeanLuma && m.darkFraction >= r.blackMinDarkFraction) {
    return { reason: 'black', detail: `mean luma ${f(m.meanLuma)} ≤ ${r.blackMaxMeanLuma}, ${pct(m.darkFraction)} of pixels dark` };
  }
  if (m.meanLuma >= r.whiteMinMeanLuma && m.brightFraction >= r.whiteMinBrightFraction) {
    return { reason: 'white', detail: `mean luma ${f(m.meanLuma)} ≥ ${r.whiteMinMeanLuma}, ${pct(m.brightFraction)} of pixels bright` };
  }
  if (m.lumaStd <= r.uniformMaxLumaStd) {
    return { reason: 'near-uniform', detail: `luma std ${f(m.lumaStd)} ≤ ${r.uniformMaxLumaStd}` };
  }
  if (m.pixelCorrelation < r.noiseMaxPixelCorrelation) {
    return { reason: 'noise', detail: `pixel correlation ${f(m.pixelCorrelation)} < ${r.noiseMaxPixelCorrelation}: no spatial structure` };
  }
  const fade = nb.fades.find((x) => x.fit >= r.fadeMinFit && x.contrastRatio <= r.fadeMaxContrastRatio);
  if (fade !== undefined) {
    return { reason: 'fade', detail: `a neighbour with contrast scaled by ${f(fade.contrastRatio)} (fit R² ${f(fade.fit)})` };
  }
  if (nb.fades.length === 0 && m.meanLuma <= r.dimFadeMaxMeanLuma && m.lumaStd <= r.dimFadeMaxLumaStd) {
    return { reason: 'fade', detail: `dim and flat (mean luma ${f(m.meanLuma)}, std ${f(m.lumaStd)}) with no neighbour to compare` };
  }
  const d = nb.dissolve;
  if (
    d !== undefined &&
    d.neighbourDifference >= r.dissolveMinNeighbourDifference &&
    d.alpha >= r.dissolveMinAlpha &&
    d.alpha <= 1 - r.dissolveMinAlpha &&
    d.residual <= r.dissolveMaxResidual
  ) {
    return { reason: 'transition', detail: `blend of its neighbours (α ${f(d.alpha)}, residual ${f(d.residual)})` };
  }
  if (m.laplacianVariance < r.blurMinLaplacianVariance) {
    return { reason: 'blur', detail: `Laplacian variance ${f(m.laplacianVariance)} < ${r.blurMinLaplacianVariance}` };
  }
  if (m.gradientAnisotropy >= r.motionBlurMinAnisotropy && m.laplacianVariance < r.motionBlurMaxLaplacianVariance) {
    return {
      reason: 'motion-blur',
      detail: `gradient anisotropy ${f(m.gradientAnisotropy)} ≥ ${r.motionBlurMinAnisotropy} with Laplacian variance ${f(m.laplacianVariance)}`,
    };
  }
  return undefined;
}

function softParts(m: FrameMetrics, nb: NeighbourEvidence, opts: ResolvedScoringOptions): ScoreParts {
  const exposureOffset = (m.meanLuma - opts.targetMeanLuma) / opts.targetMeanLuma;
  const clipped = m.clippedShadowFraction + m.clippedHighlightFraction;
  return {
    sharpness: 1 - Math.exp(-m.laplacianVariance / opts.sharpnessScale),
    exposure: clamp01(1 - exposureOffset * exposureOffset) * clamp01(1 - 2 * clipped),
    contrast: clamp01(m.lumaStd / opts.fullContrastLumaStd),
    colourfulness: 1 - Math.exp(-m.colourfulness / opts.colourfulnessScale),
    entropy: clamp01(m.entropyBits / FULL_ENTROPY_BITS),
    stillness: nb.meanAbsDifference === undefined ? NEUTRAL_STILLNESS : Math.exp(-nb.meanAbsDifference / opts.motionScale),
    composition: m.composition.score,
    textFree: 1 - m.text.likelihood,
  };
}

function clamp01(x: number): number {
  return x < 0 ? 0 : Math.min(x, 1);
}

function f(x: number): string {
  return Number.isFinite(x) ? x.toFixed(2) : String(x);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
