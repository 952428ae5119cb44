export interface WeeklyOptions {
  /** Fewest days of totals before a cycle is looked for. */
  readonly minDays: number;
  /** Smallest max |factor - 1| taken as a cycle. */
  readonly minAmplitude: number;
}

/**
 * Weekday factors (mean 1, index = day mod 7) of a daily series when it has a weekly cycle,
 * else undefined. Each day is compared with its centred 7-day mean so that growth or decline
 * does not read as a cycle; the cycle is kept when weekdays differ by more than the scatter
 * within a weekday (an F ratio above 4) and by at least `minAmplitude`.
 */
export function weeklyFactors(totals: Float64Array, options: WeeklyOptions): number[] | undefined {
  const n = totals.length;
  if (n < Math.max(options.minDays, 10)) return undefined;
  const groups: number[][] = [[], [], [], [], [], [], []];
  for (let d = 3; d < n - 3; d++) {
    let s = 0;
    for (let k = d - 3; k <= d + 3; k++) s += totals[k] ?? 0;
    if (s <= 0) continue;
    groups[d % 7]!.push((totals[d] ?? 0) / (s / 7));
  }
  if (groups.some((g) => g.length < 2)) return undefined;
  const means = groups.map((g) => g.reduce((a, b) => a + b, 0) / g.length);
  const grand = means.reduce((a, b) => a + b, 0) / 7;
  const between = means.reduce((a, m) => a + (m - grand) ** 2, 0) / 6;
  let within = 0;
  let dof = 0;
  groups.forEach((g, i) => {
    for (const r of g) within += (r - means[i]!) ** 2;
    dof += g.length - 1;
  });
  const perGroup = groups.reduce((a, g) => a + g.length, 0) / 7;
  const f = within === 0 ? Number.POSITIVE_INFINITY : (between * perGroup) / (within / dof);
  const factors = means.map((m) => m / grand);
  const amplitude = Math.max(...factors.map((x) => Math.abs(x - 1)));
  // A weekday at a quarter of the mean or less is a sparse series, not a cycle; dividing by it
  // would blow the few bytes seen that day up to a week's worth.
  if (Math.min(...factors) < 0.25) return undefined;
  return f > 4 && amplitude >= options.minAmplitude ? factors : undefined;
}
