/**
 * Settings for hard rejects and soft scores. Every threshold is at analysis size (the frame
 * downscaled to `analysisWidthPx`, 480 px by default): Laplacian variance in particular depends
 * on scale, so thresholds and analysis size move together.
 */
import { InvalidArtworkOptionError } from './errors.ts';

/** Hard-reject thresholds. A frame failing any of them scores 0 and is never shortlisted. */
export interface RejectThresholds {
  /** Black if mean luma (0–255) ≤ this and `blackMinDarkFraction` of pixels are dark. @defaultValue 24 */
  readonly blackMaxMeanLuma: number;
  /** Share of pixels with luma ≤ 32 needed for black, 0–1. @defaultValue 0.95 */
  readonly blackMinDarkFraction: number;
  /** White if mean luma ≥ this and `whiteMinBrightFraction` of pixels are bright. @defaultValue 230 */
  readonly whiteMinMeanLuma: number;
  /** Share of pixels with luma ≥ 224 needed for white, 0–1. @defaultValue 0.95 */
  readonly whiteMinBrightFraction: number;
  /** Near-uniform (a single colour, a slate) if luma std ≤ this, 0–255 scale. @defaultValue 6 */
  readonly uniformMaxLumaStd: number;
  /** Noise or decoder garbage if lag-1 pixel correlation is below this, −1–1. @defaultValue 0.3 */
  readonly noiseMaxPixelCorrelation: number;
  /** Heavy blur or no detail if Laplacian variance is below this. @defaultValue 25 */
  readonly blurMinLaplacianVariance: number;
  /** Motion blur if gradient anisotropy (0–1) is at least this … @defaultValue 0.6 */
  readonly motionBlurMinAnisotropy: number;
  /** … and Laplacian variance is below this (motion blur leaves some detail). @defaultValue 400 */
  readonly motionBlurMaxLaplacianVariance: number;
  /** Fade if the frame is a copy of a neighbour with contrast scaled by ≤ this, 0–1. @defaultValue 0.85 */
  readonly fadeMaxContrastRatio: number;
  /** … with a linear fit (R², 0–1) at least this good. @defaultValue 0.9 */
  readonly fadeMinFit: number;
  /**
   * Without usable neighbours, a frame this dim (mean luma ≤) … @defaultValue 40
   */
  readonly dimFadeMaxMeanLuma: number;
  /** … and this flat (luma std ≤) reads as mid-fade. @defaultValue 14 */
  readonly dimFadeMaxLumaStd: number;
  /** Dissolve if the two neighbours differ by at least this mean absolute luma, 0–255 … @defaultValue 12 */
  readonly dissolveMinNeighbourDifference: number;
  /** … the frame is a blend with weight in [this, 1 − this] … @defaultValue 0.15 */
  readonly dissolveMinAlpha: number;
  /** … and the blend explains it with relative residual ≤ this. @defaultValue 0.35 */
  readonly dissolveMaxResidual: number;
  /** Text card or credits if text likelihood (0–1) is at least this. @defaultValue 0.6 */
  readonly textMinLikelihood: number;
}

/** Relative weights of the soft score parts; normalised to sum 1. */
export interface ScoreWeights {
  /** @defaultValue 0.25 */ readonly sharpness: number;
  /** @defaultValue 0.15 */ readonly exposure: number;
  /** @defaultValue 0.1 */ readonly contrast: number;
  /** @defaultValue 0.1 */ readonly colourfulness: number;
  /** @defaultValue 0.1 */ readonly entropy: number;
  /** @defaultValue 0.1 */ readonly stillness: number;
  /** @defaultValue 0.1 */ readonly composition: number;
  /** @defaultValue 0.1 */ readonly textFree: number;
}

export interface ScoringOptions {
  readonly rejects?: Partial<RejectThresholds>;
  readonly weights?: Partial<ScoreWeights>;
  /** Laplacian variance at which sharpness reaches 63 % (1 − 1/e). @defaultValue 400 */
  readonly sharpnessScale?: number;
  /** Mean luma (0–255) that scores best for exposure. @defaultValue 115 */
  readonly targetMeanLuma?: number;
  /** Luma std (0–255) at which contrast scores 1. @defaultValue 60 */
  readonly fullContrastLumaStd?: number;
  /** Colourfulness M at which colourfulness reaches 63 %. @defaultValue 40 */
  readonly colourfulnessScale?: number;
  /** Mean absolute luma difference to the nearest neighbour at which stillness reaches 37 %. @defaultValue 25 */
  readonly motionScale?: number;
}

