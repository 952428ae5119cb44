/**
 * Chosen frames at the master's display size, for cropping: read back from the candidate pass's
 * capture, or decoded again from the master.
 */
import { open, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { RawPixels } from '../artwork/index.ts';
import { buildArtworkArgs } from '../ffmpeg/artwork-args.ts';
import { FfmpegExitError } from '../ffmpeg/errors.ts';
import { runFfmpeg } from '../ffmpeg/run.ts';
import { mapLimit } from '../storage/transfer.ts';
import { FrameNotDecodedError } from './errors.ts';
import { stillSize, type ArtworkVideo, type CapturedFrame } from './extract.ts';

/** Stills per ffmpeg process at most: bounds the decoders (and open inputs) one process holds at once. */
const STILLS_PER_PROCESS = 8;

export interface Stills {
  /** Per time, its pixels once its process is done. */
  readonly loaders: ReadonlyArray<() => Promise<RawPixels>>;
  /** Settles when every process has ended (await it before removing the scratch directory). */
  readonly finished: Promise<void>;
}

/**
 * Frames at the master's display size, for cropping. A frame the candidate pass captured
 * (`options.captured`) is read back from its file; the others are decoded again: input seek to
 * a keyframe before each, then decode forward to the exact frame, the same pixels. Those are
 * shared out over up to one ffmpeg per core (each still is its own input, so a process costs
 * its start-up and its stills' decodes), run at once. A loader waits for its own process only,
 * so cropping the first stills overlaps decoding the others, and memory holds only the stills
 * being cropped.
 * A still its process did not deliver is extracted again on its own when loaded, so a frame
 * that cannot be decoded costs only itself: its loader throws FrameNotDecodedError.
 */
export function extractStills(
  input: string,
  video: ArtworkVideo,
  timesS: readonly number[],
  dir: string,
  options: { signal?: AbortSignal; parallel?: number; captured?: readonly CapturedFrame[] } = {},
): Stills {
  const { signal, parallel = availableParallelism(), captured = [] } = options;
  const { widthPx, heightPx } = stillSize(video);
  const frameBytes = widthPx * heightPx * 3;
  const pixels = (data: Buffer): RawPixels => ({ data, widthPx, heightPx, channels: 3 });
  const stills = timesS.map((atS) => ({ atS, output: path.join(dir, `still-${Math.round(atS * 1000)}.rgb`) }));
  const capturedOf = (atS: number): CapturedFrame | undefined =>
    captured.find((c) => Math.abs(c.atS - atS) < 1e-6 && c.widthPx === widthPx && c.heightPx === heightPx);
  const decoded = stills.filter((still) => capturedOf(still.atS) === undefined);
  const run = (batch: typeof stills, seek: 'exact' | 'early' = 'exact'): Promise<unknown> =>
    runFfmpeg(
      buildArtworkArgs({
        kind: 'artwork-stills',
        input,
        videoStartS: video.startTimeS,
        decodeFromStart: video.decodeFromStart === true,
        stills: batch,
        frameDurationS: video.frameRate.den / video.frameRate.num,
        widthPx,
        heightPx,
        seek,
        ...(video.toneMap === undefined ? {} : { toneMap: video.toneMap }),
        ...(video.frameSize === undefined ? {} : { frameSize: video.frameSize }),
      }),
      signal === undefined ? {} : { signal },
    );
  const perProcess = Math.min(STILLS_PER_PROCESS, Math.max(1, Math.ceil(decoded.length / Math.max(1, parallel))));
  const batches: Array<typeof stills> = [];
  for (let i = 0; i < decoded.length; i += perProcess) batches.push(decoded.slice(i, i + perProcess));
  const ended: Array<() => void> = [];
  const runs = batches.map(
    (_, b) =>
      new Promise<void>((resolve) => {
        ended[b] = resolve;
      }),
  );
  const finished = mapLimit(batches, Math.max(1, parallel), async (batch, b) => {
    try {
      await run(batch);
    } catch (error) {
      // Which still broke the run is unknown; each missing one is retried alone by its loader.
      if (!(error instanceof FfmpegExitError)) throw error;
    } finally {
      ended[b]!();
    }
  }).then(
    () => undefined,
    () => undefined,
  ); // an abort reaches the caller through the loaders' own runs
  const loaders = stills.map((still) => async (): Promise<RawPixels> => {
    const capture = capturedOf(still.atS);
    // A captured frame that cannot be read back (its scratch file gone) is decoded alone instead.
    let data =
      capture === undefined
        ? await runs[Math.floor(decoded.indexOf(still) / perProcess)]!.then(() => readFile(still.output)).catch(() => undefined)
        : await readAt(capture.file, capture.offsetBytes, frameBytes).catch(() => undefined);
    if (data?.length !== frameBytes) {
      // Alone, and seeking early: a container whose seeks are imprecise may have landed past it.
      await run([still], 'early');
      data = await readFile(still.output).catch(() => Buffer.alloc(0));
    }
    if (data.length !== frameBytes) {
      throw new FrameNotDecodedError(`still at ${still.atS.toFixed(3)} s: expected ${frameBytes} bytes, got ${data.length}`);
    }
    return pixels(data);
  });
  return { loaders, finished };
}

/** `length` bytes of a file from `offset` (a captured frame, whole: the capture checked it, `extract.ts`). */
async function readAt(file: string, offset: number, length: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const data = Buffer.allocUnsafe(length);
    const { bytesRead } = await fh.read(data, 0, length, offset);
    if (bytesRead !== length) throw new Error(`captured frame at byte ${offset} of ${file}: read ${bytesRead} of ${length} bytes`);
    return data;
  } finally {
    await fh.close();
  }
}
