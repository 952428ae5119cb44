/**
 * Whether the per-title prediction held where the analysis did not look: each rung's quality,
 * measured on the published rungs over stretches of the title away from the sample windows,
 * against the quality the samples predicted for it. A ladder predicted from windows that do
 * not represent the title (one calm stretch of a title cut from many kinds of footage) is
 * too lean for the rest of it, and nothing else would say so. Pure.
 */

/**
 * How far under its prediction a rung may measure before the title is told, in dB PSNR-Y.
 * Measured (bench:ladder, whole title by a plain ffmpeg psnr): single-scene corpus clips
 * land within 0.7 dB of the prediction (megamind, vtest, launch, city); a screen recording
 * sampled in a still stretch missed by 4.3 dB at its top rung, and 72 s cut from mixed real
 * footage, sampled in one calm 3 s window, by 18.3 dB (45.6 predicted, 27.3 measured away
 * from the window).
 */
export const PREDICTION_TOLERANCE_DB = 3;

export interface RungCheck {
  readonly width: number;
  readonly height: number;
  readonly predictedPsnrDb: number | undefined;
  /** Measured over the check stretches only; undefined when there were none. */
  readonly checkedPsnrDb: number | undefined;
}

export interface PredictionMiss {
  readonly width: number;
  readonly height: number;
  readonly predictedPsnrDb: number;
  readonly checkedPsnrDb: number;
}

/** The rungs that measured more than `toleranceDb` under their prediction, in rung order. */
export function predictionMisses(rungs: readonly RungCheck[], toleranceDb = PREDICTION_TOLERANCE_DB): PredictionMiss[] {
  return rungs.flatMap((r) =>
    r.predictedPsnrDb !== undefined && r.checkedPsnrDb !== undefined && r.predictedPsnrDb - r.checkedPsnrDb > toleranceDb
      ? [{ width: r.width, height: r.height, predictedPsnrDb: r.predictedPsnrDb, checkedPsnrDb: r.checkedPsnrDb }]
      : [],
  );
}

/** The title's warning for its misses: the worst one named, and what to do. */
export function predictionWarning(
  misses: readonly PredictionMiss[],
  sampledS: number,
  durationS: number,
): { code: string; message: string } {
  const worst = misses.reduce((w, m) => (m.predictedPsnrDb - m.checkedPsnrDb > w.predictedPsnrDb - w.checkedPsnrDb ? m : w));
  return {
    code: 'VF_LADDER_UNREPRESENTATIVE',
    message:
      `${misses.length} rung(s) measured under the quality the samples predicted: ${worst.width}x${worst.height} ` +
      `${worst.checkedPsnrDb.toFixed(1)} dB PSNR-Y away from the sample windows against ${worst.predictedPsnrDb.toFixed(1)} dB predicted. ` +
      `The ${sampledS.toFixed(1)} s sampled of ${durationS.toFixed(1)} s do not represent the whole title: its ladder was chosen ` +
      "for those stretches and may be too lean for the rest (the renditions' measured figures cover both).",
  };
}
