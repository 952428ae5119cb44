/**
 * Writing what players read: the manifests of a published title, and its subtitle renditions.
 * Shared by `package` (first publication) and the API (a subtitle file added after `ready`).
 *
 * Manifests are revisioned. Revision 0 is `master.m3u8`, `manifest.mpd`, `presentation.json`;
 * a later revision N writes `master.rN.m3u8` (and the others) as new objects, then overwrites
 * the unrevisioned names for readers of the bucket or a CDN. The API serves a title's current
 * revision by its own names, so a manifest body it has served never changes under its key
 * (see orchestrator/playback-cache.ts), and each object is written whole: a player sees the
 * old manifest or the new one, and both name only files that exist.
 */
import { dashManifest } from '../packaging/dash.ts';
import { hlsMultivariantPlaylist } from '../packaging/hls.ts';
import { measureTrack, presentationOf, type Presentation, type Segment, type SubtitleTrack } from '../packaging/model.ts';
import { subtitleFiles, type SubtitleTrackLabel } from '../packaging/subtitle-track.ts';
import { parseSubtitles } from '../packaging/subtitles.ts';
import type { ObjectStore } from '../storage/port.ts';
import { contentTypeOf, mapLimit } from '../storage/transfer.ts';
import type { Rendition, SubtitleLabel } from '../titles/model.ts';
import type { TitleStore } from '../titles/store.ts';

export type ManifestName = 'master.m3u8' | 'manifest.mpd' | 'presentation.json';

/** The object name of a manifest at a revision: `master.m3u8`, then `master.r1.m3u8`, ... */
export function manifestName(name: ManifestName, revision = 0): string {
  if (revision === 0) return name;
  const dot = name.indexOf('.');
  return `${name.slice(0, dot)}.r${revision}${name.slice(dot)}`;
}

/** Writes the presentation and both manifests at `revision`; the multivariant playlist last, as players start there. */
export async function writeManifests(store: ObjectStore, outputPrefix: string, p: Presentation, revision = 0): Promise<void> {
  const bodies: [ManifestName, string][] = [
    ['presentation.json', JSON.stringify(p)],
    ['manifest.mpd', dashManifest(p)],
    ['master.m3u8', hlsMultivariantPlaylist(p)],
  ];
  for (const r of revision === 0 ? [0] : [revision, 0]) {
    for (const [name, body] of bodies) {
      await store.put(`${outputPrefix}${manifestName(name, r)}`, body, { contentType: contentTypeOf(name) });
    }
  }
}

export async function readPresentation(store: ObjectStore, outputPrefix: string, revision = 0): Promise<Presentation> {
  return presentationOf(JSON.parse((await store.get(`${outputPrefix}${manifestName('presentation.json', revision)}`)).toString('utf8')));
}

/** Writes one subtitle rendition from a WebVTT file in storage, cut at the video's segment boundaries; its playlist last. */
export async function publishSubtitleTrack(
  store: ObjectStore,
  outputPrefix: string,
  label: SubtitleLabel,
  vttKey: string,
  grid: readonly Pick<Segment, 'durationS'>[],
): Promise<SubtitleTrack> {
  const cues = parseSubtitles((await store.get(vttKey)).toString('utf8'), 'vtt');
  const trackLabel: SubtitleTrackLabel = {
    dir: label.id,
    language: label.language,
    name: label.name,
    isDefault: label.isDefault,
    isForced: label.isForced,
  };
  const { track, files } = subtitleFiles(trackLabel, cues, grid);
  const media = [...files].filter(([name]) => name !== 'playlist.m3u8');
  await mapLimit(media, 8, ([name, body]) => store.put(`${outputPrefix}${label.id}/${name}`, body, { contentType: contentTypeOf(name) }));
  await store.put(`${outputPrefix}${label.id}/playlist.m3u8`, files.get('playlist.m3u8') ?? '', {
    contentType: contentTypeOf('playlist.m3u8'),
  });
  return track;
}

/** The title's record of its subtitle renditions. */
export function subtitleRenditions(p: Presentation): Rendition[] {
  return p.subtitles.map((s) => {
    const m = measureTrack(s);
    return {
      id: s.dir,
      kind: 'subtitles',
      codecs: 'wvtt',
      language: s.language,
      name: s.name,
      isDefault: s.isDefault,
      averageBitrateKbps: Math.round(m.averageBps / 100) / 10,
      peakBitrateKbps: Math.round(m.peakBps / 100) / 10,
      segmentCount: s.segments.length,
    };
  });
}

/** Sidecar renditions are the ones named `s-<language>-<hash>`; the master's are `s<stream>`. */
const isSidecar = (dir: string): boolean => dir.startsWith('s-');

export type SidecarPublication = 'published' | 'unchanged' | 'not-ready';

/**
 * Brings a ready title's manifests in line with its sidecars: new ones are written and listed,
 * replaced or deleted ones unlisted (their files stay: a player may be reading them), in a new
 * manifest revision. Serialised per title by a lock, and it reads the title after taking it,
 * so whichever call runs last publishes every sidecar recorded before it.
 */
export async function publishSidecars(deps: { store: ObjectStore; titles: TitleStore }, titleId: string): Promise<SidecarPublication> {
  return deps.titles.withLock(titleId, 'manifests', async () => {
    const t = await deps.titles.get(titleId);
    if (t === undefined || t.state !== 'ready' || t.outputPrefix === undefined) return 'not-ready';
    const prefix = t.outputPrefix;
    const revision = t.manifestRevision ?? 0;
    const p = await readPresentation(deps.store, prefix, revision);
    const wanted = t.sidecars ?? [];
    const listed = p.subtitles.filter((s) => isSidecar(s.dir)).map((s) => s.dir);
    if (listed.length === wanted.length && wanted.every((s, i) => listed[i] === s.id)) return 'unchanged';
    const grid = p.video[0]?.segments ?? [];
    const sidecars = await Promise.all(
      wanted.map(async (s) => p.subtitles.find((x) => x.dir === s.id) ?? publishSubtitleTrack(deps.store, prefix, s, s.key, grid)),
    );
    const next: Presentation = { ...p, subtitles: [...p.subtitles.filter((s) => !isSidecar(s.dir)), ...sidecars] };
    await writeManifests(deps.store, prefix, next, revision + 1);
    const renditions = [...(t.renditions ?? []).filter((r) => r.kind !== 'subtitles'), ...subtitleRenditions(next)];
    await deps.titles.updatePublished(titleId, prefix, { manifestRevision: revision + 1, renditions });
    return 'published';
  });
}
