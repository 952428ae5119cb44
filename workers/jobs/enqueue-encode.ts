import { titleChunkPlan } from '../../pipeline/chunks.ts';
import { digest } from '../../ffmpeg/encode-settings.ts';
import { activeCodedSize, videoExtentS, type ProbeResult } from '../../ffmpeg/probe.ts';
import { timelineOf } from '../../ffmpeg/source-frames.ts';
import type { Rung } from '../../ladder/types.ts';
import type { LadderAnalysis } from '../../titles/model.ts';
import { encodeFlow } from '../../pipeline/graph.ts';
import { ANONYMOUS_UPLOADER, shareTurns } from '../../pipeline/turns.ts';
import { planTracks, retryFailedTracks } from './enqueue-tracks.ts';
import { encodeLayout, type EncodeChunkJobData, type PackageJobData, type SampledWindow, type SourceRef } from '../../pipeline/types.ts';
import type { WorkerDeps } from './context.ts';
import { paletteFromStartOnly } from '../measure/entry-points.ts';

/** What a title whose keyframes are no entry points (`VideoInfo.decodeFromStart`) says: its encode is right, and slower. */
function keyframesWarning(probe: ProbeResult): { code: string; message: string } | undefined {
  if (probe.video.decodeFromStart !== true) return undefined;
  const why = paletteFromStartOnly(probe.video.pixFmt)
    ? "the master's palette comes with its first frame only (a palettized picture), so no keyframe after it can start a read"
    : 'the master flags keyframes no read can start from (frames after them refer to frames before them, ' +
      'or a read from them times its frames otherwise than a read from the start)';
  return {
    code: 'VF_KEYFRAMES_NOT_ENTRY_POINTS',
    message: `${why}: every read of it decodes from its start, so its encode takes longer than its length warrants`,
  };
}

/** What a title whose last picture is held (`VideoInfo.holdLastS`) says: the master's picture stopped before its sound. */
function heldPictureWarning(probe: ProbeResult): { code: string; message: string } | undefined {
  const held = probe.video.holdLastS;
  if (held === undefined) return undefined;
  return {
    code: 'VF_PICTURE_HELD',
    message:
      `the master's picture stops ${held.toFixed(2)} s before its end while its sound goes on: ` +
      'its last picture is held to the end, as players would stall where it stops',
  };
}

/** What a title whose per-title analysis failed says: it ships Apple's fixed ladder, and why (`LadderAnalysis.fallbackReason`). */
function fallbackWarning(analysis: LadderAnalysis): { code: string; message: string } | undefined {
  if (analysis.fallbackReason === undefined) return undefined;
  return { code: 'VF_LADDER_FALLBACK', message: analysis.fallbackReason };
}

/**
 * Records the ladder and enqueues the encode as one BullMQ flow: `package` is the parent of
 * every chunk job and of the sound and subtitles jobs the probe queued (`enqueueTracks`), so
 * it runs only when all of them have finished. Job ids
 * derive from the title, its source and the encode settings, so a repeated call (a probe or
 * ladder job delivered twice) enqueues nothing new.
 */
export async function enqueueEncode(
  deps: WorkerDeps,
  source: SourceRef,
  probe: ProbeResult,
  ladder: readonly Rung[],
  analysis: LadderAnalysis,
  sampleWindows?: readonly SampledWindow[],
): Promise<{ chunks: number; rungs: number } | { skipped: string }> {
  const { titleId } = source;
  const settings = deps.settings;
  // The video's frames, not the container's duration: a 21 ms audio lead made a 60 s title 11
  // segments, planned as 4 chunks (the last one empty) instead of 2, +15% chunk CPU (bench:pipeline tracks).
  const extentS = videoExtentS(probe);
  // A master read from its start (its keyframes are no entry points) reads the whole title before any chunk.
  const readGapS = probe.video.decodeFromStart === true ? extentS : probe.video.keyframeGapS;
  const chunks = titleChunkPlan(extentS, probe.video.frameRate, settings, readGapS);
  const crop = probe.video.activeArea;
  // The crop changes every output; masters without bars keep the versions they always had.
  const version = `${source.sha256.slice(0, 16)}-${digest(crop === undefined ? { settings, ladder } : { settings, ladder, crop })}`;
  const layout = encodeLayout(titleId, source.sourceKey, version);
  const timeline = timelineOf(probe);
  const title = await deps.titles.get(titleId);
  // The sound and subtitles the probe queued: the same plan, so the same jobs.
  const tracks = planTracks(settings, source, probe, title);
  const { audioPlan, subtitlePlan } = tracks;
  const moved = await deps.titles.transition(titleId, 'encoding', {
    ladder,
    ladderAnalysis: analysis,
    chunkCount: chunks.length,
    warnings: [
      ...[fallbackWarning(analysis), keyframesWarning(probe), heldPictureWarning(probe)].filter((w) => w !== undefined),
      ...audioPlan.warnings,
      ...subtitlePlan.warnings,
    ],
    encodeVersion: version,
  });
  if (moved !== 'ok') return { skipped: moved };

  const chunkData = chunks.map(
    (chunk): EncodeChunkJobData => ({
      layout,
      chunk,
      chunkCount: chunks.length,
      timeline,
      durationS: probe.durationS,
      rungs: ladder,
      settings,
      ...(crop === undefined ? {} : { crop }),
      ...(title?.uploader === undefined ? {} : { uploader: title.uploader }),
    }),
  );
  if (tracks.jobs.audio.length === 0) await deps.titles.setProgress(titleId, 'audio', 1);
  const packageData: PackageJobData = {
    layout,
    tracks: tracks.layout,
    chunkCount: chunks.length,
    rungs: ladder,
    durationS: probe.durationS,
    videoExtentS: extentS,
    chunks,
    audio: audioPlan.tracks,
    subtitles: subtitlePlan.tracks,
    ...(title?.priority === undefined ? {} : { priority: title.priority }),
    settings,
    timeline,
    sourceSize: activeCodedSize(probe.video),
    ...(crop === undefined ? {} : { crop }),
    ...(sampleWindows === undefined ? {} : { sampleWindows }),
  };
  await deps.flow.add(encodeFlow(deps.queueName, packageData, chunkData, tracks.jobs));
  await retryFailedTracks(deps, tracks);
  // Queued last in their class; now given their turns beside the other teams' chunks.
  await deps.titles.withTurnsLock(() =>
    shareTurns(deps.queue, title?.uploader ?? ANONYMOUS_UPLOADER, title?.priority ?? 'normal', new Set([titleId])),
  );
  deps.log.info({ titleId, chunks: chunks.length, rungs: ladder.length, policy: analysis.policy }, 'title queued for encoding');
  return { chunks: chunks.length, rungs: ladder.length };
}
