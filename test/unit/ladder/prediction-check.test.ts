import { describe, expect, it } from 'vitest';
import { PREDICTION_TOLERANCE_DB, predictionMisses, predictionWarning, type PredictionMiss } from '../../../ladder/prediction-check.ts';
import type { CapSplit } from '../../../ladder/peak-cap.ts';

const rung = (height: number, predictedPsnrDb: number | undefined, checkedPsnrDb: number | undefined) => ({
  width: Math.round((height * 16) / 9),
  height,
  predictedPsnrDb,
  checkedPsnrDb,
});

describe('predictionMisses', () => {
  it('names the rungs that measured more than the tolerance under their prediction, and only those', () => {
    const misses = predictionMisses([rung(234, 36, 35.5), rung(720, 45.1, 32.4), rung(540, 41, 41 - PREDICTION_TOLERANCE_DB)]);
    expect(misses).toEqual([{ rung: 1, width: 1280, height: 720, predictedPsnrDb: 45.1, checkedPsnrDb: 32.4 }]);
  });

  it('a rung measured over its prediction, or with nothing to compare, is no miss', () => {
    expect(predictionMisses([rung(720, 40, 44), rung(360, undefined, 30), rung(234, 38, undefined)])).toEqual([]);
  });
});

describe('predictionWarning', () => {
  it('names the worst miss, the sampled share and what to do', () => {
    const w = predictionWarning(
      [
        { rung: 0, width: 640, height: 360, predictedPsnrDb: 40, checkedPsnrDb: 35 },
        { rung: 1, width: 1280, height: 720, predictedPsnrDb: 45.1, checkedPsnrDb: 32.4 },
      ],
      3,
      75,
    );
    expect(w.code).toBe('VF_LADDER_UNREPRESENTATIVE');
    expect(w.message).toContain('1280x720 32.4 dB');
    expect(w.message).toContain('45.1 dB predicted');
    expect(w.message).toContain('3.0 s sampled of 75.0 s');
  });
});

describe('predictionWarning with the worst rung measured over and under its peak cap', () => {
  const miss: PredictionMiss = { rung: 3, width: 480, height: 352, predictedPsnrDb: 41.6, checkedPsnrDb: 37.7 };
  const split = (restPsnrDb: number | undefined, over = 9): CapSplit => ({
    over,
    segments: 30,
    maxrateRatio: 1.5,
    peakRatio: 1.974,
    overPsnrDb: 35.1,
    restPsnrDb,
  });

  it('names both figures, and both causes, when segments spent over the cap', () => {
    const w = predictionWarning([miss], 8, 180.3, split(41.2));
    expect(w.code).toBe('VF_LADDER_UNREPRESENTATIVE');
    expect(w.message).toContain('480x352 37.7 dB PSNR-Y away from the sample windows against 41.6 dB predicted');
    expect(w.message).toContain('9 of 30 segments that spent more than its peak cap (1.5x its average rate; the busiest 1.97x)');
    expect(w.message).toContain('measure 35.1 dB, the rest 41.2 dB.');
    expect(w.message).toContain('Either the 8.0 s sampled of 180.3 s do not represent the whole title, or its busiest stretches need more');
    expect(predictionWarning([miss], 8, 180.3, split(undefined)).message).toContain('measure 35.1 dB. Either');
  });

  it('blames the sampling alone when the split is unknown', () => {
    const w = predictionWarning([miss], 8, 180.3, undefined);
    expect(w.code).toBe('VF_LADDER_UNREPRESENTATIVE');
    expect(w.message).toContain('. The 8.0 s sampled of 180.3 s do not represent the whole title');
    expect(w.message).not.toContain('peak cap');
  });

  it('does not rule the cap out when no segment spent over it: a long busy stretch is held at the cap', () => {
    const held: CapSplit = { ...split(37.7, 0), overPsnrDb: undefined, peakRatio: 1.394 };
    const w = predictionWarning([miss], 2, 15.4, held);
    expect(w.code).toBe('VF_LADDER_UNREPRESENTATIVE');
    expect(w.message).toContain('No segment spent more than its peak cap (1.5x its average rate; the busiest 1.39x).');
    expect(w.message).toContain('Either the 2.0 s sampled of 15.4 s do not represent the whole title, or the cap held');
    expect(w.message).not.toContain('segments that spent more');
  });

  it("splits the miss by the rung's own frames inside the windows, and names the larger part as the cause", () => {
    // 41.6 predicted, 37.7 away from the windows: 38.2 on the sampled frames is 3.4 dB its encode's.
    const capped = predictionWarning([miss], 8, 180.3, split(41.2), 38.2);
    expect(capped.message).toContain('On the very frames the samples measured, weighted as they were, it gave 38.2 dB');
    expect(capped.message).toContain("3.4 dB of the miss is its encode's, 0.5 dB the rest of the title's; mostly its encode");
    // 41.3 there: the encode met its samples, and the miss lies away from the windows.
    const away = predictionWarning([miss], 8, 180.3, split(41.2), 41.3);
    expect(away.message).toContain("0.3 dB of the miss is its encode's, 3.6 dB the rest of the title's; mostly away from the windows");
    expect(predictionWarning([miss], 8, 180.3, split(41.2)).message).not.toContain('very frames');
  });

  it('needs a miss to warn of', () => {
    expect(() => predictionWarning([], 8, 180)).toThrow(/at least one miss/);
  });
});
