import path from 'node:path';
import { buildArgs } from '../../ffmpeg/args.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { uploadFile } from '../../storage/transfer.ts';
import { audioKey } from '../../pipeline/types.ts';
import { throttledProgress, type Handler } from './context.ts';
import { withScratch } from '../../storage/scratch.ts';

/** Encodes the title's audio once (AAC-LC stereo 48 kHz), aligned to the video's first frame. */
export const encodeAudioHandler: Handler<'encode-audio'> = async (job, { deps, signal }) => {
  const d = job.data;
  const titleId = d.layout.titleId;
  if (await deps.titles.isFinalOrGone(titleId)) return { skipped: true };
  const report = throttledProgress(async (f) => {
    await Promise.all([job.updateProgress(Math.round(f * 100)), deps.titles.setProgress(titleId, 'audio', f)]);
  });
  const input = await deps.store.readableLocation(d.layout.sourceKey);
  return withScratch(deps.tmpDir, job.id ?? 'audio', async (dir) => {
    const output = path.join(dir, 'audio.m4a');
    await runFfmpeg(buildArgs({ kind: 'encode-audio', input, offsetS: d.offsetS, output, bitrateKbps: d.bitrateKbps }), {
      signal,
      durationS: d.durationS,
      onProgress: report,
    });
    await uploadFile(deps.store, output, audioKey(d.layout), 'audio/mp4');
    await deps.titles.setProgress(titleId, 'audio', 1);
    return { audio: true };
  });
};
