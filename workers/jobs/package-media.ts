import { readFile, readdir, stat, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { buildArgs, CMAF_PLAYLIST, type CmafCut } from '../../ffmpeg/args.ts';
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

/** Cuts media files, in one ffmpeg, into CMAF segments by stream copy: each into its own directory of `cut` (`SegmentCommand`). */
export async function segment(inputs: readonly string[], cut: CmafCut, signal: AbortSignal): Promise<Segmented[]> {
  await makeCmafDirs(cut);
  await runFfmpeg(buildArgs({ kind: 'segment', inputs, cut }), { signal });
  return readCmafTracks(cut);
}

/** Creates the directories ffmpeg writes `cut`'s tracks into. */
export async function makeCmafDirs(cut: CmafCut): Promise<void> {
  await Promise.all(cut.dirs.map((dir) => mkdir(dir, { recursive: true })));
}

/** What ffmpeg wrote for each track of `cut`: its init segment and its segments, listed by its playlist, with their sizes. */
export function readCmafTracks(cut: CmafCut): Promise<Segmented[]> {
  return Promise.all(
    cut.dirs.map(async (dir) => {
      const listed = parseFfmpegPlaylist(await readFile(path.join(dir, CMAF_PLAYLIST), 'utf8'));
      const segments = await Promise.all(listed.map(async (s) => ({ ...s, bytes: (await stat(path.join(dir, s.name))).size })));
      return { dir, segments, init: await readFile(path.join(dir, 'init.mp4')) };
    }),
  );
}

export async function publishTrackFiles(deps: WorkerDeps, local: string, prefix: string, playlist: string): Promise<void> {
  const files = (await readdir(local)).filter((f) => f === 'init.mp4' || f.endsWith('.m4s'));
  await mapLimit(files, 8, (f) => uploadFile(deps.store, path.join(local, f), `${prefix}${f}`, contentTypeOf(f)));
  await deps.store.put(`${prefix}playlist.m3u8`, playlist, { contentType: contentTypeOf('playlist.m3u8') });
}
