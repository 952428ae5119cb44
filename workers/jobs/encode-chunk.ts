import path from 'node:path';
import { buildArgs } from '../../ffmpeg/args.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { frameRateValue } from '../../ffmpeg/probe.ts';
import { publishChunkSegments } from './chunk-segments.ts';
import { throttledProgress, type Handler } from './context.ts';
import { withScratch } from '../../storage/scratch.ts';

/**
 * Encodes one chunk to every rung in one ffmpeg (the source range is decoded once and split
 * to each scaler), then cuts and stores its CMAF segments (`publishChunkSegments`). Objects
 * have fixed keys, so a retry or a duplicate delivery writes the same objects again.
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
    const outputs = d.rungs.map((_, i) => path.join(dir, `r${i}.mp4`));
    const started = Date.now();
    const { frames } = await runFfmpeg(
      buildArgs({
        kind: 'encode-chunk',
        input,
        timeline: d.timeline,
        startFrame: d.chunk.startFrame,
        endFrame: d.chunk.endFrame,
        rungs: d.rungs,
        outputs,
        settings: d.settings,
        ...(d.crop === undefined ? {} : { crop: d.crop }),
      }),
      { signal, durationS: chunkDurationS, onProgress: report },
    );
    const encodeS = (Date.now() - started) / 1000;
    if (!(await publishChunkSegments(deps, d, outputs, frames, dir, signal))) return { skipped: true };
    await deps.titles.setProgress(titleId, part, 1);
    deps.log.info({ titleId, jobId: job.id, chunk: d.chunk.index, encodeS, realtime: chunkDurationS / encodeS }, 'chunk encoded');
    return { chunk: d.chunk.index, encodeS, mediaS: chunkDurationS };
  });
};
