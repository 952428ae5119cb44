/**
 * Diverse shortlist: near-duplicates out first (perceptual hash), then a greedy maximal-marginal-
 * relevance pick that trades score against similarity to what is already chosen, where
 * "similar" means close in time, in the same scene, or alike by hash.
 */
import { InvalidArtworkOptionError } from './errors.ts';
import type { PerceptualHashes } from './hash.ts';

export interface ShortlistOptions {
  /** Frames to choose. @defaultValue 8 */
  readonly count?: number;
  /** Near-duplicate when dHash Hamming distance (0–64) is ≤ this. @defaultValue 10 */
  readonly maxDHashDistance?: number;
  /** Near-duplicate when pHash Hamming distance (0–64) is ≤ this. @defaultValue 8 */
  readonly maxPHashDistance?: number;
  /** λ in score × (1 − λ) − similarity × λ, 0–1: 0 is pure score, 1 pure spread. @defaultValue 0.4 */
  readonly diversityWeight?: number;
  /**
   * Time constant of the time similarity exp(−|Δt| / τ), seconds.
   * @defaultValue (latest − earliest candidate time) / (2 × count), at least 1 s
   */
  readonly timeScaleS?: number;
  /** Similarity of two frames from the same scene, regardless of time, 0–1. @defaultValue 0.5 */
  readonly sameSceneSimilarity?: number;
}

/** What the shortlist needs to know about a frame that passed the hard rejects. */
export interface ShortlistItem {
  /** Caller's identifier, returned unchanged (e.g. the candidate's input index). */
  readonly index: number;
  readonly atS: number;
  readonly sceneIndex: number;
  /** Score total, 0–1. */
  readonly total: number;
  readonly hashes: PerceptualHashes;
}

export interface NearDuplicate {
  readonly index: number;
  /** `index` of the better-scoring frame it duplicates. */
  readonly duplicateOf: number;
}

export interface Shortlist {
  /** In pick order (best marginal value first). */
  readonly chosen: readonly ShortlistItem[];
  readonly duplicates: readonly NearDuplicate[];
}

export interface ResolvedShortlistOptions {
  readonly count: number;
  readonly maxDHashDistance: number;
  readonly maxPHashDistance: number;
  readonly diversityWeight: number;
  readonly timeScaleS: number | undefined;
  readonly sameSceneSimilarity: number;
}

export function resolveShortlistOptions(options: ShortlistOptions = {}): ResolvedShortlistOptions {
  const resolved = {
    count: options.count ?? 8,
    maxDHashDistance: options.maxDHashDistance ?? 10,
    maxPHashDistance: options.maxPHashDistance ?? 8,
    diversityWeight: options.diversityWeight ?? 0.4,
    timeScaleS: options.timeScaleS,
    sameSceneSimilarity: options.sameSceneSimilarity ?? 0.5,
  };
  if (!Number.isInteger(resolved.count) || resolved.count < 1) {
    throw new InvalidArtworkOptionError('count', 'an integer >= 1', resolved.count);
  }
  for (const field of ['maxDHashDistance', 'maxPHashDistance'] as const) {
    const v = resolved[field];
    if (!Number.isInteger(v) || v < 0 || v > 64) throw new InvalidArtworkOptionError(field, 'an integer from 0 to 64', v);
  }
  for (const field of ['diversityWeight', 'sameSceneSimilarity'] as const) {
    const v = resolved[field];
    if (!Number.isFinite(v) || v < 0 || v > 1) throw new InvalidArtworkOptionError(field, 'a number from 0 to 1', v);
  }
  if (resolved.timeScaleS !== undefined && !(Number.isFinite(resolved.timeScaleS) && resolved.timeScaleS > 0)) {
    throw new InvalidArtworkOptionError('timeScaleS', 'a finite number > 0', resolved.timeScaleS);
  }
  return resolved;
}

/** 64-bit hashes split in two 32-bit halves: bigint popcount is ~50× slower in V8. */
interface SplitHash {
  readonly dHi: number;
  readonly dLo: number;
  readonly pHi: number;
  readonly pLo: number;
}

