/**
 * A title's sound and subtitles, planned from the probe alone and queued by it: they need the
 * master and the settings, not the ladder, so they run while the ladder is analysed. The encode
 * (`enqueueEncode`) adds the same jobs again as children of `package`, which BullMQ turns into
 * an attachment of the jobs already queued, running or done.
 */
import { Job } from 'bullmq';
import { digest } from '../../ffmpeg/encode-settings.ts';
import { audioStreamsOf, type ProbeResult } from '../../ffmpeg/probe.ts';
import { timelineOf } from '../../ffmpeg/source-frames.ts';
import { trackJobs, type TrackJobs } from '../../pipeline/graph.ts';
import { planAudio, type AudioPlan } from '../../pipeline/audio-plan.ts';
import { planSubtitles, type SubtitlePlan } from '../../pipeline/subtitle-plan.ts';
import { tracksLayout, type EncodeAudioJobData, type SourceRef, type WorkLayout } from '../../pipeline/types.ts';
import type { Title } from '../../titles/model.ts';
import type { WorkerDeps } from './context.ts';

/** The title's sound and subtitles: their plans (with their warnings), where their outputs go, and their jobs. */
export interface TrackPlan {
  readonly layout: WorkLayout;
  readonly audioPlan: AudioPlan;
  readonly subtitlePlan: SubtitlePlan;
  readonly jobs: TrackJobs;
}

/** Plans the sound and subtitles of a title. Pure: the same probe, choices and settings give the same jobs. */
export function planTracks(settings: WorkerDeps['settings'], source: SourceRef, probe: ProbeResult, title: Title | undefined): TrackPlan {
  const timeline = timelineOf(probe);
  // Against frame 0 of the title (the first decoded frame), which is what the video starts with.
  const audioPlan = planAudio(audioStreamsOf(probe), title?.audioChoices, settings, timeline.videoStartS);
  const subtitlePlan = planSubtitles(probe.subtitleStreams ?? []);
  const version = `${source.sha256.slice(0, 16)}-${digest({ settings, audio: audioPlan.tracks, subtitles: subtitlePlan.tracks })}`;
  const layout = tracksLayout(source.titleId, source.sourceKey, version);
  const audio = audioPlan.tracks.map(
    (track): EncodeAudioJobData => ({
      layout,
      track,
      trackCount: audioPlan.tracks.length,
      durationS: probe.durationS,
      target: { integratedLufs: settings.loudnessLufs, truePeakDbtp: settings.truePeakDbtp },
    }),
  );
  // ffmpeg's converted cues count from the file's start; the title's frame 0 sits this far in.
  const subtitles = subtitlePlan.tracks.length === 0 ? undefined : { layout, tracks: subtitlePlan.tracks, offsetS: timeline.videoOffsetS };
  return { layout, audioPlan, subtitlePlan, jobs: { audio, ...(subtitles === undefined ? {} : { subtitles }) } };
}

/** Queues the sound and subtitles jobs on their own; a repeated call (a probe delivered twice) adds nothing. */
export async function enqueueTracks(deps: WorkerDeps, tracks: TrackPlan): Promise<void> {
  const jobs = trackJobs(deps.queueName, tracks.jobs);
  if (jobs.length > 0) await deps.flow.addBulk(jobs);
}

/**
 * After the encode attached the sound and subtitles jobs: one that had already failed for good
 * (its stalls or a shutdown used its attempts: its handler returns its own failures) would
 * hold `package` forever, so it runs again, now as the parent's child.
 */
export async function retryFailedTracks(deps: WorkerDeps, tracks: TrackPlan): Promise<void> {
  for (const node of trackJobs(deps.queueName, tracks.jobs)) {
    const id = node.opts?.jobId;
    if (id === undefined) continue;
    const { job } = await deps.flow.getFlow({ id, queueName: node.queueName, depth: 0, maxChildren: 0 });
    if (job instanceof Job && (await job.isFailed())) {
      deps.log.warn({ titleId: tracks.layout.titleId, jobId: id }, 'a failed sound or subtitles job runs again under its encode');
      await job.retry('failed');
    }
  }
}
