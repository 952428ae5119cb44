/**
 * Whether the per-title prediction held where the analysis did not look: each rung's quality,
 * measured on the published rungs over stretches of the title away from the sample windows,
 * against the quality the samples predicted for it. A ladder predicted from windows that do
 * not represent the title (one calm stretch of a title cut from many kinds of footage) is
 * too lean for the rest of it, and nothing else would say so. A rung can also miss where its
 * peak cap held it down (`peak-cap.ts`): the warning then names both figures. Pure.
 */
import type { CapSplit } from './peak-cap.ts';

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
  /** Its index in the ladder. */
  readonly rung: number;
  readonly width: number;
  readonly height: number;
  readonly predictedPsnrDb: number;
  readonly checkedPsnrDb: number;
}

/** The rungs that measured more than `toleranceDb` under their prediction, in rung order. */
export function predictionMisses(rungs: readonly RungCheck[], toleranceDb = PREDICTION_TOLERANCE_DB): PredictionMiss[] {
  return rungs.flatMap((r, rung) =>
    r.predictedPsnrDb !== undefined && r.checkedPsnrDb !== undefined && r.predictedPsnrDb - r.checkedPsnrDb > toleranceDb
      ? [{ rung, width: r.width, height: r.height, predictedPsnrDb: r.predictedPsnrDb, checkedPsnrDb: r.checkedPsnrDb }]
      : [],
  );
}

/** The miss furthest under its prediction. */
export function worstMiss(misses: readonly PredictionMiss[]): PredictionMiss | undefined {
  return misses.reduce<PredictionMiss | undefined>(
    (w, m) => (w === undefined || m.predictedPsnrDb - m.checkedPsnrDb > w.predictedPsnrDb - w.checkedPsnrDb ? m : w),
    undefined,
  );
}

const db = (v: number): string => `${v.toFixed(1)} dB`;

/**
 * The title's warning for its misses: the worst one named, and what to do. Given how the worst
 * rung measured in its segments over its peak cap and in the rest (`split`), both figures are
 * named: where segments spent over the cap, the cap may have held them under the prediction as
 * well as the sampling, and which of the two it was the figures measured here cannot tell (the
 * rest measuring up to the prediction fits both: a window that missed the busy stretches, and
 * one that predicted them but whose encode was capped). Where no segment spent over it, the cap
 * is still not ruled out: a busy stretch longer than a segment drains the VBV buffer and is then
 * held at the cap, not over it (berusky2's 15 s intro: its busiest segment 1.39x, a plain
 * encode at CRF 27 loses 3.0 dB to the cap, and its windows predict the uncapped title within
 * 0.6 dB). Without the split, nothing says the cap held anything.
 *
 * Given `ownSampledPsnrDb`, the worst rung's own frames inside the sample windows pooled as the
 * prediction pooled its samples, the miss is split in two and the larger part named: under the
 * prediction on those very frames is what the rung's encode took (its cap, the chunk it was
 * coded in), and the rest is what the frames away from the windows added (the windows' stand-in
 * for them, or the cap there).
 */
export function predictionWarning(
  misses: readonly PredictionMiss[],
  sampledS: number,
  durationS: number,
  split?: CapSplit,
  ownSampledPsnrDb?: number,
): { code: string; message: string } {
  const worst = worstMiss(misses);
  if (worst === undefined) throw new RangeError('predictionWarning: expected at least one miss');
  const head =
    `${misses.length} rung(s) measured under the quality the samples predicted: ${worst.width}x${worst.height} ` +
    `${db(worst.checkedPsnrDb)} PSNR-Y away from the sample windows against ${db(worst.predictedPsnrDb)} predicted.`;
  const sampled = `${sampledS.toFixed(1)} s sampled of ${durationS.toFixed(1)} s`;
  const cap = (s: CapSplit): string => `its peak cap (${s.maxrateRatio}x its average rate; the busiest ${s.peakRatio.toFixed(2)}x)`;
  const why =
    split === undefined
      ? ` The ${sampled} do not represent the whole title: its ladder was chosen for those stretches and may be too lean for the rest`
      : split.overPsnrDb === undefined
        ? ` No segment spent more than ${cap(split)}. Either the ${sampled} do not represent the whole title, or the cap held its ` +
          'busiest stretches down to it: a busy stretch longer than a segment drains the buffer and is then held at the cap, not ' +
          'over it. Its ladder may be too lean for them'
        : ` Its ${split.over} of ${split.segments} segments that spent more than ${cap(split)} measure ${db(split.overPsnrDb)}` +
          (split.restPsnrDb === undefined ? '.' : `, the rest ${db(split.restPsnrDb)}.`) +
          ` Either the ${sampled} do not represent the whole title, or its busiest stretches need more than the cap lets a segment ` +
          "spend at that quality (Apple's peak rule: at most twice the average): its ladder may be too lean for them";
  const own = ownSampledPsnrDb === undefined ? '' : attribution(worst, ownSampledPsnrDb);
  return { code: 'VF_LADDER_UNREPRESENTATIVE', message: `${head}${own}${why} (the renditions' measured figures cover both).` };
}

/** How much of the worst miss the rung's encode took on the sampled frames, and how much the rest of the title added. */
function attribution(worst: PredictionMiss, ownSampledPsnrDb: number): string {
  const encode = worst.predictedPsnrDb - ownSampledPsnrDb;
  const rest = ownSampledPsnrDb - worst.checkedPsnrDb;
  // Only the first is a cause established: the same frames, sampled and published. Away from
  // the windows, the windows' stand-in for the rest and the cap there are not told apart here.
  const cause =
    encode >= rest
      ? 'mostly its encode: on the very frames its samples measured, its peak cap (or the chunk it was coded in) held it under them'
      : 'mostly away from the windows, where either their stand-in for the rest of the title or the cap fell short';
  return (
    ` On the very frames the samples measured, weighted as they were, it gave ${db(ownSampledPsnrDb)}: ` +
    `${db(encode)} of the miss is its encode's, ${db(rest)} the rest of the title's; ${cause}.`
  );
}
