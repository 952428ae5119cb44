/** Spearman rank correlation with average ranks for ties; NaN when either side is constant. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n !== y.length) throw new RangeError(`spearman: lengths differ (${n} vs ${y.length})`);
  const rx = ranks(x);
  const ry = ranks(y);
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += rx[i]!;
    my += ry[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = rx[i]! - mx;
    const dy = ry[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}

function ranks(v: ArrayLike<number>): Float64Array {
  const n = v.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a]! - v[b]!);
  const r = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && v[idx[j + 1]!] === v[idx[i]!]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k]!] = avg;
    i = j + 1;
  }
  return r;
}

/**
 * Fraction of `before`'s (appliance, key) placements that move: a copy in `after` of a key the
 * cluster already held, on an appliance that did not hold it. A key entering the cluster (the
 * capacity an added appliance brings) or leaving it (the capacity a removed one takes) is a fill
 * or an eviction, not a move. Ideal for one of N appliances joining or leaving: about 1/N.
 */
export function movedFraction(
  before: Readonly<Record<string, readonly string[]>>,
  after: Readonly<Record<string, readonly string[]>>,
): number {
  const heldBefore = new Set<string>();
  let total = 0;
  for (const keys of Object.values(before)) {
    total += keys.length;
    for (const k of keys) heldBefore.add(k);
  }
  let moved = 0;
  for (const [id, keys] of Object.entries(after)) {
    const had = new Set(before[id] ?? []);
    for (const k of keys) if (!had.has(k) && heldBefore.has(k)) moved++;
  }
  return total === 0 ? 0 : moved / total;
}

/** Fraction of `before`'s placement count that `after` adds anywhere (moves plus new keys). */
export function addedFraction(
  before: Readonly<Record<string, readonly string[]>>,
  after: Readonly<Record<string, readonly string[]>>,
): number {
  let total = 0;
  let added = 0;
  for (const keys of Object.values(before)) total += keys.length;
  for (const [id, keys] of Object.entries(after)) {
    const had = new Set(before[id] ?? []);
    for (const k of keys) if (!had.has(k)) added++;
  }
  return total === 0 ? 0 : added / total;
}
