import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BadInputError, FfmpegExitError } from '../../ffmpeg/errors.ts';
import {
  decodeFramesAt,
  firstFrameTimeOf,
  readFirstFrames,
  type FirstFrames,
  KEYFRAME_SEEK_NUDGE_S,
  lastPacketEndS,
  longestKeyframeGapS,
  packetIndex,
  type PacketIndex,
} from '../measure/keyframes.ts';
import { END_SLACK_S, masterLength, reachesEnd, statedEndS, tailSeeksS } from '../measure/master-end.ts';
import { chooseDeinterlace, interlaceReadStartS, meanMse, parseIdetMetadata } from '../measure/interlace.ts';
import { buildInterlaceDetectArgs, deinterlacedRate, type Deinterlace } from '../../ffmpeg/deinterlace.ts';
import { variableRateGrid } from '../../ffmpeg/frame-rate.ts';
import { probeMaster, frameRateValue, activeDisplaySize, type ActiveArea, type ProbeResult, type VideoInfo } from '../../ffmpeg/probe.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { chooseActiveArea } from '../measure/active-area.ts';
import { keyframeCrops } from '../measure/keyframe-crops.ts';
import { withFrameLightLevels } from '../measure/light-levels.ts';
import { keyframesAreEntryPoints, paletteFromStartOnly } from '../measure/entry-points.ts';
import { timelineOf } from '../../ffmpeg/source-frames.ts';
import { withTitleFrames } from '../measure/last-frame.ts';
import { toneMapOf } from '../../ffmpeg/tone-map.ts';
import { withScratch } from '../../storage/scratch.ts';
import { seeksKeepFrameTimes } from '../measure/seek-times.ts';
import { appleLadder } from '../../ladder/fixed.ts';
import type { SourceRef } from '../../pipeline/types.ts';
import { enqueueEncode } from './enqueue-encode.ts';
import { enqueueTracks, planTracks } from './enqueue-tracks.ts';
import { readForAnalysis } from './analysis-reads.ts';
import { startLadderAnalysis } from './ladder-analysis.ts';
import { isFinalAttempt, type Handler, type WorkerDeps } from './context.ts';
import type { ObjectStore } from '../../storage/port.ts';

async function sha256Of(store: ObjectStore, key: string): Promise<string> {
  const h = createHash('sha256');
  for await (const part of await store.stream(key)) h.update(part as Buffer);
  return h.digest('hex');
}

/**
 * Checks that the start decodes (`start`: the read that also finds frame 0), and decodes the
 * tail to the end of the file: ffprobe trusts the container's index, so a truncated upload
 * still reports its full duration, and decoding the tail is what shows the bytes are really
 * there. The tail read runs to the end of the file, not for a fixed span: a seek lands on the
 * keyframe before its target, and a master whose keyframes are 31 s apart (the `channels`
 * corpus clip, 8 fps) decoded only the 2 s after that keyframe, far from its end, and was
 * refused as truncated.
 */
