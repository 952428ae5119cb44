import path from 'node:path';
import { buildArgs } from '../../ffmpeg/args.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { BadInputError, FfmpegExitError } from '../../ffmpeg/errors.ts';
import { uploadFile } from '../../storage/transfer.ts';
import { audioKey, type EncodeAudioJobData } from '../../pipeline/types.ts';
import type { AudioRenditionPlan } from '../../pipeline/audio-plan.ts';
import { afterGain, parseEbur128, parseLoudnorm, planNormalisation, type LoudnessFigures } from '../measure/loudness.ts';
import { failureOf, isFinalAttempt, throttledProgress, type Handler, type JobContext } from './context.ts';
import { withScratch } from '../../storage/scratch.ts';

/** What one rendition's encode measured: the loudness before and after, or why it was not normalised. */
export interface EncodedRendition {
  readonly id: string;
  readonly loudness?: LoudnessFigures;
  /** Set when the stream was left at its own level (digital silence has no loudness to normalise). */
  readonly notNormalised?: string;
}

/** What an `encode-audio` job returns to `package`. */

/** What an `encode-audio` job returns to `package`. */
export type AudioResult =
  | {
      readonly streamIndex: number;
      readonly renditions: readonly EncodedRendition[];
      /** Packets of the stream its decoder could not decode; absent when all decoded. */
      readonly decodeErrors?: number;
    }
  | { readonly streamIndex: number; readonly failed: string };

/**
 * ffmpeg's words for a stream that cannot be decoded: no decoder for its codec, or packets that
 * do not decode, leaving nothing to encode. Retrying cannot help; the failure is the master's.
 */
const UNDECODABLE = /Decoder \(codec [^)]*\) not found|Output file is empty, nothing was encoded|Error while decoding stream/;

/**
 * The line ffmpeg writes for each packet its decoder refused (5.1: `Error while decoding stream
 * #0:1: ...`; 6 and later: `Error submitting packet to decoder`). ffmpeg goes on without the
 * packet; the encode fills the time the master gives it with silence (`alignFilters`).
 */
const PACKET_NOT_DECODED = /^Error while decoding stream #|Error submitting packet to decoder/;

/** Runs one pass, turning an undecodable stream into the master's error, not the worker's. */
async function pass(args: readonly string[], options: Parameters<typeof runFfmpeg>[1]): ReturnType<typeof runFfmpeg> {
  try {
    return await runFfmpeg(args, options);
  } catch (err) {
    if (err instanceof FfmpegExitError && err.exitCode !== null && UNDECODABLE.test(err.stderrTail)) {
      const reason = UNDECODABLE.exec(err.stderrTail)?.[0] ?? 'undecodable';
      throw new BadInputError('VF_AUDIO_UNDECODABLE', `the stream does not decode (${reason})`, err.stderrTail);
    }
    throw err;
  }
}

/** Two passes for one rendition: measure (`ebur128`), then normalise and encode. */
async function encodeRendition(
  d: EncodeAudioJobData,
  r: AudioRenditionPlan,
  input: string,
  output: string,
  ctx: JobContext,
  progress: (f: number) => void,
): Promise<EncodedRendition & { decodeErrors: number }> {
  const stream = {
    input,
    streamIndex: d.track.streamIndex,
    offsetS: d.track.offsetS,
    ...(d.track.join === undefined ? {} : { join: { streams: d.track.join, durationS: d.durationS } }),
    ...(d.track.sourceChannels === undefined ? {} : { sourceChannels: d.track.sourceChannels }),
  };
  const scan = await pass(buildArgs({ kind: 'loudness-scan', ...stream, channels: r.format.channels }), {
    signal: ctx.signal,
    durationS: d.durationS,
    onProgress: (f) => progress(f / 2),
  });
  const measured = parseEbur128(scan.stderrTail);
  const normalisation = planNormalisation(measured, d.target);
  const encoded = await pass(buildArgs({ kind: 'encode-audio', ...stream, format: r.format, output, target: d.target, normalisation }), {
    signal: ctx.signal,
    durationS: d.durationS,
    onProgress: (f) => progress(0.5 + f / 2),
    countLines: PACKET_NOT_DECODED,
  });
  const decodeErrors = encoded.counted ?? 0;
  switch (normalisation.kind) {
    case 'none':
      return {
        id: r.id,
        notNormalised: `integrated loudness ${measured.integratedLufs} LUFS: silent or too short to measure`,
        decodeErrors,
      };
    case 'gain':
      return { id: r.id, loudness: afterGain(measured, normalisation.gainDb), decodeErrors };
    case 'loudnorm':
      return { id: r.id, loudness: { ...parseLoudnorm(encoded.stderrTail), input: measured }, decodeErrors };
  }
}

/**
 * Encodes one audio stream of the master into its renditions (AAC stereo, and AC-3 5.1 when
 * the source has more channels), each normalised to the title's loudness target. A stream
 * that cannot be decoded is not a reason to lose the title: once its retries are spent the job
 * returns its failure, and `package` ships the other streams and records this one on the title.
 */
export const encodeAudioHandler: Handler<'encode-audio'> = async (job, ctx) => {
  const { deps, signal } = ctx;
  const d = job.data;
  const titleId = d.layout.titleId;
  if (await deps.titles.isFinalOrGone(titleId)) return { skipped: true };
  const part = `audio-${d.track.streamIndex}`;
  const share = 1 / Math.max(1, d.trackCount);
  const report = throttledProgress(async (f) => {
    await Promise.all([job.updateProgress(Math.round(f * 100)), deps.titles.setProgress(titleId, part, f * share)]);
  });
  try {
    const input = await deps.store.readableLocation(d.layout.sourceKey);
    let decodeErrors = 0;
    const renditions = await withScratch(deps.tmpDir, job.id ?? 'audio', async (dir) => {
      const done: EncodedRendition[] = [];
      for (const [i, r] of d.track.renditions.entries()) {
        const output = path.join(dir, `${r.id}.m4a`);
        const n = d.track.renditions.length;
        const { decodeErrors: refused, ...encoded } = await encodeRendition(d, r, input, output, ctx, (f) => report((i + f) / n));
        // Every rendition decodes the same packets: the most any counted.
        decodeErrors = Math.max(decodeErrors, refused);
        done.push(encoded);
        await uploadFile(deps.store, output, audioKey(d.layout, r.id), 'audio/mp4');
      }
      return done;
    });
    await deps.titles.setProgress(titleId, part, share);
    return { streamIndex: d.track.streamIndex, renditions, ...(decodeErrors > 0 ? { decodeErrors } : {}) } satisfies AudioResult;
  } catch (err) {
    if (signal.aborted || !isFinalAttempt(job, err)) throw err;
    const message = `audio stream ${d.track.streamIndex}: ${failureOf(err, 'VF_AUDIO_FAILED', deps.redact).error.message}`;
    deps.log.warn({ titleId, jobId: job.id, err: message }, 'audio stream failed; the title ships without it');
    await deps.titles.setProgress(titleId, part, share);
    return { streamIndex: d.track.streamIndex, failed: message } satisfies AudioResult;
  }
};
