import { readFile, readdir, stat, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { buildArgs } from '../../ffmpeg/args.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { downloadToFile, mapLimit, uploadFile, contentTypeOf } from '../../storage/transfer.ts';
import { avcCodecString, measureTrack, type AudioTrack, type Presentation, type Segment, type VideoTrack } from '../../packaging/model.ts';
import { mdhdTimescale, parseFfmpegPlaylist } from '../../packaging/boxes.ts';
import { hlsMediaPlaylist, hlsMultivariantPlaylist } from '../../packaging/hls.ts';
import { dashManifest } from '../../packaging/dash.ts';
import { audioKey, chunkKey, type PackageJobData } from '../../pipeline/types.ts';
import type { Handler, WorkerDeps } from './context.ts';
import { withScratch } from '../../storage/scratch.ts';
import { missingChunks, reencodeChunks } from './package-chunks.ts';
import { enqueueArtwork } from './artwork.ts';
import { defaultQualityWindows, enqueueMeasureRungs } from './measure-rungs.ts';
import { titlePrefix, type Rendition, type Title } from '../../titles/model.ts';

interface Segmented {
  readonly dir: string;
  readonly segments: Segment[];
  readonly init: Buffer;
}

/** Cuts one media input (an ffconcat list of chunks, or one file) into CMAF segments, stream copy. */
async function segment(input: string, isList: boolean, outDir: string, segmentS: number, signal: AbortSignal): Promise<Segmented> {
  await mkdir(outDir, { recursive: true });
  await runFfmpeg(buildArgs({ kind: 'segment', input, inputIsConcatList: isList, segmentS, outDir }), { signal });
  const listed = parseFfmpegPlaylist(await readFile(path.join(outDir, 'ffmpeg.m3u8'), 'utf8'));
  const segments = await Promise.all(listed.map(async (s) => ({ ...s, bytes: (await stat(path.join(outDir, s.name))).size })));
  return { dir: outDir, segments, init: await readFile(path.join(outDir, 'init.mp4')) };
}

async function publishTrackFiles(deps: WorkerDeps, local: string, prefix: string, playlist: string): Promise<void> {
  const files = (await readdir(local)).filter((f) => f === 'init.mp4' || f.endsWith('.m4s'));
  await mapLimit(files, 8, (f) => uploadFile(deps.store, path.join(local, f), `${prefix}${f}`, contentTypeOf(f)));
  await deps.store.put(`${prefix}playlist.m3u8`, playlist, { contentType: contentTypeOf('playlist.m3u8') });
}

/** Downloads one rung's chunks and cuts them, in order, into CMAF segments. */
async function segmentRung(deps: WorkerDeps, d: PackageJobData, i: number, dir: string, signal: AbortSignal): Promise<Segmented> {
  const rungDir = path.join(dir, `r${i}`);
  await mkdir(rungDir, { recursive: true });
  const chunkFiles = await mapLimit(
    Array.from({ length: d.chunkCount }, (_, c) => c),
    4,
    async (c) => {
      const file = path.join(rungDir, `c${c}.mp4`);
      await downloadToFile(deps.store, chunkKey(d.layout, i, c), file);
      return file;
    },
  );
  const list = path.join(rungDir, 'chunks.ffconcat');
  await writeFile(list, `ffconcat version 1.0\n${chunkFiles.map((f) => `file '${f}'`).join('\n')}\n`);
  return segment(list, true, path.join(rungDir, 'out'), d.settings.segmentS, signal);
}

async function packageVideo(
  deps: WorkerDeps,
  d: PackageJobData,
  dir: string,
  signal: AbortSignal,
  progress: (f: number) => Promise<void>,
): Promise<VideoTrack[]> {
  // Stream copies: I/O-bound, so two at a time overlap one rung's download with another's cut.
  let cut = 0;
  const segmented = await mapLimit(
    d.rungs.map((_, i) => i),
    2,
    async (i) => {
      const s = await segmentRung(deps, d, i, dir, signal);
      cut += 1;
      await progress(cut / (d.rungs.length + 2));
      return s;
    },
  );
  const tracks = d.rungs.map((rung, i): VideoTrack => {
    const s = segmented[i] as Segmented;
    return {
      kind: 'video',
      dir: `v${i}`,
      initName: 'init.mp4',
      segments: s.segments,
      timescale: mdhdTimescale(s.init),
      codecs: avcCodecString(s.init),
      initBytes: s.init.length,
      width: rung.width,
      height: rung.height,
      frameRate: d.timeline.frameRate,
      targetBitrateKbps: rung.bitrateKbps,
    };
  });
  await mapLimit(tracks, 2, (track, i) =>
    publishTrackFiles(deps, (segmented[i] as Segmented).dir, `${d.layout.outputPrefix}${track.dir}/`, hlsMediaPlaylist(track)),
  );
  await progress((d.rungs.length + 1) / (d.rungs.length + 2));
  return tracks;
}

async function packageAudio(deps: WorkerDeps, d: PackageJobData, dir: string, signal: AbortSignal): Promise<AudioTrack> {
  const file = path.join(dir, 'audio.m4a');
  await downloadToFile(deps.store, audioKey(d.layout), file);
  const s = await segment(file, false, path.join(dir, 'a'), d.settings.segmentS, signal);
  const track: AudioTrack = {
    kind: 'audio',
    dir: 'a',
    initName: 'init.mp4',
    segments: s.segments,
    timescale: mdhdTimescale(s.init),
    codecs: 'mp4a.40.2',
    initBytes: s.init.length,
    channels: 2,
    sampleRateHz: 48_000,
  };
  await publishTrackFiles(deps, s.dir, `${d.layout.outputPrefix}a/`, hlsMediaPlaylist(track));
  return track;
}

function renditionsOf(p: Presentation): Rendition[] {
  const kbps = (bps: number): number => Math.round(bps / 100) / 10;
  const video = p.video.map((v) => {
    const m = measureTrack(v);
    return {
      id: v.dir,
      kind: 'video' as const,
      width: v.width,
      height: v.height,
      codecs: v.codecs,
      targetBitrateKbps: v.targetBitrateKbps,
      averageBitrateKbps: kbps(m.averageBps),
      peakBitrateKbps: kbps(m.peakBps),
      segmentCount: v.segments.length,
    };
  });
  if (p.audio === undefined) return video;
  const m = measureTrack(p.audio);
  return [
    ...video,
    {
      id: 'a',
      kind: 'audio',
      codecs: p.audio.codecs,
      averageBitrateKbps: kbps(m.averageBps),
      peakBitrateKbps: kbps(m.peakBps),
      segmentCount: p.audio.segments.length,
    },
  ];
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
    await enqueueMeasureRungs(deps, {
      layout: d.layout,
      timeline: d.timeline,
      sourceSize: d.sourceSize,
      ...(d.crop === undefined ? {} : { crop: d.crop }),
      windows: d.qualityWindows ?? defaultQualityWindows(d.durationS),
    });
  }
  await enqueueTitleArtwork(deps, t);
}