async function assertDecodable(
  location: string,
  probe: ProbeResult,
  start: Promise<FirstFrames>,
  packets: Promise<PacketIndex>,
  signal: AbortSignal,
): Promise<{ holdLastS?: number }> {
  // A read that fails decodes nothing; what ffprobe said tells whether the container could seek.
  const framesAt = (interval: string, referenceOnly: boolean): ReturnType<typeof decodeFramesAt> =>
    decodeFramesAt(location, interval, signal, referenceOnly).catch((err: unknown) => ({
      frames: 0,
      timesS: [],
      stderrTail: err instanceof FfmpegExitError ? err.stderrTail : '',
    }));
  // The start's frames come from the read that finds frame 0: one ffprobe for both.
  const startFrames = await start.then(
    (f) => f.frames,
    (err: unknown) => {
      if (err instanceof FfmpegExitError) return 0;
      throw err;
    },
  );
  if (startFrames === 0) throw new BadInputError('VF_UNDECODABLE_VIDEO', 'no video frame could be decoded at the start of the master');
  const endS = statedEndS(probe);
  let couldNotSeek = false;
  // The tail's reference frames first: the check needs timestamps near the end, and decoding
  // every frame of the GOP before it is most of the cost on a long-GOP, high-rate master. A
  // stream whose last seconds hold no reference frame (intra-only with every picture marked
  // unreferenced) gets the whole decode before it is called truncated.
  for (const seekS of tailSeeksS(endS)) {
    for (const referenceOnly of [true, false]) {
      const tail = await framesAt(`${seekS.toFixed(6)}%`, referenceOnly);
      if (reachesEnd(tail.timesS, endS)) return {};
      couldNotSeek ||= /Could not seek/.test(tail.stderrTail);
    }
  }
  // A container that cannot seek at all (Matroska without cues and a single keyframe, as in
  // a Big Buck Bunny clip Debian ships) says so; its packets, read without decoding, show
  // whether the video reaches its stated end.
  if (couldNotSeek && reachesEnd([await lastPacketEndS(location, 'v:0', { signal })], endS)) return {};
  // A picture that stops while its sound goes on: whole, not truncated. Published as it is,
  // dash.js stalled where the picture ended (a 5 s picture with 20 s of sound played to 7.9 s)
  // and hls.js reported an append that made no progress, so every reader holds its last picture.
  const pictureEndS = await earlyPictureEndS(location, probe, endS, packets, framesAt, signal);
  if (pictureEndS !== undefined) return { holdLastS: endS - pictureEndS };
  throw new BadInputError(
    'VF_TRUNCATED_MASTER',
    `master is truncated: no frame decodes near its end (${probe.durationS.toFixed(2)} s according to its header)`,
  );
}

/**
 * Where the picture of a whole master ends, when it stops well before the master's stated end
 * while its sound goes on (a logo, then music): such a file is not truncated. It is whole when
 * the file's packets (any stream's) reach the stated end and its video decodes to where the
 * video's own packets end; a file cut short stops every stream at the cut. Undefined otherwise.
 */
async function earlyPictureEndS(
  location: string,
  probe: ProbeResult,
  endS: number,
  packets: Promise<PacketIndex>,
  framesAt: (interval: string, referenceOnly: boolean) => Promise<{ readonly timesS: readonly number[] }>,
  signal: AbortSignal,
): Promise<number | undefined> {
  const index = await packets.catch(() => undefined);
  if (index?.endS === undefined) return undefined;
  // The packet index counts from the video's start; the reads count in the master's own timestamps.
  const videoEndS = probe.video.startTimeS + index.endS;
  if (videoEndS >= endS - END_SLACK_S || !reachesEnd([await lastPacketEndS(location, 'all', { fromS: videoEndS, signal })], endS))
    return undefined;
  for (const seekS of tailSeeksS(videoEndS)) {
    for (const referenceOnly of [true, false]) {
      if (reachesEnd((await framesAt(`${seekS.toFixed(6)}%`, referenceOnly)).timesS, videoEndS)) return videoEndS;
    }
  }
  return undefined;
}

