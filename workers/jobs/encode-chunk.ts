import { buildArgs } from '../../ffmpeg/args.ts';
import { runFfmpeg, type RunResult } from '../../ffmpeg/run.ts';
import { CorruptVideoError, DECODE_FAILURES_EXIT, decoderComplaint, FfmpegExitError } from '../../ffmpeg/errors.ts';
import { frameRateValue } from '../../ffmpeg/probe.ts';
import { chunkCut, publishChunkSegments } from './chunk-segments.ts';
import { makeCmafDirs } from './package-media.ts';
import { throttledProgress, type Handler } from './context.ts';
import { withScratch } from '../../storage/scratch.ts';

/**
 * Encodes one chunk to every rung in one ffmpeg (the source range is decoded once and split
 * to each scaler), cut into CMAF segments as it is written, then stores them
 * (`publishChunkSegments`). Objects have fixed keys, so a retry or a duplicate delivery
 * writes the same objects again.
 */
export const encodeChunkHandler: Handler<'encode-chunk'> = async (job, { deps, signal }) => {
  const d = job.data;
  const titleId = d.layout.titleId;
  if (await deps.titles.isFinalOrGone(titleId)) return { skipped: true };
  await deps.titles.transition(titleId, 'encoding');
  const fps = frameRateValue(d.timeline.frameRate);
  const chunkDurationS =
    d.chunk.endFrame === undefined ? Math.max(0.1, d.durationS - d.chunk.startFrame / fps) : (d.chunk.endFrame - d.chunk.startFrame) / fps;
  const part = `c${d.chunk.index}`;
  const report = throttledProgress(async (f) => {
    await Promise.all([job.updateProgress(Math.round(f * 100)), deps.titles.setProgress(titleId, part, f)]);
  });
  const input = await deps.store.readableLocation(d.layout.sourceKey);
  return withScratch(deps.tmpDir, job.id ?? part, async (dir) => {
    const cut = chunkCut(d, dir);
    await makeCmafDirs(cut);
    const started = Date.now();
    const { frames } = await runFfmpeg(
      buildArgs({
        kind: 'encode-chunk',
        input,
        timeline: d.timeline,
        startFrame: d.chunk.startFrame,
        endFrame: d.chunk.endFrame,
        rungs: d.rungs,
        outputs: { cmaf: cut },
        settings: d.settings,
        ...(d.crop === undefined ? {} : { crop: d.crop }),
      }),
      { signal, durationS: chunkDurationS, onProgress: report },
    ).catch((err: unknown): RunResult => {
      throw corruptFramesOf(err, d.chunk.startFrame / fps, d.chunk.startFrame / fps + chunkDurationS);
    });
    const encodeS = (Date.now() - started) / 1000;
    if (!(await publishChunkSegments(deps, d, cut, frames))) return { skipped: true };
    await deps.titles.setProgress(titleId, part, 1);
    deps.log.info({ titleId, jobId: job.id, chunk: d.chunk.index, encodeS, realtime: chunkDurationS / encodeS }, 'chunk encoded');
    return { chunk: d.chunk.index, encodeS, mediaS: chunkDurationS };
  });
};

/** A read that ended on frames its decoder could not decode, as the master's error naming where; any other failure as it is. */
function corruptFramesOf(err: unknown, fromS: number, toS: number): unknown {
  if (!(err instanceof FfmpegExitError) || err.exitCode !== DECODE_FAILURES_EXIT) return err;
  const said = decoderComplaint(err.stderrTail);
  return new CorruptVideoError(
    `the master's video has frames that do not decode${said === undefined ? '' : ` (${said})`}, ` +
      `met while encoding ${fromS.toFixed(2)} s to ${toS.toFixed(2)} s: the master is damaged; export it again`,
    err.stderrTail,
  );
}
