import { describe, expect, it } from 'vitest';
import { indexCatalog } from '../../../cdn-planner/catalog-index.ts';
import { aggregateViews } from '../../../cdn-planner/demand.ts';
import { DAY_MS } from '../../../cdn-planner/units.ts';
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
    const views: ViewRecord[] = Array.from({ length: 10 }, (_, d) => ({
      ts: new Date(at - (d + 1) * DAY_MS).toISOString(),
      titleId: 't0',
      region: 'us',
      bytes: 100_000,
      key: 't0/f1',
    }));
    const f = exponentialSmoothingModel()
      .forecast(aggregateViews(views, index, { endMs: at }), index, ['us'])
      .regions.get('us')!;
    expect(f.fileDemand[1]!).toBeGreaterThan(50 * f.fileDemand[0]!);
  });
});

describe('file mix: which rungs of a title its bytes go to', () => {
  // Three rungs of 1, 2 and 4 MB per title.
  const ladder = (n: number) =>
    Array.from({ length: n }, (_, t) => ({
      titleId: `t${t}`,
      releasedAt: '2024-01-01T00:00:00Z',
      files: [1, 2, 4].map((mb, i) => ({ key: `t${t}/r${i}`, bytes: mb * 1_000_000 })),
    }));
  const demandOf = (views: ViewRecord[], titles: number) => {
    const index = indexCatalog(ladder(titles));
    const f = exponentialSmoothingModel()
      .forecast(aggregateViews(views, index, { endMs: at, days: 7 }), index, ['us'])
      .regions.get('us')!;
    return (key: string) => f.fileDemand[index.keyIndex.get(key)!]! / index.fileBytes[index.keyIndex.get(key)!]!;
  };
  const day = (d: number) => new Date(at - d * DAY_MS + 3_600_000).toISOString();

  it("without any keyed record, ranks a title's top rung before its low ones (plays in proportion to bitrate)", () => {
    const views = [1, 2, 3].map((d) => ({ ts: day(d), titleId: 't0', region: 'us', bytes: 7e9 }));
    const density = demandOf(views, 1);
    expect(density('t0/r2')).toBeGreaterThan(density('t0/r1'));
    expect(density('t0/r1')).toBeGreaterThan(density('t0/r0'));
    // Bytes to size squared: 16 : 4 : 1, so bytes per stored byte 4 : 2 : 1.
    expect(density('t0/r2') / density('t0/r0')).toBeCloseTo(4, 6);
  });

  it("a title without keyed records takes the mix other titles' keyed records show, rung by rung from the top", () => {
    // Forty titles whose players mostly fetch the bottom rung, keyed; t0 only has title records.
    const views: ViewRecord[] = [];
    for (let t = 1; t < 40; t++)
      for (const d of [1, 2, 3]) {
        views.push({ ts: day(d), titleId: `t${t}`, region: 'us', bytes: 8e8, key: `t${t}/r0` });
        views.push({ ts: day(d), titleId: `t${t}`, region: 'us', bytes: 1e8, key: `t${t}/r2` });
      }
    for (const d of [1, 2, 3]) views.push({ ts: day(d), titleId: 't0', region: 'us', bytes: 9e8 });
    const density = demandOf(views, 40);
    expect(density('t0/r0')).toBeGreaterThan(density('t0/r2'));
    expect(density('t0/r0')).toBeGreaterThan(density('t0/r1'));
  });
});

describe('diurnal shape from aggregated records', () => {
  // A day whose traffic follows 1 + 0.6 cos((h - 21) / 24 * 2 pi): the busiest hour is 1.6x the mean.
  const shape = (h: number): number => 1 + 0.6 * Math.cos((2 * Math.PI * (h - 21)) / 24);
  const peakOf = (views: ViewRecord[]): number =>
    exponentialSmoothingModel()
      .forecast(aggregateViews(views, indexCatalog(catalog(1, 1, 1000)), { endMs: at, days: 7 }), indexCatalog(catalog(1, 1, 1000)), ['us'])
      .regions.get('us')!.peakFactor;

  it('reads the peak hour from per-play records, and the same from records aggregated per 4 h', () => {
    const plays: ViewRecord[] = [];
    const blocks: ViewRecord[] = [];
    for (let d = 1; d <= 7; d++) {
      const day = at - d * DAY_MS;
      for (let h = 0; h < 24; h++)
        plays.push({
          ts: new Date(day + h * 3_600_000 + 17 * 60_000 + d * 1000).toISOString(),
          titleId: 't0',
          region: 'us',
          bytes: 1e6 * shape(h),
        });
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