function split(h: PerceptualHashes): SplitHash {
  return {
    dHi: Number((h.dHash >> 32n) & 0xffffffffn),
    dLo: Number(h.dHash & 0xffffffffn),
    pHi: Number((h.pHash >> 32n) & 0xffffffffn),
    pLo: Number(h.pHash & 0xffffffffn),
  };
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

function dDistance(a: SplitHash, b: SplitHash): number {
  return popcount32(a.dHi ^ b.dHi) + popcount32(a.dLo ^ b.dLo);
}

function pDistance(a: SplitHash, b: SplitHash): number {
  return popcount32(a.pHi ^ b.pHi) + popcount32(a.pLo ^ b.pLo);
}

/**
 * Drop near-duplicates, keeping the best-scoring frame of each group (ties: earlier frame).
 * Greedy, so kept frames are pairwise distinct under both thresholds.
 */
export function removeNearDuplicates(
  items: readonly ShortlistItem[],
  options: ShortlistOptions = {},
): { readonly kept: readonly ShortlistItem[]; readonly duplicates: readonly NearDuplicate[] } {
  const opts = resolveShortlistOptions(options);
  const order = [...items].sort((a, b) => b.total - a.total || a.atS - b.atS);
  const kept: { item: ShortlistItem; hash: SplitHash }[] = [];
  const duplicates: NearDuplicate[] = [];
  for (const item of order) {
    const hash = split(item.hashes);
    const twin = kept.find((k) => dDistance(k.hash, hash) <= opts.maxDHashDistance || pDistance(k.hash, hash) <= opts.maxPHashDistance);
    if (twin === undefined) kept.push({ item, hash });
    else duplicates.push({ index: item.index, duplicateOf: twin.item.index });
  }
  return { kept: kept.map((k) => k.item), duplicates };
}

/** Choose up to `count` frames, diverse in time, scene and look. Pure. */
export function chooseShortlist(items: readonly ShortlistItem[], options: ShortlistOptions = {}): Shortlist {
  const opts = resolveShortlistOptions(options);
  const { kept, duplicates } = removeNearDuplicates(items, options);
  if (kept.length === 0) return { chosen: [], duplicates };
  let earliest = Infinity,
    latest = -Infinity;
  for (const item of kept) {
    earliest = Math.min(earliest, item.atS);
    latest = Math.max(latest, item.atS);
  }
  const tau = opts.timeScaleS ?? Math.max(1, (latest - earliest) / (2 * opts.count));
  const hashes = new Map(kept.map((item) => [item.index, split(item.hashes)] as const));

  const similarity = (a: ShortlistItem, b: ShortlistItem): number => {
    const time = Math.exp(-Math.abs(a.atS - b.atS) / tau);
    const scene = a.sceneIndex === b.sceneIndex ? opts.sameSceneSimilarity : 0;
    // Unrelated frames sit near 32 of 64 bits apart; only closer than that counts as alike.
    const look = Math.max(0, 1 - dDistance(hashes.get(a.index)!, hashes.get(b.index)!) / 32);
    return Math.max(time, scene, look);
  };

  const remaining = [...kept];
  const maxSim = new Float64Array(remaining.length);
  const chosen: ShortlistItem[] = [];
  const lambda = opts.diversityWeight;
  while (chosen.length < opts.count && remaining.length > 0) {
    let best = 0;
    let bestValue = -Infinity;
    for (let i = 0; i < remaining.length; i++) {
      const value = (1 - lambda) * remaining[i]!.total - lambda * (maxSim[i] as number);
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    const pick = remaining[best]!;
    chosen.push(pick);
    remaining.splice(best, 1);
    maxSim.copyWithin(best, best + 1);
    for (let i = 0; i < remaining.length; i++) maxSim[i] = Math.max(maxSim[i] as number, similarity(remaining[i]!, pick));
  }
  return { chosen, duplicates };
}
