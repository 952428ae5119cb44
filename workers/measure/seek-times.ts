/**
 * Whether a read that seeks into the master labels its frames with the times a read from the
 * start gives them. Every reader but the first of a title seeks (chunks, samples, measurements),
 * and the grid puts each frame in the slot its timestamp names. Where the master's packets carry
 * no presentation time, ffmpeg makes one up, and after a seek it can make up another: a real
 * MPEG-2 MXF (freeMXF's, I- and P-frames untimed) labelled the frames after a seek 2 to 10
 * frames off, so its second chunk repeated 4 frames of the first (271 frames shipped of 266).
 * A master whose seeks move its frames is read from its start (`decodeFromStart`).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildFrameListArgs } from '../../ffmpeg/frame-list-args.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';

export interface ListedFrame {
  readonly pts: number;
  readonly md5: string;
}

/** Frames of a `framemd5` listing (`stream, dts, pts, duration, size, md5` a line; `#` lines are its header). Pure. */
export function parseFrameList(text: string): ListedFrame[] {
  return text.split('\n').flatMap((line) => {
    if (line.startsWith('#')) return [];
    const cells = line.split(',').map((c) => c.trim());
    const [pts, md5] = [Number(cells[2]), cells[5]];
    return cells.length >= 6 && Number.isInteger(pts) && md5 !== undefined && md5 !== '' ? [{ pts, md5 }] : [];
  });
}

/**
 * The frames of `seeked` that carry another time than the same picture read from the start: only
 * pictures that appear once in `fromStart` tell (a still or a repeated frame could be any of
 * its copies). Pure.
 */
export function movedFrames(fromStart: readonly ListedFrame[], seeked: readonly ListedFrame[]): { pts: number; fromStartPts: number }[] {
  const byPicture = new Map<string, number[]>();
  for (const f of fromStart) byPicture.set(f.md5, [...(byPicture.get(f.md5) ?? []), f.pts]);
  return seeked.flatMap((f) => {
    const at = byPicture.get(f.md5);
    return at?.length === 1 && at[0] !== f.pts ? [{ pts: f.pts, fromStartPts: at[0]! }] : [];
  });
}

/** Frames read after the seek: a few, past the keyframe the seek lands on. */
const SEEKED_FRAMES = 8;
/** How far past the seek the read from the start goes, s: past the frames read after it, even where the seek lands a GOP late. */
const PAST_SEEK_S = 3;

/**
 * Reads the master from its start to `seekS` and on, and from a seek to `seekS`, and answers
 * whether the second labels every picture both have as the first does. A read that fails answers
 * no: reading from the start is always correct, only slower.
 */
export async function seeksKeepFrameTimes(location: string, seekS: number, scratchDir: string, signal?: AbortSignal): Promise<boolean> {
  const [startFile, seekFile] = ['from-start.md5', 'seeked.md5'].map((f) => path.join(scratchDir, f)) as [string, string];
  const options = signal === undefined ? {} : { signal };
  try {
    await runFfmpeg(buildFrameListArgs({ input: location, read: { fromStartS: seekS + PAST_SEEK_S }, listingFile: startFile }), options);
    await runFfmpeg(buildFrameListArgs({ input: location, read: { seekS, frames: SEEKED_FRAMES }, listingFile: seekFile }), options);
    const [fromStart, seeked] = await Promise.all([startFile, seekFile].map(async (f) => parseFrameList(await readFile(f, 'utf8'))));
    return movedFrames(fromStart ?? [], seeked ?? []).length === 0;
  } catch (err) {
    if (signal?.aborted === true) throw err;
    return false;
  }
}
