import { describe, expect, it } from 'vitest';
import { defaultQualityWindows } from '../../../workers/jobs/measure-rungs.ts';

describe('defaultQualityWindows', () => {
  it('takes two 2 s windows at 25 % and 60 % of a long title', () => {
    expect(defaultQualityWindows(60)).toEqual([
      { startS: 15, durationS: 2 },
      { startS: 36, durationS: 2 },
    ]);
  });

  it('takes one window from the start of a title of 4 s or less, no longer than the title', () => {
    expect(defaultQualityWindows(4)).toEqual([{ startS: 0, durationS: 2 }]);
    expect(defaultQualityWindows(3)).toEqual([{ startS: 0, durationS: 2 }]);
    expect(defaultQualityWindows(1.5)).toEqual([{ startS: 0, durationS: 1.5 }]);
    expect(defaultQualityWindows(0.4)).toEqual([{ startS: 0, durationS: 0.4 }]);
  });

  it('pulls the second window back so it ends at the end of a short title', () => {
    // 60 % of 4.5 s is 2.7 s, which would end at 4.7 s; it starts at 2.5 s instead.
    expect(defaultQualityWindows(4.5)).toEqual([
      { startS: 1.125, durationS: 2 },
      { startS: 2.5, durationS: 2 },
    ]);
  });

  it.each([0.1, 1, 2, 3.99, 4, 4.01, 5, 6.5, 10, 61.3, 7200])('every window of a %s s title lies inside it', (durationS) => {
    const windows = defaultQualityWindows(durationS);
    expect(windows.length).toBeGreaterThan(0);
    for (const w of windows) {
      expect(w.startS).toBeGreaterThanOrEqual(0);
      expect(w.durationS).toBeGreaterThan(0);
      expect(w.durationS).toBeLessThanOrEqual(2);
      expect(w.startS + w.durationS).toBeLessThanOrEqual(durationS + 1e-9);
    }
  });
});