export interface ResolvedScoringOptions {
  readonly rejects: RejectThresholds;
  readonly weights: ScoreWeights;
  readonly sharpnessScale: number;
  readonly targetMeanLuma: number;
  readonly fullContrastLumaStd: number;
  readonly colourfulnessScale: number;
  readonly motionScale: number;
}

export const DEFAULT_REJECT_THRESHOLDS: RejectThresholds = Object.freeze({
  blackMaxMeanLuma: 24,
  blackMinDarkFraction: 0.95,
  whiteMinMeanLuma: 230,
  whiteMinBrightFraction: 0.95,
  uniformMaxLumaStd: 6,
  noiseMaxPixelCorrelation: 0.3,
  blurMinLaplacianVariance: 25,
  motionBlurMinAnisotropy: 0.6,
  motionBlurMaxLaplacianVariance: 400,
  fadeMaxContrastRatio: 0.85,
  fadeMinFit: 0.9,
  dimFadeMaxMeanLuma: 40,
  dimFadeMaxLumaStd: 14,
  dissolveMinNeighbourDifference: 12,
  dissolveMinAlpha: 0.15,
  dissolveMaxResidual: 0.35,
  textMinLikelihood: 0.6,
});

export const DEFAULT_SCORE_WEIGHTS: ScoreWeights = Object.freeze({
  sharpness: 0.25,
  exposure: 0.15,
  contrast: 0.1,
  colourfulness: 0.1,
  entropy: 0.1,
  stillness: 0.1,
  composition: 0.1,
  textFree: 0.1,
});

export const DEFAULT_SCORING_OPTIONS: ResolvedScoringOptions = Object.freeze({
  rejects: DEFAULT_REJECT_THRESHOLDS,
  weights: DEFAULT_SCORE_WEIGHTS,
  sharpnessScale: 400,
  targetMeanLuma: 115,
  fullContrastLumaStd: 60,
  colourfulnessScale: 40,
  motionScale: 25,
});

/** Fill defaults and validate. @throws InvalidArtworkOptionError naming the field and value. */
export function resolveScoringOptions(options: ScoringOptions = {}): ResolvedScoringOptions {
  if (options === DEFAULT_SCORING_OPTIONS) return DEFAULT_SCORING_OPTIONS;
  const rejects = { ...DEFAULT_REJECT_THRESHOLDS, ...options.rejects };
  for (const [key, value] of Object.entries(rejects)) requireFinite(`rejects.${key}`, value, 0);
  const weights = { ...DEFAULT_SCORE_WEIGHTS, ...options.weights };
  for (const [key, value] of Object.entries(weights)) requireFinite(`weights.${key}`, value, 0);
  const weightSum = Object.values(weights).reduce((a, b) => a + b, 0);
  if (weightSum <= 0) throw new InvalidArtworkOptionError('weights', 'weights with a positive sum', weightSum);
  const resolved: ResolvedScoringOptions = {
    rejects,
    weights,
    sharpnessScale: options.sharpnessScale ?? DEFAULT_SCORING_OPTIONS.sharpnessScale,
    targetMeanLuma: options.targetMeanLuma ?? DEFAULT_SCORING_OPTIONS.targetMeanLuma,
    fullContrastLumaStd: options.fullContrastLumaStd ?? DEFAULT_SCORING_OPTIONS.fullContrastLumaStd,
    colourfulnessScale: options.colourfulnessScale ?? DEFAULT_SCORING_OPTIONS.colourfulnessScale,
    motionScale: options.motionScale ?? DEFAULT_SCORING_OPTIONS.motionScale,
  };
  requireFinite('sharpnessScale', resolved.sharpnessScale, Number.MIN_VALUE);
  requireFinite('targetMeanLuma', resolved.targetMeanLuma, 1);
  requireFinite('fullContrastLumaStd', resolved.fullContrastLumaStd, Number.MIN_VALUE);
  requireFinite('colourfulnessScale', resolved.colourfulnessScale, Number.MIN_VALUE);
  requireFinite('motionScale', resolved.motionScale, Number.MIN_VALUE);
  return resolved;
}

function requireFinite(field: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new InvalidArtworkOptionError(field, `a finite number >= ${min === Number.MIN_VALUE ? '0 (exclusive)' : min}`, value);
  }
}
