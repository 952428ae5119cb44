import { describe, expect, it } from 'vitest';
import { indexCatalog } from '../../../cdn-planner/catalog-index.ts';
import { aggregateViews, DAY_MS } from '../../../cdn-planner/demand.ts';
import { exponentialSmoothingModel } from '../../../cdn-planner/predict.ts';
import type { ViewRecord } from '../../../cdn-planner/types.ts';
import { weeklyFactors } from '../../../cdn-planner/weekly.ts';
import { catalog } from './fixtures.ts';

const at = Date.parse('2025-03-29T00:00:00Z');

describe('exponential smoothing model', () => {
  it('ranks titles by their smoothed history and follows a recent rise', () => {
    const cat = [...catalog(3, 1, 1000), { titleId: 'new', releasedAt: '2025-03-28T12:00:00Z', files: [{ key: 'new/f0', bytes: 1000 }] }];
    const index = indexCatalog(cat);
    const views: ViewRecord[] = [];
    for (let d = 1; d <= 28; d++) {
      const ts = new Date(at - d * DAY_MS + 3_600_000).toISOString();
      views.push({ ts, titleId: 't0', region: 'us', bytes: 5000 });
      views.push({ ts, titleId: 't1', region: 'us', bytes: d <= 3 ? 20_000 : 1000 });
    }
    const history = aggregateViews(views, index, { endMs: at, days: 28 });
    const f = exponentialSmoothingModel({ alpha: 0.5 }).forecast(history, index, ['us']).regions.get('us')!;
    const d = (key: string) => f.fileDemand[index.keyIndex.get(key)!]!;
    expect(d('t1/f0')).toBeGreaterThan(d('t0/f0'));
    expect(d('t0/f0')).toBeCloseTo(5000, 0);
    // t2 has no views: ranked below every title with evidence, but not zero.
    expect(d('t2/f0')).toBeGreaterThan(0);
    expect(d('t2/f0')).toBeLessThan(d('t0/f0'));
    // The new release has no full day of data: it gets the prior, not zero.
    expect(d('new/f0')).toBeGreaterThan(0);
  });

  it('splits keyed views over the files that served them', () => {
    const index = indexCatalog(catalog(1, 2, 1000));
    const views: ViewRecord[] = Array.from({ length: 10 }, (_, d) => ({ ts: new Date(at - (d + 1) * DAY_MS).toISOString(), titleId: 't0', region: 'us', bytes: 100_000, key: 't0/f1' }));
    const f = exponentialSmoothingModel().forecast(aggregateViews(views, index, { endMs: at }), index, ['us']).regions.get('us')!;
    expect(f.fileDemand[1]!).toBeGreaterThan(50 * f.fileDemand[0]!);
  });
});

describe('diurnal shape from aggregated records', () => {
  // A day whose traffic follows 1 + 0.6 cos((h - 21) / 24 * 2 pi): the busiest hour is 1.6x the mean.
  const shape = (h: number): number => 1 + 0.6 * Math.cos((2 * Math.PI * (h - 21)) / 24);
  const peakOf = (views: ViewRecord[]): number =>
    exponentialSmoothingModel().forecast(aggregateViews(views, indexCatalog(catalog(1, 1, 1000)), { endMs: at, days: 7 }), indexCatalog(catalog(1, 1, 1000)), ['us']).regions.get('us')!.peakFactor;

  it('reads the peak hour from per-play records, and the same from records aggregated per 4 h', () => {
    const plays: ViewRecord[] = [];
    const blocks: ViewRecord[] = [];
    for (let d = 1; d <= 7; d++) {
      const day = at - d * DAY_MS;
      for (let h = 0; h < 24; h++) plays.push({ ts: new Date(day + h * 3_600_000 + 17 * 60_000 + d * 1000).toISOString(), titleId: 't0', region: 'us', bytes: 1e6 * shape(h) });
      // The same bytes, one record per 4 h stamped at the middle of its interval.
      for (let b = 0; b < 6; b++) {
        const bytes = [0, 1, 2, 3].reduce((sum, k) => sum + 1e6 * shape(4 * b + k), 0);
        blocks.push({ ts: new Date(day + (4 * b + 2) * 3_600_000).toISOString(), titleId: 't0', region: 'us', bytes });
      }
    }
    expect(peakOf(plays)).toBeCloseTo(1.6, 2);
    // Without the spread the 4 h records put a fourth of the day's hours at zero: peak/mean near 6.
    const blocked = peakOf(blocks);
    expect(blocked).toBeGreaterThan(1.3);
    expect(blocked).toBeLessThan(1.7);
  });
});

describe('weeklyFactors', () => {
  it('finds a weekend peak and ignores a flat or trending series', () => {
    const cycle = Float64Array.from({ length: 28 }, (_, d) => (d % 7 === 5 || d % 7 === 6 ? 1.3 : 1) * 1000);
    const w = weeklyFactors(cycle, { minDays: 14, minAmplitude: 0.05 });
    expect(w).toBeDefined();
    expect(w![5]!).toBeGreaterThan(1.15);
    expect(w![1]!).toBeLessThan(1);
    const growth = Float64Array.from({ length: 28 }, (_, d) => 1000 * 1.02 ** d);
    expect(weeklyFactors(growth, { minDays: 14, minAmplitude: 0.05 })).toBeUndefined();
  });
});
