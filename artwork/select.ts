/**
 * From candidate frames to the artwork entry for a title: decode (the only async step), analyse,
 * score each frame against its neighbours in time, and shortlist. A title where nothing is
 * usable gets an entry flagged `usable: false` with a reason — never an exception — and a frame
 * sharp cannot decode is rejected as `undecodable` without stopping the others.
 */
import type { FrameFeatures } from './features.ts';
import { featuresOf } from './features.ts';
import { decodeForAnalysis } from './decode.ts';
import { InvalidArtworkOptionError, InvalidFrameError, UndecodableImageError } from './errors.ts';
import type { Candidate } from './frame.ts';
import { hashToHex } from './hash.ts';
import type { FrameScore, Rejection, RejectReason } from './score.ts';
import { scoreAnalysis } from './score.ts';
import type { ScoringOptions } from './scoring-options.ts';
import { resolveScoringOptions } from './scoring-options.ts';
import type { NearDuplicate, ShortlistItem, ShortlistOptions } from './shortlist.ts';
import { chooseShortlist, resolveShortlistOptions } from './shortlist.ts';

/** {@link SelectionOptions.neighbourWindowS}'s default, seconds. */
export const DEFAULT_NEIGHBOUR_WINDOW_S = 1;

export interface SelectionOptions {
  /** Width frames are scored at, px; thresholds in `scoring` are calibrated for 480. @defaultValue 480 */
  readonly analysisWidthPx?: number;
  /**
   * Frames at most this far apart in time are neighbours (for motion, fade and dissolve
   * evidence), seconds. The extraction job should sample a frame or two this close to each
   * candidate for that evidence to exist. @defaultValue 1
   */
  readonly neighbourWindowS?: number;
  /** Images decoded at once; sharp runs each on libuv's thread pool. @defaultValue 2 */
  readonly decodeConcurrency?: number;
  readonly scoring?: ScoringOptions;
  readonly shortlist?: ShortlistOptions;
}

/** A candidate decoded and analysed, or the reason it could not be. */
export interface AnalysedCandidate {
  /** Position in the caller's candidate array. */
  readonly index: number;
  readonly atS: number;
  readonly sceneIndex: number;
  readonly analysis: FrameFeatures | { readonly undecodable: string };
}

export interface ScoredCandidate {
  readonly index: number;
  readonly atS: number;
  readonly sceneIndex: number;
  /** 0–1; 0 when rejected. */
  readonly total: number;
  readonly rejected?: Rejection;
  /** Absent only for undecodable frames. */
  readonly score?: FrameScore;
  /** dHash and pHash as 16 hex digits; absent only for undecodable frames. */
  readonly hashes?: { readonly dHash: string; readonly pHash: string };
}

export interface UsableArtwork {
  readonly usable: true;
  /** Chosen frames, best first. */
  readonly shortlist: readonly ScoredCandidate[];
  /** Every candidate in input order. */
  readonly candidates: readonly ScoredCandidate[];
  readonly duplicates: readonly NearDuplicate[];
}

export interface NoUsableArtwork {
  readonly usable: false;
  readonly flag: 'no-usable-frame';
  /** E.g. "all 40 candidate frames were rejected (black 30, near-uniform 10)". */
  readonly reason: string;
  readonly rejections: Readonly<Partial<Record<RejectReason, number>>>;
  readonly candidates: readonly ScoredCandidate[];
}

export type ArtworkSelection = UsableArtwork | NoUsableArtwork;

/** Decode, score and shortlist. Rejects only on invalid options. */
export async function selectArtwork(candidates: readonly Candidate[], options: SelectionOptions = {}): Promise<ArtworkSelection> {
  const analysisWidthPx = options.analysisWidthPx ?? 480;
  if (!Number.isInteger(analysisWidthPx) || analysisWidthPx < 16) {
    throw new InvalidArtworkOptionError('analysisWidthPx', 'an integer >= 16', analysisWidthPx);
  }
  const concurrency = options.decodeConcurrency ?? 2;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidArtworkOptionError('decodeConcurrency', 'an integer >= 1', concurrency);
  }
  // Validate everything before spending time decoding.
  resolveScoringOptions(options.scoring);
  resolveShortlistOptions(options.shortlist);
  checkTimeline(candidates);

  const analysed: AnalysedCandidate[] = new Array(candidates.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < candidates.length) {
      const index = next++;
      const c = candidates[index]!;
      let analysis: AnalysedCandidate['analysis'];
      try {
        analysis = featuresOf(await decodeForAnalysis(c.image, analysisWidthPx));
      } catch (error) {
        // A corrupt frame in the middle of a master must not stop the title's artwork.
        if (!(error instanceof UndecodableImageError) && !(error instanceof InvalidFrameError)) throw error;
        analysis = { undecodable: error.message };
      }
      analysed[index] = { index, atS: c.atS, sceneIndex: c.sceneIndex, analysis };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, candidates.length) }, worker));
  return chooseArtwork(analysed, options);
}

