/**
 * Artwork core: find, score and choose the frames that represent a title, and crop them.
 *
 * Flow for the extraction job (workers/):
 *   1. decode candidate frames at analysis size (480 px wide), keeping each source timestamp and
 *      scene index; include a frame or two within `neighbourWindowS` of each candidate so fades,
 *      dissolves and motion can be judged;
 *   2. `selectArtwork(candidates)` → `{ usable: true, shortlist, candidates }` or
 *      `{ usable: false, flag: 'no-usable-frame', reason }` (never throws for a bad title);
 *   3. re-extract the shortlisted timestamps at full resolution and `renderCrops(frame)` each;
 *      store the returned buffers (this module writes nothing).
 * Everything except decoding and encoding is synchronous and pure (`chooseArtwork`,
 * `scoreAnalysis`, `chooseShortlist`), so it can be tested and re-run on stored analyses.
 */
export type { AnalysisFrame, Candidate, FrameImage, RawPixels } from './frame.ts';
export { ArtworkError, InvalidArtworkOptionError, InvalidFrameError, UndecodableImageError } from './errors.ts';
export type { ArtworkErrorCode } from './errors.ts';
export { analysisFrameFromRaw, decodeForAnalysis } from './decode.ts';
export { featuresOf } from './features.ts';
export type { FrameFeatures } from './features.ts';
export { measureFrame } from './measure.ts';
export type { FrameMetrics } from './measure.ts';
export { hammingDistance, hashToHex, perceptualHashes } from './hash.ts';
export type { PerceptualHashes } from './hash.ts';
export { scoreAnalysis, scoreFrame } from './score.ts';
export type { FrameNeighbours, FrameScore, Rejection, RejectReason, ScoreParts } from './score.ts';
export { DEFAULT_SCORING_OPTIONS, resolveScoringOptions } from './scoring-options.ts';
export type { RejectThresholds, ScoreWeights, ScoringOptions } from './scoring-options.ts';
export { chooseShortlist, removeNearDuplicates } from './shortlist.ts';
export type { NearDuplicate, Shortlist, ShortlistItem, ShortlistOptions } from './shortlist.ts';
export { chooseArtwork, DEFAULT_NEIGHBOUR_WINDOW_S, selectArtwork } from './select.ts';
export type { AnalysedCandidate, ArtworkSelection, NoUsableArtwork, ScoredCandidate, SelectionOptions, UsableArtwork } from './select.ts';
export { CROP_ASPECTS, renderCrops, resolveCropOptions } from './crops.ts';
export type { ArtworkFormat, CropOptions, CropSet, CropShape, Rendition } from './crops.ts';
