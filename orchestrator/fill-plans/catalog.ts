import type { CatalogFile, CatalogTitle } from '../../cdn-planner/index.ts';
import type { Presentation, Track } from '../../packaging/model.ts';
import { readPresentation } from '../../pipeline/publish.ts';
import type { ObjectStore } from '../../storage/port.ts';
import type { Title } from '../../titles/model.ts';
import type { TitleStore } from '../../titles/store.ts';

/** The published files of one track: its init segment and media segments, keyed as stored. */
export function trackFiles(outputPrefix: string, track: Track): CatalogFile[] {
  return [
    { key: `${outputPrefix}${track.dir}/${track.initName}`, bytes: track.initBytes },
    ...track.segments.map((s) => ({ key: `${outputPrefix}${track.dir}/${s.name}`, bytes: s.bytes })),
  ];
}

export function presentationTracks(p: Presentation): Track[] {
  return [...p.video, ...p.audio];
}

/**
 * The planner's catalog exported from storage: every `ready` title with its published segment
 * files (init and media segments of every track) and their sizes, from the `presentation.json`
 * the package job wrote. A title is released when it turned ready (its last update).
 * Manifests are left out: they are small, per-request when steered, and served by the API.
 */
export async function exportCatalog(titles: TitleStore, store: ObjectStore, pageSize = 500): Promise<CatalogTitle[]> {
  const ready: Title[] = [];
  for (let offset = 0; ; offset += pageSize) {
    const page = await titles.list(offset, pageSize);
    for (const t of page.titles) if (t.state === 'ready' && t.outputPrefix !== undefined) ready.push(t);
    if (page.titles.length < pageSize) break;
  }
  const out: CatalogTitle[] = [];
  for (const t of ready) {
    const prefix = t.outputPrefix!;
    const files = presentationTracks(await readPresentation(store, prefix, t.manifestRevision)).flatMap((track) =>
      trackFiles(prefix, track),
    );
    out.push({ titleId: t.id, releasedAt: t.updatedAt, files: files.filter((f) => f.bytes > 0) });
  }
  return out;
}