/**
 * Stitches each rung's chunks in order (stream copy), cuts CMAF segments, and writes HLS and
 * DASH manifests over the same segments. Publication is atomic from a player's view: media
 * goes under a versioned prefix first, manifests after, and the title turns `ready` (the only
 * thing the API serves from) last.
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
  const missing = await missingChunks(deps, d);
  if (missing.length > 0 && token !== undefined) await reencodeChunks(deps, job, token, d, missing);
  await deps.titles.transition(titleId, 'packaging');
  const progress = async (f: number): Promise<void> => {
    await Promise.all([job.updateProgress(Math.round(f * 100)), deps.titles.setProgress(titleId, 'package', f)]);
  };
  return withScratch(deps.tmpDir, job.id ?? 'package', async (dir) => {
    const video = await packageVideo(deps, d, dir, signal, progress);
    const audio = d.hasAudio ? await packageAudio(deps, d, dir, signal) : undefined;
    const presentation: Presentation = { durationS: d.durationS, segmentS: d.settings.segmentS, video, audio };
    const out = d.layout.outputPrefix;
    await deps.store.put(`${out}presentation.json`, JSON.stringify(presentation), { contentType: 'application/json' });
    await deps.store.put(`${out}master.m3u8`, hlsMultivariantPlaylist(presentation), { contentType: contentTypeOf('master.m3u8') });
    await deps.store.put(`${out}manifest.mpd`, dashManifest(presentation), { contentType: contentTypeOf('manifest.mpd') });
    const renditions = renditionsOf(presentation);
    const moved = await deps.titles.transition(titleId, 'ready', { outputPrefix: out, renditions, rungQuality: { status: 'pending' } });
    if (moved === 'ok' || moved === 'ready') {
      // Intermediates are only needed until the title is published.
      await deps.store
        .deletePrefix(d.layout.workPrefix)
        .catch((err: unknown) => deps.log.warn({ titleId, err }, 'could not delete work objects'));
      await enqueueAfterReady(deps, d, await deps.titles.get(titleId));
    } else if (moved === 'missing') {
      // Deleted while we packaged: what we just wrote belongs to nobody.
      await deps.store.deletePrefix(titlePrefix(titleId));
    }
    deps.log.info({ titleId, jobId: job.id, renditions: renditions.length }, 'title packaged and published');
    return { published: out, state: moved };
  });
};
