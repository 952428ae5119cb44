import { createHash } from 'node:crypto';
import { BadInputError } from '../ffmpeg/errors.ts';
import { probeMaster, frameRateValue } from '../ffmpeg/probe.ts';
import { runProbe } from '../ffmpeg/run.ts';
import { planChunks } from '../encode/chunks.ts';
import { digest } from '../encode/settings.ts';
import { appleLadder } from '../../ladder/fixed.ts';
import { DEFAULT_JOB_OPTIONS } from './queue.ts';
import { jobIds, type EncodeLayout, type JobDataByName } from './types.ts';
import type { Handler } from './context.ts';
import type { ObjectStore } from '../storage/port.ts';

async function sha256Of(store: ObjectStore, key: string): Promise<string> {
  const h = createHash('sha256');
  for await (const part of await store.stream(key)) h.update(part as Buffer);
  return h.digest('hex');
}

/**
 * Decodes one video frame at the start and one near the end. ffprobe trusts the container's
 * index, so a truncated upload still reports its full duration; decoding the tail is what
 * shows the bytes are really there.
 */
async function assertDecodable(location: string, durationS: number, signal: AbortSignal): Promise<void> {
  const framesAt = async (interval: string): Promise<number> => {
    const out = await runProbe(
      ['-v', 'error', '-select_streams', 'v:0', '-read_intervals', interval, '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', location],
      { signal },
    ).catch(() => ({ stdout: '' }));
    return out.stdout.split('\n').filter((l) => l.trim() !== '').length;
  };
  if ((await framesAt('%+#1')) === 0) throw new BadInputError('VF_UNDECODABLE_VIDEO', 'no video frame could be decoded at the start of the master');
  const tailStart = Math.max(0, durationS - 2);
  if ((await framesAt(`${tailStart.toFixed(3)}%+#1`)) === 0) {
    throw new BadInputError('VF_TRUNCATED_MASTER', `master is truncated: no frame decodes near its end (${durationS.toFixed(2)} s according to its header)`);
  }
}

/**
 * Probes the master once, derives the ladder and chunk plan from it, and enqueues the encode
 * as one BullMQ flow: `package` is the parent of every chunk job and the audio job, so it
 * runs only when all of them have finished. Job ids are derived from the title and its
 * encode identity, so a repeated probe enqueues nothing new.
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
  const sha256 = title.source.sha256 !== '' ? title.source.sha256 : await sha256Of(deps.store, title.source.key);

  const location = await deps.store.readableLocation(title.source.key);
  const probe = await probeMaster(location, { signal });
  await assertDecodable(location, probe.durationS, signal);

  const ladder = appleLadder({ width: probe.video.displayWidth, height: probe.video.displayHeight });
  const settings = deps.settings;
  const chunks = planChunks({ durationS: probe.durationS, frameRate: probe.video.frameRate, segmentS: settings.segmentS, chunkSegments: settings.chunkSegments });
  const version = `${sha256.slice(0, 16)}-${digest({ settings, ladder })}`;
  const layout: EncodeLayout = {
    titleId,
    sourceKey: title.source.key,
    workPrefix: `titles/${titleId}/work/${version}/`,
    outputPrefix: `titles/${titleId}/out/${version}/`,
  };
  const hasAudio = probe.audio !== undefined;
  const moved = await deps.titles.transition(titleId, 'encoding', {
    probe,
    ladder,
    chunkCount: chunks.length,
    source: { ...title.source, sizeBytes: head.sizeBytes, sha256 },
  });
  if (moved !== 'ok') return { skipped: moved };

  const childOpts = { ...DEFAULT_JOB_OPTIONS, failParentOnFailure: true };
  const chunkChildren = chunks.map((chunk) => ({
    name: 'encode-chunk' as const,
    queueName: deps.queueName,
    data: {
      layout, chunk, chunkCount: chunks.length, frameRate: probe.video.frameRate, videoStartS: probe.video.startTimeS,
      durationS: probe.durationS, rungs: ladder, settings,
    } satisfies JobDataByName['encode-chunk'],
    opts: { ...childOpts, jobId: jobIds.chunk(layout, chunk.index) },
  }));
  const audioChild =
    probe.audio === undefined
      ? []
      : [{
          name: 'encode-audio' as const,
          queueName: deps.queueName,
          data: {
            layout, offsetS: probe.audio.startTimeS - probe.video.startTimeS, durationS: probe.durationS, bitrateKbps: settings.audioBitrateKbps,
          } satisfies JobDataByName['encode-audio'],
          opts: { ...childOpts, jobId: jobIds.audio(layout) },
        }];
  if (!hasAudio) await deps.titles.setProgress(titleId, 'audio', 1);
  await deps.flow.add({
    name: 'package',
    queueName: deps.queueName,
    data: {
      layout, chunkCount: chunks.length, rungs: ladder, frameRate: probe.video.frameRate, durationS: probe.durationS, hasAudio, settings,
    } satisfies JobDataByName['package'],
    opts: { ...DEFAULT_JOB_OPTIONS, jobId: jobIds.package(layout) },
    children: [...chunkChildren, ...audioChild],
  });
  deps.log.info({ titleId, chunks: chunks.length, rungs: ladder.length, fps: frameRateValue(probe.video.frameRate) }, 'title probed and queued for encoding');
  return { chunks: chunks.length, rungs: ladder.length };
};
