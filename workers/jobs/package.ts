import { contentTypeOf, mapLimit } from '../../storage/transfer.ts';
import { avcCodecString, measureTrack, type Presentation, type Track, type VideoTrack } from '../../packaging/model.ts';
import type { EncodedRendition } from './encode-audio.ts';
import { mdhdTimescale } from '../../packaging/boxes.ts';
import { hlsMediaPlaylist } from '../../packaging/hls.ts';
import { publishSidecars, subtitleRenditions, writeManifests } from '../../pipeline/publish.ts';
import { audioOutcome, loudnessOf, loudnessWarnings, packageAudio } from './package-audio.ts';
import { packageSubtitles } from './package-subtitles.ts';
import type { PackageJobData } from '../../pipeline/types.ts';
import type { JoinedRung } from '../../packaging/chunk-segments.ts';
import { readChunkSegments } from './chunk-segments.ts';
import type { Handler, WorkerDeps } from './context.ts';
import { withScratch } from '../../storage/scratch.ts';
import { reencodeChunks, titleChunks } from './package-chunks.ts';
import { enqueueArtwork } from './artwork.ts';
import { picturedS } from '../../ffmpeg/source-frames.ts';
import { enqueueMeasureRungs, wholeTitle } from './measure-rungs.ts';
import { titlePrefix, type Rendition, type Title } from '../../titles/model.ts';

/**
 * Publishes each rung's init segment and media playlist over the segments its chunks stored
 * (`readChunkSegments`): nothing is downloaded or cut here.
 */
async function packageVideo(
  deps: WorkerDeps,
  d: PackageJobData,
  rungs: readonly JoinedRung[],
  progress: (f: number) => Promise<void>,
): Promise<VideoTrack[]> {
  let done = 0;
  return mapLimit(d.rungs, 4, async (rung, i) => {
    const joined = rungs[i];
    if (joined === undefined) throw new Error(`no segments joined for rung ${i}`);
    const track: VideoTrack = {
      kind: 'video',
      dir: `v${i}`,
      initName: 'init.mp4',
      segments: joined.segments,
      timescale: mdhdTimescale(joined.init),
      codecs: avcCodecString(joined.init),
      initBytes: joined.init.length,
      width: rung.width,
      height: rung.height,
      frameRate: d.timeline.frameRate,
      targetBitrateKbps: rung.bitrateKbps,
    };
    const prefix = `${d.layout.outputPrefix}${track.dir}/`;
    await deps.store.put(`${prefix}${track.initName}`, joined.init, { contentType: contentTypeOf(track.initName) });
    await deps.store.put(`${prefix}playlist.m3u8`, hlsMediaPlaylist(track), { contentType: contentTypeOf('playlist.m3u8') });
    done += 1;
    await progress(done / (d.rungs.length + 1));
    return track;
  });
}

function renditionsOf(p: Presentation, loudness: ReadonlyMap<string, EncodedRendition>): Rendition[] {
  const kbps = (bps: number): number => Math.round(bps / 100) / 10;
  const rates = (t: Track): Pick<Rendition, 'averageBitrateKbps' | 'peakBitrateKbps' | 'segmentCount'> => {
    const m = measureTrack(t);
    return { averageBitrateKbps: kbps(m.averageBps), peakBitrateKbps: kbps(m.peakBps), segmentCount: t.segments.length };
  };
  const video = p.video.map(
    (v): Rendition => ({
      id: v.dir,
      kind: 'video',
      width: v.width,
      height: v.height,
      codecs: v.codecs,
      targetBitrateKbps: v.targetBitrateKbps,
      ...rates(v),
    }),
  );
  const audio = p.audio.map((a): Rendition => {
    const l = loudnessOf(loudness.get(a.dir));
    return {
      id: a.dir,
      kind: 'audio',
      codecs: a.codecs,
      language: a.language,
      name: a.name,
      isDefault: a.isDefault,
      channels: a.channels,
      ...(l === undefined ? {} : { loudness: l }),
      ...rates(a),
    };
  });
  return [...video, ...audio];
}

/**
 * Queues the title's artwork once it is published. Artwork never gates `ready`, and queued
 * earlier it took a core from the title's own chunks (a free worker is not a free core: each
 * chunk's ffmpeg uses them all): bench:pipeline. Its lower priority keeps it behind other
 * titles' chunks on a busy fleet. Idempotent: one job id per master and artwork settings.
 */
async function enqueueTitleArtwork(deps: WorkerDeps, t: Title | undefined): Promise<void> {
  // A published title was probed, and the probe hashed its master.
  if (t?.source?.sha256 === undefined || t.probe === undefined) return;
  await enqueueArtwork(deps, { titleId: t.id, sourceKey: t.source.key, sha256: t.source.sha256 }, t.probe);
}

