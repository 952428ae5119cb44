import { describe, expect, it } from 'vitest';
import { PREDICTION_TOLERANCE_DB, predictionMisses, predictionWarning } from '../../../ladder/prediction-check.ts';

const rung = (height: number, predictedPsnrDb: number | undefined, checkedPsnrDb: number | undefined) => ({
  width: Math.round((height * 16) / 9),
  height,
  predictedPsnrDb,
  checkedPsnrDb,
});

describe('predictionMisses', () => {
  it('names the rungs that measured more than the tolerance under their prediction, and only those', () => {
    const misses = predictionMisses([rung(234, 36, 35.5), rung(720, 45.1, 32.4), rung(540, 41, 41 - PREDICTION_TOLERANCE_DB)]);
    expect(misses).toEqual([{ width: 1280, height: 720, predictedPsnrDb: 45.1, checkedPsnrDb: 32.4 }]);
  });

  it('a rung measured over its prediction, or with nothing to compare, is no miss', () => {
    expect(predictionMisses([rung(720, 40, 44), rung(360, undefined, 30), rung(234, 38, undefined)])).toEqual([]);
  });
});

describe('predictionWarning', () => {
  it('names the worst miss, the sampled share and what to do', () => {
    const w = predictionWarning(
      [
        { width: 640, height: 360, predictedPsnrDb: 40, checkedPsnrDb: 35 },
        { width: 1280, height: 720, predictedPsnrDb: 45.1, checkedPsnrDb: 32.4 },
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
