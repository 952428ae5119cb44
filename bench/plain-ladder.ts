/**
 * The baseline of `bench:pipeline`: ONE plain ffmpeg process encoding a title's ladder, with
 * the same filter graph and x264 arguments as a chunk job covering the whole title, plus the
 * audio as vodforge makes it (a loudness scan, then the normalised encode). Its x264 picks its
 * own thread count (`-threads 0`, cores × 1.5), as a user's command would: vodforge's fixed
 * count is a choice for determinism and for sharing cores between workers, and the baseline
 * must not carry its cost or its saving.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { buildEncodeChunkArgs, type RungTarget } from '../ffmpeg/args.ts';
import { buildEncodeAudioArgs, buildLoudnessScanArgs } from '../ffmpeg/audio-args.ts';
import type { EncodeSettings } from '../ffmpeg/encode-settings.ts';
import { audioStreamsOf, type ProbeResult } from '../ffmpeg/probe.ts';
import { masterInput } from '../ffmpeg/master-input.ts';
import { runFfmpeg } from '../ffmpeg/run.ts';
import { timelineOf } from '../ffmpeg/source-frames.ts';
import { parseEbur128, planNormalisation } from '../workers/measure/loudness.ts';

export async function plainLadder(
  master: string,
  probe: ProbeResult,
  rungs: readonly RungTarget[],
  settings: EncodeSettings,
  outDir: string,
): Promise<void> {
  const dirs = rungs.map((_, i) => path.join(outDir, `v${i}`));
  await Promise.all(dirs.map((d) => mkdir(d, { recursive: true })));
  const video = buildEncodeChunkArgs({
    kind: 'encode-chunk',
    input: master,
    timeline: timelineOf(probe),
    startFrame: 0,
    endFrame: undefined,
    rungs,
    // HLS fMP4 out of the same process, as the baseline command writes it.
    outputs: { cmaf: { dirs, segmentS: settings.segmentS } },
    settings: { ...settings, encodeThreads: 0 },
    ...(probe.video.activeArea === undefined ? {} : { crop: probe.video.activeArea }),
  });
  if (audioStreamsOf(probe).length === 0) {
    await runFfmpeg(video);
    return;
  }
  const stream = { input: master, streamIndex: 0, offsetS: 0 };
  const target = { integratedLufs: settings.loudnessLufs, truePeakDbtp: settings.truePeakDbtp };
  const scan = await runFfmpeg(buildLoudnessScanArgs({ kind: 'loudness-scan', ...stream, channels: 2 }));
  const audio = buildEncodeAudioArgs({
    kind: 'encode-audio',
    ...stream,
    format: { codec: 'aac', channels: 2, bitrateKbps: settings.audioBitrateKbps },
    output: path.join(outDir, 'a.m4a'),
    target,
    normalisation: planNormalisation(parseEbur128(scan.stderrTail), target),
  });
  // The audio's output after the video's, both from the one input: one process, one read of the master.
  await runFfmpeg([...video, ...audio.slice(masterInput(master).length)]);
}