/** What follows publication: the rungs' quality measurement, then the artwork. Both idempotent. */
async function enqueueAfterReady(deps: WorkerDeps, d: PackageJobData, t: Title | undefined): Promise<void> {
  if (t?.rungQuality?.status === 'pending') {
    // The whole of the title's own pictures: the video's extent the chunks were planned over,
    // not sound past it or a held tail.
    const pictureS = picturedS(d.timeline, d.videoExtentS);
    await enqueueMeasureRungs(deps, {
      layout: d.layout,
      timeline: d.timeline,
      sourceSize: d.sourceSize,
      ...(d.crop === undefined ? {} : { crop: d.crop }),
      windows: wholeTitle(pictureS),
      // A per-title ladder's prediction is checked where its samples did not look.
      ...(d.sampleWindows === undefined ? {} : { sampleWindows: d.sampleWindows }),
    });
  }
  await enqueueTitleArtwork(deps, t);
}

/**
 * Joins the segments each chunk stored into its rungs' tracks (re-encoding a chunk whose
 * segments went missing), cuts the audio, and writes HLS and DASH manifests over the same
 * segments. Publication is atomic from a player's view: media goes under a versioned prefix
 * first, manifests after, and the title turns `ready` (the only thing the API serves from) last.
 */
export const packageHandler: Handler<'package'> = async (job, { deps, signal, token }) => {
  const d = job.data;
  const titleId = d.layout.titleId;
  const title = await deps.titles.get(titleId);
  if (title === undefined || title.state === 'ready' || title.state === 'failed') {
    // Delivered again after publication: what follows it may be what the first delivery missed.
    if (title?.state === 'ready') await enqueueAfterReady(deps, d, title);
    return { skipped: true };
  }
  const chunks = titleChunks(d);
  const joined = await readChunkSegments(deps, d, chunks);
  if ('missing' in joined) {
    if (token !== undefined) await reencodeChunks(deps, job, token, d, chunks, joined.missing);
    throw new Error(`chunks ${joined.missing.join(', ')} are missing and this delivery cannot queue them again`);
  }
  await deps.titles.transition(titleId, 'packaging');
  const progress = async (f: number): Promise<void> => {
    await Promise.all([job.updateProgress(Math.round(f * 100)), deps.titles.setProgress(titleId, 'package', f)]);
  };
  return withScratch(deps.tmpDir, job.id ?? 'package', async (dir) => {
    const children = Object.values(await job.getChildrenValues());
    const outcome = audioOutcome(children);
    // Video and sound are cut and published side by side: both wait on I/O. Both end before
    // a failure is thrown, so the scratch dir is never removed under a running ffmpeg.
    const [videoCut, audioCut] = await Promise.allSettled([
      packageVideo(deps, d, joined.rungs, progress),
      packageAudio(deps, d, new Set(outcome.loudness.keys()), dir, signal),
    ]);
    if (videoCut.status === 'rejected') throw videoCut.reason;
    if (audioCut.status === 'rejected') throw audioCut.reason;
    const [video, audio] = [videoCut.value, audioCut.value];
    const subtitles = await packageSubtitles(deps, d, children, title.sidecars ?? [], video[0]?.segments ?? []);
    const presentation: Presentation = { durationS: d.durationS, segmentS: d.settings.segmentS, video, audio, subtitles: subtitles.tracks };
    const out = d.layout.outputPrefix;
    await writeManifests(deps.store, out, presentation);
    const renditions = [...renditionsOf(presentation, outcome.loudness), ...subtitleRenditions(presentation)];
    const warnings = [
      ...(title.warnings ?? []),
      ...outcome.failures,
      ...loudnessWarnings(outcome.loudness, d.settings.loudnessLufs),
      ...subtitles.warnings,
    ];
    const moved = await deps.titles.transition(titleId, 'ready', {
      outputPrefix: out,
      renditions,
      rungQuality: { status: 'pending' },
      warnings,
    });
    if (moved === 'ok' || moved === 'ready') {
      // Intermediates are only needed until the title is published.
      await Promise.all([d.layout.workPrefix, d.tracks.workPrefix].map((prefix) => deps.store.deletePrefix(prefix))).catch((err: unknown) =>
        deps.log.warn({ titleId, err }, 'could not delete work objects'),
      );
      // A subtitle file uploaded while this job ran is in no manifest yet.
      await publishSidecars(deps, titleId);
      await enqueueAfterReady(deps, d, await deps.titles.get(titleId));
    } else if (moved === 'missing') {
      // Deleted while we packaged: what we just wrote belongs to nobody.
      await deps.store.deletePrefix(titlePrefix(titleId));
    }
    deps.log.info({ titleId, jobId: job.id, renditions: renditions.length }, 'title packaged and published');
    return { published: out, state: moved };
  });
};
