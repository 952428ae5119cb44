import { readFile, readdir, stat, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { buildArgs, type SegmentCommand } from '../../ffmpeg/args.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { mapLimit, uploadFile, contentTypeOf } from '../../storage/transfer.ts';
import type { Segment } from '../../packaging/model.ts';
import { parseFfmpegPlaylist } from '../../packaging/boxes.ts';
import type { WorkerDeps } from './context.ts';

export interface Segmented {
  readonly dir: string;
  readonly segments: Segment[];
  readonly init: Buffer;
}

/** Cuts media files, in one ffmpeg, into CMAF segments by stream copy: each into its own directory (`SegmentCommand`). */
export async function segment(
  tracks: SegmentCommand['tracks'],
  segmentS: number,
  signal: AbortSignal,
  inTitle?: SegmentCommand['inTitle'],
): Promise<Segmented[]> {
  await Promise.all(tracks.map((t) => mkdir(t.outDir, { recursive: true })));
  await runFfmpeg(buildArgs({ kind: 'segment', tracks, segmentS, ...(inTitle === undefined ? {} : { inTitle }) }), { signal });
  return Promise.all(
    tracks.map(async ({ outDir }) => {
      const listed = parseFfmpegPlaylist(await readFile(path.join(outDir, 'ffmpeg.m3u8'), 'utf8'));
      const segments = await Promise.all(listed.map(async (s) => ({ ...s, bytes: (await stat(path.join(outDir, s.name))).size })));
      return { dir: outDir, segments, init: await readFile(path.join(outDir, 'init.mp4')) };
    }),
  );
}

export async function publishTrackFiles(deps: WorkerDeps, local: string, prefix: string, playlist: string): Promise<void> {
  const files = (await readdir(local)).filter((f) => f === 'init.mp4' || f.endsWith('.m4s'));
  await mapLimit(files, 8, (f) => uploadFile(deps.store, path.join(local, f), `${prefix}${f}`, contentTypeOf(f)));
  await deps.store.put(`${prefix}playlist.m3u8`, playlist, { contentType: contentTypeOf('playlist.m3u8') });
}
