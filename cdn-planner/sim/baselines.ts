import type { CatalogIndex } from '../catalog-index.ts';
import { rankByDensity } from '../placement.ts';

/**
 * A pull-through cache of one appliance: every miss is fetched from the origin and kept,
 * evicting least recently used files until it fits.
 */
export class LruCache {
  readonly capacityBytes: number;
  usedBytes = 0;
  // A Map iterates in insertion order: re-inserting on a hit makes the first entry the LRU one.
  private readonly entries = new Map<number, number>();

  constructor(capacityBytes: number) {
    this.capacityBytes = capacityBytes;
  }

  /** True on a hit. On a miss the file is admitted if it fits the cache at all. */
  access(file: number, sizeBytes: number): boolean {
    const size = this.entries.get(file);
    if (size !== undefined) {
      this.entries.delete(file);
      this.entries.set(file, size);
      return true;
    }
    if (sizeBytes > this.capacityBytes) return false;
    while (this.usedBytes + sizeBytes > this.capacityBytes) {
      const oldest = this.entries.entries().next().value!;
      this.entries.delete(oldest[0]);
      this.usedBytes -= oldest[1];
    }
    this.entries.set(file, sizeBytes);
    this.usedBytes += sizeBytes;
    return false;
  }
}

/**
 * Oracle: perfect knowledge of the day's true expected bytes per file (the popularity the
 * trace is drawn from), the cluster filled with the files that serve most per stored byte, one
 * copy each, no balance constraint, no fill cost. Returns the bytes it serves of the day's
 * actual plays. (Knowing the realised plays themselves would also know which one-off plays of
 * tail files happen, which no forecaster can: that bound is meaningless for a sparse trace.)
 */
export function oracleServedBytes(expected: Float64Array, actual: Float64Array, index: CatalogIndex, capacityBytes: number): number {
  let used = 0;
  let served = 0;
  for (const f of rankByDensity(expected, index.fileBytes)) {
    const size = index.fileBytes[f]!;
    if (used + size > capacityBytes) continue;
    used += size;
    served += actual[f]!;
  }
  return served;
}

/**
 * Plain consistent hashing without popularity: each released file goes to its ring owner,
 * which keeps files in catalog order until its disk is full. Returns the owner per file, or
 * -1 for files left out.
 */
export function plainPlacement(
  owner: Int32Array,
  index: CatalogIndex,
  capacities: readonly number[],
  availableBeforeMs: number,
): Int32Array {
  const used = new Float64Array(capacities.length);
  const held = new Int32Array(owner.length).fill(-1);
  for (let f = 0; f < owner.length; f++) {
    if (index.releasedAtMs[index.fileTitle[f]!]! >= availableBeforeMs) continue;
    const j = owner[f]!;
    const size = index.fileBytes[f]!;
    if (used[j]! + size > capacities[j]!) continue;
    used[j] = used[j]! + size;
    held[f] = j;
  }
  return held;
}
