/**
 * Regional taste: how far a region's demand for a title departs from what every region's
 * history together predicts for it, shrunk towards that prediction by a gamma prior whose
 * strength is estimated from the catalog (empirical Bayes). Pure.
 */

/** Per title in one region: smoothed demand in age-curve units (N) and the matching exposure (E). */
export interface Levels {
  /** Exponentially weighted sum of deseasonalised bytes per title. */
  readonly n: Float64Array;
  /** The same weights times the age curve over the days the title was out. */
  readonly e: Float64Array;
}

/** What every region's history predicts for region r's title t, in bytes: its all-regions share times r's volume. */
function pooledExpectation(levels: readonly Levels[]): (r: number, t: number) => number {
  const titles = levels[0]?.n.length ?? 0;
  const total = new Float64Array(titles);
  const volume = levels.map((l) => l.n.reduce((s, v) => s + v, 0));
  const all = volume.reduce((s, v) => s + v, 0);
  for (const l of levels) for (let t = 0; t < titles; t++) total[t] = total[t]! + l.n[t]!;
  return (r, t) => (all > 0 ? (total[t]! * volume[r]!) / all : 0);
}

/**
 * Method-of-moments shape of the gamma prior on regional taste: over titles expected to have
 * at least 30 plays in a region, the variance of observed / expected beyond Poisson noise.
 */
export function estimatePriorPlays(levels: readonly Levels[], unit: Float64Array): number {
  const expect = pooledExpectation(levels);
  let sum = 0;
  let m = 0;
  levels.forEach((l, r) => {
    for (let t = 0; t < l.n.length; t++) {
      const e = expect(r, t) / unit[t]!;
      if (e < 30) continue;
      const ratio = l.n[t]! / unit[t]! / e;
      sum += (ratio - 1) ** 2 - 1 / e;
      m++;
    }
  });
  const variance = m >= 20 ? sum / m : 0.25;
  return Math.min(50, Math.max(0.5, 1 / Math.max(variance, 1e-9)));
}

/** Per region, per title: the posterior rate in bytes per age-curve unit. */
export function regionalPosterior(levels: readonly Levels[], unit: Float64Array, k: number): Float64Array[] {
  const expect = pooledExpectation(levels);
  return levels.map((l, r) => {
    const rate = new Float64Array(l.n.length);
    for (let t = 0; t < rate.length; t++) {
      if (l.e[t]! <= 0) continue;
      const e = expect(r, t);
      if (e <= 0) continue;
      const plays = l.n[t]! / unit[t]!;
      const expected = e / unit[t]!;
      rate[t] = (((k + plays) / (k + expected)) * e) / l.e[t]!;
    }
    return rate;
  });
}