/** The pure half of `selectArtwork`: neighbours, scores, shortlist. */
export function chooseArtwork(analysed: readonly AnalysedCandidate[], options: SelectionOptions = {}): ArtworkSelection {
  const windowS = options.neighbourWindowS ?? DEFAULT_NEIGHBOUR_WINDOW_S;
  if (!Number.isFinite(windowS) || windowS < 0) {
    throw new InvalidArtworkOptionError('neighbourWindowS', 'a finite number >= 0', windowS);
  }
  const scoring = resolveScoringOptions(options.scoring);
  checkTimeline(analysed);
  const decoded = analysed
    .filter((a): a is AnalysedCandidate & { analysis: FrameFeatures } => !('undecodable' in a.analysis))
    .sort((a, b) => a.atS - b.atS);
  const scored: ScoredCandidate[] = new Array(analysed.length);

  decoded.forEach((item, i) => {
    const prev = decoded[i - 1];
    const after = decoded[i + 1];
    const before = prev !== undefined && item.atS - prev.atS <= windowS ? prev : undefined;
    const next = after !== undefined && after.atS - item.atS <= windowS ? after : undefined;
    const nearest =
      before === undefined
        ? next === undefined
          ? undefined
          : ('after' as const)
        : next === undefined || item.atS - before.atS <= next.atS - item.atS
          ? ('before' as const)
          : ('after' as const);
    const score = scoreAnalysis(
      item.analysis,
      {
        ...(before === undefined ? {} : { before: before.analysis }),
        ...(next === undefined ? {} : { after: next.analysis }),
        ...(nearest === undefined ? {} : { nearest }),
      },
      scoring,
    );
    scored[item.index] = {
      index: item.index,
      atS: item.atS,
      sceneIndex: item.sceneIndex,
      total: score.total,
      ...(score.rejected === undefined ? {} : { rejected: score.rejected }),
      score,
      hashes: { dHash: hashToHex(item.analysis.hashes.dHash), pHash: hashToHex(item.analysis.hashes.pHash) },
    };
  });
  for (const a of analysed) {
    if ('undecodable' in a.analysis) {
      scored[a.index] = {
        index: a.index,
        atS: a.atS,
        sceneIndex: a.sceneIndex,
        total: 0,
        rejected: { reason: 'undecodable', detail: a.analysis.undecodable },
      };
    }
  }

  const usable: ShortlistItem[] = decoded
    .filter((d) => scored[d.index]!.rejected === undefined)
    .map((d) => ({ index: d.index, atS: d.atS, sceneIndex: d.sceneIndex, total: scored[d.index]!.total, hashes: d.analysis.hashes }));
  if (usable.length === 0) {
    const rejections: Partial<Record<RejectReason, number>> = {};
    for (const s of scored) if (s.rejected) rejections[s.rejected.reason] = (rejections[s.rejected.reason] ?? 0) + 1;
    return { usable: false, flag: 'no-usable-frame', reason: noUsableReason(scored.length, rejections), rejections, candidates: scored };
  }
  const { chosen, duplicates } = chooseShortlist(usable, options.shortlist);
  return { usable: true, shortlist: chosen.map((c) => scored[c.index]!), candidates: scored, duplicates };
}

function checkTimeline(items: readonly { readonly atS: number; readonly sceneIndex: number }[]): void {
  items.forEach((a, i) => {
    if (!Number.isFinite(a.atS) || a.atS < 0) throw new InvalidArtworkOptionError(`candidates[${i}].atS`, 'a finite number >= 0', a.atS);
    if (!Number.isInteger(a.sceneIndex) || a.sceneIndex < 0) {
      throw new InvalidArtworkOptionError(`candidates[${i}].sceneIndex`, 'an integer >= 0', a.sceneIndex);
    }
  });
}

function noUsableReason(count: number, rejections: Partial<Record<RejectReason, number>>): string {
  if (count === 0) return 'no candidate frames were provided';
  const parts = Object.entries(rejections)
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
    .map(([reason, n]) => `${reason} ${n}`);
  return `all ${count} candidate frame${count === 1 ? ' was' : 's were'} rejected (${parts.join(', ')})`;
}