/** The value of a settled read, or the error that ends the probe: the decode check's first. */
function settled<T>(result: PromiseSettledResult<T>, decodable: PromiseSettledResult<unknown>): T {
  if (decodable.status === 'rejected') throw decodable.reason;
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

/**
 * Finds black bars baked into the master from its keyframes (see `active-area.ts`). Cropping
 * is an optimisation: if ffmpeg cannot measure them, the title is encoded whole, and a master
 * that really is broken fails in the encode with its own error.
 */
async function detectActiveArea(
  deps: WorkerDeps,
  titleId: string,
  location: string,
  video: VideoInfo,
  signal: AbortSignal,
): Promise<ActiveArea | undefined> {
  return withScratch(deps.tmpDir, `crop-${titleId}`, async (dir) => {
    const toneMap = toneMapOf(video.colour);
    let measured: Awaited<ReturnType<typeof keyframeCrops>>;
    try {
      measured = await keyframeCrops(location, dir, { ...(toneMap === undefined ? {} : { toneMap }), signal });
    } catch (err) {
      if (!(err instanceof FfmpegExitError) || err.exitCode === null) throw err;
      deps.log.warn({ titleId, err: err.message }, 'black bars not measured: encoding the whole frame');
      return undefined;
    }
    if (measured === undefined) {
      deps.log.warn({ titleId }, 'black bars not measured (the two reads listed different keyframes): encoding the whole frame');
      return undefined;
    }
    return chooseActiveArea(video, measured);
  });
}

/**
 * Whether the master's readers may seek to its keyframes (`entry-points.ts`). A palettized
 * master's may not (`paletteFromStartOnly`); without the packet index, or when the reads fail,
 * they decode from the start: slower, never wrong.
 */
export async function readsMaySeek(
  location: string,
  probe: ProbeResult,
  packets: Promise<PacketIndex>,
  scratchRoot: string,
  signal: AbortSignal,
): Promise<boolean> {
  if (paletteFromStartOnly(probe.video.pixFmt)) return false;
  const index = await packets.catch(() => undefined);
  if (index === undefined) return false;
  try {
    if (!(await keyframesAreEntryPoints(location, timelineOf(probe), index.keyframesS, signal))) return false;
  } catch (err) {
    if (!(err instanceof FfmpegExitError) || err.exitCode === null) throw err;
    return false;
  }
  // Frames whose times ffmpeg makes up: a read after a seek must label them as the start does.
  const untimed = index.untimedKeyframesS ?? [];
  const past = untimed[Math.min(UNTIMED_KEYFRAME_TRIED, untimed.length - 1)];
  if (untimed.length < 2 || past === undefined) return true;
  // Between keyframes, as a reader's lead lands: the demuxer picks which keyframe to start from.
  const seekS = timelineOf(probe).videoOffsetS + past + UNTIMED_SEEK_PAST_S;
  return withScratch(scratchRoot, 'seek-times', (dir) => seeksKeepFrameTimes(location, seekS, dir, signal));
}

/** The untimed keyframe (by its index) the seek check starts past: the third, past any leading pair at the start. */
const UNTIMED_KEYFRAME_TRIED = 2;
/** How far past it the check seeks, s. */
const UNTIMED_SEEK_PAST_S = 0.5;

/** Frames `idet` looks at: 10 s at 25 fps, enough to tell 3:2 pulldown's cycle of five many times over. */
const INTERLACE_SAMPLE_FRAMES = 250;

/**
 * Measures whether the master is interlaced or telecined with `idet` over a bounded stretch
 * from a keyframe (`interlaceReadStartS`). Like the black bars, a measurement that fails
 * leaves the master progressive.
 */
async function detectInterlace(
  deps: WorkerDeps,
  titleId: string,
  location: string,
  probe: ProbeResult,
  packets: Promise<PacketIndex>,
  signal: AbortSignal,
): Promise<Deinterlace | undefined> {
  // Without the packet index (it failed), the stretch starts where it would, keyframe or not.
  const keyframesS = await packets.then((p) => p.keyframesS).catch(() => []);
  const startS = interlaceReadStartS(probe.durationS, keyframesS);
  return withScratch(deps.tmpDir, `idet-${titleId}`, async (dir) => {
    const metadataFile = path.join(dir, 'idet.txt');
    const fieldStats = { between: path.join(dir, 'between-fields.txt'), within: path.join(dir, 'within-field.txt') };
    const seekS = startS > 0 ? probe.videoOffsetS + startS + KEYFRAME_SEEK_NUDGE_S : 0;
    try {
      await runFfmpeg(
        buildInterlaceDetectArgs({
          kind: 'interlace-detect',
          input: location,
          seekS,
          frames: INTERLACE_SAMPLE_FRAMES,
          metadataFile,
          fieldStats,
        }),
        { signal },
      );
    } catch (err) {
      if (!(err instanceof FfmpegExitError) || err.exitCode === null) throw err;
      deps.log.warn({ titleId, err: err.message }, 'interlacing not measured: encoding frames as they are');
      return undefined;
    }
    const [idetText, between, within] = await Promise.all(
      [metadataFile, fieldStats.between, fieldStats.within].map((f) => readFile(f, 'utf8')),
    );
    const idet = parseIdetMetadata(idetText ?? '');
    const betweenFields = meanMse(between ?? '');
    const withinField = meanMse(within ?? '');
    const fields = betweenFields === undefined || withinField === undefined ? undefined : { betweenFields, withinField };
    const chosen = chooseDeinterlace(idet, fields);
    if (chosen === undefined && chooseDeinterlace(idet) !== undefined)
      deps.log.info({ titleId, ...fields }, 'idet calls the master interlaced, but its fields are one picture drawn twice: left as it is');
    return chosen;
  });
}

/**
 * Probes the master once, rejects what cannot be a master and measures its black bars: every
 * later job encodes and measures the active picture only. Beside the ladder analysis it
 * queues the sound and subtitles, which need no ladder. With the fixed ladder policy
 * it enqueues the encode at once; with per-title (the default) it starts the ladder analysis,
 * whose last job enqueues the encode.
 */
export const probeHandler: Handler<'probe'> = async (job, { deps, signal }) => {
  const { titleId } = job.data;
  const title = await deps.titles.get(titleId);
  if (title === undefined || title.state === 'ready' || title.state === 'failed') return { skipped: title?.state ?? 'deleted' };
  if (title.source === undefined) throw new BadInputError('VF_NO_MASTER', 'title has no master to encode');
  await deps.titles.transition(titleId, 'analyzing');

  const head = await deps.store.head(title.source.key);
  if (head === undefined) throw new BadInputError('VF_MASTER_MISSING', `master ${title.source.key} is not in storage`);
  if (head.sizeBytes === 0) throw new BadInputError('VF_EMPTY_MASTER', 'master is empty (0 bytes)');
  const sha256 = title.source.sha256 ?? (await sha256Of(deps.store, title.source.key));

  const location = await deps.store.readableLocation(title.source.key);
  const stated = await masterLength(await probeMaster(location, { signal }), location, signal);
  // A PQ master's light levels, from its first frame when the container does not state them: the tone mapping's peak.
  const colour = await withFrameLightLevels(location, stated.video.colour, signal);
  const probed: ProbeResult = colour === undefined ? stated : { ...stated, video: { ...stated.video, colour } };
  await job.updateProgress(25);
  // Reads of the master that need only the probe, side by side: each is one ffmpeg, mostly
  // single-threaded, and one after another they left the fleet's other cores idle at the
  // start of every title. The analysis' reads (packets, then a scan of the active picture)
  // go with them. A master that does not decode is reported as such first, whatever else
  // failed with it.
  const areaRead = detectActiveArea(deps, titleId, location, probed.video, signal);
  // Demuxed, not decoded: where the keyframes are, for the analysis and for `idet`.
  const packetsRead = packetIndex(location, probed.video.startTimeS, probed.durationS, signal);
  // Frame 0 of the title, from a decode: every encode and measurement counts frames from it.
  const firstFrames = readFirstFrames(location, signal);
  const firstFrameRead = firstFrames.then((f) => firstFrameTimeOf(f, location));
  const seekableRead = readsMaySeek(location, probed, packetsRead, deps.tmpDir, signal);
  const analysisRead =
    deps.ladderPolicy === 'fixed'
      ? Promise.resolve(undefined)
      : readForAnalysis(deps, titleId, location, probed, packetsRead, areaRead, firstFrameRead, seekableRead, signal);
  const [decodable, area, interlace, firstFrame, analysisReads, seekable] = await Promise.allSettled([
    assertDecodable(location, probed, firstFrames, packetsRead, signal),
    areaRead,
    detectInterlace(deps, titleId, location, probed, packetsRead, signal),
    firstFrameRead,
    analysisRead,
    seekableRead,
  ]);
  const activeArea = settled(area, decodable);
  const deinterlace = settled(interlace, decodable);
  const firstFrameS = settled(firstFrame, decodable);
  const decodeFromStart = !settled(seekable, decodable);
  const { holdLastS } = settled(decodable, decodable);
  // The video's own extent plans its chunks; without the packet index, the container's duration does.
  const packets = await packetsRead.catch(() => undefined);
  const endS = packets?.endS;
  const keyframeGapS = packets === undefined ? undefined : longestKeyframeGapS(packets.keyframesS, endS ?? probed.durationS);
  // A variable-rate master's grid: the average or the declared rate, whichever keeps its frames.
  const { declaredFrameRate, ...asStated } = probed.video;
  const frameRate =
    declaredFrameRate === undefined || packets?.framesS === undefined
      ? probed.video.frameRate
      : variableRateGrid(
          probed.video.frameRate,
          declaredFrameRate,
          packets.framesS.map((t) => t + probed.video.startTimeS),
        );
  await job.updateProgress(75);
  const described: ProbeResult = {
    ...probed,
    video: {
      ...asStated,
      frameRate,
      firstFrameS,
      ...(endS === undefined ? {} : { endS }),
      ...(activeArea === undefined ? {} : { activeArea }),
      ...(decodeFromStart ? { decodeFromStart: true as const } : {}),
      ...(keyframeGapS === undefined ? {} : { keyframeGapS }),
      ...(holdLastS === undefined ? {} : { holdLastS }),
      // A field-rate deinterlace doubles the title's frame rate: every frame count follows it.
      ...(deinterlace === undefined ? {} : { deinterlace, frameRate: deinterlacedRate(frameRate, deinterlace), codedFrameRate: frameRate }),
    },
  };

  const probe = await withTitleFrames(described, location, deps.tmpDir, signal);

  const source: SourceRef = { titleId, sourceKey: title.source.key, sha256 };
  await deps.titles.update(titleId, { probe, source: { ...title.source, sizeBytes: head.sizeBytes, sha256 } });
  deps.log.info(
    { titleId, durationS: probe.durationS, fps: frameRateValue(probe.video.frameRate), activeArea, deinterlace, decodeFromStart },
    'master probed',
  );

  const fixed = appleLadder(activeDisplaySize(probe.video));
  if (deps.ladderPolicy === 'fixed') return enqueueEncode(deps, source, probe, fixed, { policy: 'fixed' });
  let started: Awaited<ReturnType<typeof startLadderAnalysis>>;
  try {
    const reads = settled(analysisReads, decodable);
    if (reads === undefined) throw new Error('the analysis read nothing of the master');
    started = await startLadderAnalysis(deps, source, probe, fixed, reads, location, signal);
  } catch (err) {
    // The master decodes (checked above), so a scan that fails on every attempt is the
    // analysis's problem, not the title's: encode with the fixed ladder and say why. Earlier
    // attempts retry (the scan reads the master over the network on S3); a cancellation is
    // not a failure.
    if (signal.aborted || !isFinalAttempt(job, err)) throw err;
    const fallbackReason = `per-title analysis failed, fixed ladder used: scan: ${(err as Error).message}`;
    deps.log.warn({ titleId, jobId: job.id, reason: fallbackReason }, 'ladder fallback');
    return enqueueEncode(deps, source, probe, fixed, { policy: 'fixed', fallbackReason });
  }
  // The sound and subtitles need no ladder: queued now, they run while it is analysed. After
  // the samples, which an idle worker must take first (queued before them, the sound took a
  // 2-worker stack's second express slot, and one sample waited 1.6 s for it: bench:pipeline).
  // Where the analysis is skipped or falls back, the encode queues them itself.
  await enqueueTracks(deps, planTracks(deps.settings, source, probe, title));
  return started;
};
