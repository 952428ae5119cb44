import { publishSubtitleTrack } from '../../pipeline/publish.ts';
import { subtitleKey, type PackageJobData } from '../../pipeline/types.ts';
import type { Segment, SubtitleTrack } from '../../packaging/model.ts';
import type { SubtitleSidecar, TitleWarning } from '../../titles/model.ts';
import type { SubtitlesResult } from './extract-subtitles.ts';
import type { WorkerDeps } from './context.ts';

/**
 * Publishes the subtitle renditions of a title at its first publication: the master's text
 * streams `extract-subtitles` converted, then the sidecars uploaded so far (later ones are
 * added by `publishSidecars`). A conversion that failed is a warning on the title.
 */
export async function packageSubtitles(
  deps: WorkerDeps,
  d: PackageJobData,
  children: readonly unknown[],
  sidecars: readonly SubtitleSidecar[],
  grid: readonly Pick<Segment, 'durationS'>[],
): Promise<{ tracks: SubtitleTrack[]; warnings: TitleWarning[] }> {
  const result = children.find(
    (v): v is SubtitlesResult => typeof v === 'object' && v !== null && ('subtitles' in v || 'subtitlesFailed' in v),
  );
  const warnings: TitleWarning[] =
    result !== undefined && 'subtitlesFailed' in result ? [{ code: 'VF_SUBTITLES_FAILED', message: result.subtitlesFailed }] : [];
  const converted = result !== undefined && 'subtitles' in result ? result.subtitles : {};
  const out = d.layout.outputPrefix;
  const fromMaster = d.subtitles.filter((t) => converted[t.id] !== undefined);
  const tracks: SubtitleTrack[] = [];
  for (const t of fromMaster) tracks.push(await publishSubtitleTrack(deps.store, out, t, subtitleKey(d.tracks, t.id), grid));
  for (const s of sidecars) tracks.push(await publishSubtitleTrack(deps.store, out, s, s.key, grid));
  return { tracks, warnings };
}
