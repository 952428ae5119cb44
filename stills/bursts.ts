/**
 * Choosing among burst-sampled frames (pure). The extraction keeps frames in bursts of three
 * (t − δ, t, t + δ); every frame is scored against its neighbours by the core, but only a frame
 * with a neighbour of the same shot on BOTH sides may be chosen. An edge frame has evidence on
 * one side only, and the core's fade test is one-sided (the frame must be a lower-contrast copy
 * of a neighbour): the brightest frame of a fade-out burst, or one whose only neighbour is across
 * a cut, would otherwise pass as clean.
 */
import { chooseArtwork, chooseShortlist, DEFAULT_NEIGHBOUR_WINDOW_S } from '../artwork/index.ts';
import type { AnalysedCandidate, NearDuplicate, ScoredCandidate, SelectionOptions } from '../artwork/index.ts';

export interface BurstSelection {
  readonly usable: boolean;
  /** Chosen frames, best first; empty when not usable. */
  readonly shortlist: readonly ScoredCandidate[];
  /** Every frame, in input order, as the core scored it. */
  readonly candidates: readonly ScoredCandidate[];
  /** Input indices of frames that could be chosen (same-shot neighbours on both sides). */
  readonly offered: ReadonlySet<number>;
  readonly duplicates: readonly NearDuplicate[];
  /** Why nothing was chosen, when not usable. */
  readonly reason?: string;
}

/** Frames with a same-shot neighbour within `windowS` before and after. Input sorted by time. */
export function framesWithNeighboursBothSides(analysed: readonly AnalysedCandidate[], windowS: number): Set<number> {
  const out = new Set<number>();
  analysed.forEach((a, i) => {
    const prev = analysed[i - 1];
    const next = analysed[i + 1];
    const ok = (n: AnalysedCandidate | undefined): boolean =>
      n !== undefined && n.sceneIndex === a.sceneIndex && Math.abs(n.atS - a.atS) <= windowS && !('undecodable' in n.analysis);
    if (ok(prev) && ok(next)) out.add(a.index);
  });
  return out;
}

/** @param analysed sorted by time, `index` equal to position */
export function chooseFromBursts(analysed: readonly AnalysedCandidate[], options: SelectionOptions = {}): BurstSelection {
  const scored = chooseArtwork(analysed, options);
  const offered = framesWithNeighboursBothSides(analysed, options.neighbourWindowS ?? DEFAULT_NEIGHBOUR_WINDOW_S);
  const base = { candidates: scored.candidates, offered };
  if (!scored.usable) return { ...base, usable: false, shortlist: [], duplicates: [], reason: scored.reason };
  const items = analysed.flatMap((a) => {
    const s = scored.candidates[a.index];
    if (!offered.has(a.index) || s === undefined || s.rejected !== undefined || 'undecodable' in a.analysis) return [];
    return [{ index: a.index, atS: a.atS, sceneIndex: a.sceneIndex, total: s.total, hashes: a.analysis.hashes }];
  });
  if (items.length === 0) {
    const usable = scored.candidates.filter((c) => c.rejected === undefined).length;
    return {
      ...base,
      usable: false,
      shortlist: [],
      duplicates: [],
      reason: `none of the ${usable} frame${usable === 1 ? '' : 's'} that passed had a same-shot neighbour on both sides to rule out a fade or transition`,
    };
  }
  const { chosen, duplicates } = chooseShortlist(items, options.shortlist);
  return { ...base, usable: true, shortlist: chosen.map((c) => scored.candidates[c.index]!), duplicates };
}
