/**
 * A chunk's CMAF segments are cut where the chunk was encoded and stored at the title's own
 * names under the output prefix; packaging only joins the chunks' records into playlists
 * (`packaging/chunk-segments.ts`). Packaging downloaded every chunk of every rung, cut them
 * and uploaded the segments after the last chunk: the title's whole video through one worker
 * on the critical path (0.6 s of a 13 s ingest on a 79 s SD master, minutes on a film).
 */
import path from 'node:path';
import { frameRateValue } from '../../ffmpeg/probe.ts';
import type { Chunk } from '../../pipeline/chunks.ts';
import { chunkSegmentsKey, chunkSegmentsPrefix, type EncodeChunkJobData, type PackageJobData } from '../../pipeline/types.ts';
import { joinChunkSegments, parseChunkSegments, type ChunkSegments, type JoinedRung } from '../../packaging/chunk-segments.ts';
import { contentTypeOf, mapLimit, uploadFile } from '../../storage/transfer.ts';
import type { WorkerDeps } from './context.ts';
import { readCmafTracks } from './package-media.ts';
import type { CmafCut } from '../../ffmpeg/args.ts';

/**
 * Where a chunk's encode writes its rungs (one directory each under `dir`), as the title's own
 * segments: numbered from the chunk's first segment, timed from where it starts in the title.
 */
export function chunkCut(d: EncodeChunkJobData, dir: string): CmafCut {
  return {
    dirs: d.rungs.map((_, i) => path.join(dir, `v${i}`)),
    segmentS: d.settings.segmentS,
    inTitle: { firstSegment: d.chunk.firstSegment, offsetS: d.chunk.startFrame / frameRateValue(d.timeline.frameRate) },
  };
}

/**
 * Stores the segments the chunk's encode cut (`cut`, `encodedFrames` each), then the chunk's
 * record: a record names only segments already stored. Nothing is stored into a title that is
 * final or gone (a duplicate delivered late must not touch a published title), and what was
 * stored is removed again if the title failed or went meanwhile (its cleanup may have run
 * before these landed). True when the record was stored.
 */
export async function publishChunkSegments(
  deps: Pick<WorkerDeps, 'store' | 'titles'>,
  d: EncodeChunkJobData,
  cut: CmafCut,
  encodedFrames: number | undefined,
): Promise<boolean> {
  // The title's length is its longest stream's: where the sound outlasts the picture, the last
  // chunk can start past the last frame, and its encode holds no video to cut.
  if (encodedFrames === 0) {
    const none: ChunkSegments = { chunk: d.chunk.index, rungs: cut.dirs.map(() => ({ init: '', segments: [] })) };
    await deps.store.put(chunkSegmentsKey(d.layout, d.chunk.index), JSON.stringify(none), { contentType: 'application/json' });
    return true;
  }
  const tracks = await readCmafTracks(cut);
  const titleId = d.layout.titleId;
  if (await deps.titles.isFinalOrGone(titleId)) return false;
  const objects = tracks.flatMap((s, i) =>
    s.segments.map((seg) => ({ file: path.join(s.dir, seg.name), key: `${d.layout.outputPrefix}v${i}/${seg.name}` })),
  );
  await mapLimit(objects, 8, (o) => uploadFile(deps.store, o.file, o.key, contentTypeOf(o.key)));
  const now = (await deps.titles.get(titleId))?.state;
  if (now === undefined || now === 'failed') {
    await Promise.all(objects.map((o) => deps.store.delete(o.key).catch(() => undefined)));
    return false;
  }
  // Published meanwhile (this was a duplicate): the record would land in a work prefix already removed.
  if (now === 'ready') return false;
  const record: ChunkSegments = {
    chunk: d.chunk.index,
    rungs: tracks.map((s) => ({
      init: s.init.toString('base64'),
      segments: s.segments.map(({ name, durationS }) => ({ name, durationS })),
    })),
  };
  await deps.store.put(chunkSegmentsKey(d.layout, d.chunk.index), JSON.stringify(record), { contentType: 'application/json' });
  return true;
}

/**
 * Every chunk's record and the stored size of every segment, joined into one list per rung, or
 * the chunks to encode again: without a record, with an unreadable one, or with a segment the
 * bucket lost. Two listings and one read per chunk.
 */
export async function readChunkSegments(
  deps: Pick<WorkerDeps, 'store' | 'log'>,
  d: PackageJobData,
  chunks: readonly Chunk[],
): Promise<{ missing: number[] } | { rungs: JoinedRung[] }> {
  const present = new Set<string>();
  for await (const o of deps.store.list(chunkSegmentsPrefix(d.layout))) present.add(o.key);
  const records = new Map<number, ChunkSegments>();
  await mapLimit(chunks, 8, async (c) => {
    const key = chunkSegmentsKey(d.layout, c.index);
    if (!present.has(key)) return;
    try {
      records.set(c.index, parseChunkSegments(JSON.parse((await deps.store.get(key)).toString('utf8'))));
    } catch (err) {
      deps.log.warn(
        { titleId: d.layout.titleId, chunk: c.index, err: (err as Error).message },
        'chunk record unreadable: encoding the chunk again',
      );
    }
  });
  const storedBytes = new Map<string, number>();
  for await (const o of deps.store.list(d.layout.outputPrefix)) storedBytes.set(o.key.slice(d.layout.outputPrefix.length), o.sizeBytes);
  return joinChunkSegments({ chunks, rungCount: d.rungs.length, records, storedBytes });
}
