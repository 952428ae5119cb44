import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildArgs } from '../../ffmpeg/args.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { parseSubtitles, SubtitleFormatError, toWebVtt, type Cue } from '../../packaging/subtitles.ts';
import { BadInputError } from '../../ffmpeg/errors.ts';
import { onTitleTimeline } from '../../packaging/subtitle-track.ts';
import { subtitleKey } from '../../pipeline/types.ts';
import { withScratch } from '../../storage/scratch.ts';
import { failureOf, isFinalAttempt, type Handler } from './context.ts';

/** What `extract-subtitles` returns to `package`: the renditions converted (by id, with their cue counts), or why none were. */
export type SubtitlesResult = { readonly subtitles: Readonly<Record<string, number>> } | { readonly subtitlesFailed: string };

/** ffmpeg's WebVTT, read back: what it could not convert into valid WebVTT is the stream's fault, not worth a retry. */
function readCues(text: string, streamIndex: number): Cue[] {
  try {
    return parseSubtitles(text, 'vtt');
  } catch (err) {
    if (err instanceof SubtitleFormatError)
      throw new BadInputError('VF_SUBTITLES_UNREADABLE', `subtitle stream ${streamIndex}: ${err.message}`);
    throw err;
  }
}

/**
 * Converts the master's text subtitle streams to WebVTT in one read of the master (ffmpeg
 * turns SRT, ASS and mov_text into WebVTT), checks each with the same reader sidecar uploads
 * go through, moves the cues onto the title's timeline and stores them for `package`. Once its
 * retries are spent a failure is returned, not thrown: the title ships without subtitles and
 * says why.
 */
export const extractSubtitlesHandler: Handler<'extract-subtitles'> = async (job, { deps, signal }) => {
  const d = job.data;
  if (await deps.titles.isFinalOrGone(d.layout.titleId)) return { skipped: true };
  try {
    const input = await deps.store.readableLocation(d.layout.sourceKey);
    return await withScratch(deps.tmpDir, job.id ?? 'subtitles', async (dir) => {
      const outputs = d.tracks.map((t) => ({ streamIndex: t.streamIndex, output: path.join(dir, `${t.id}.vtt`) }));
      await runFfmpeg(buildArgs({ kind: 'extract-subtitles', input, streams: outputs }), { signal });
      const counts: Record<string, number> = {};
      for (const t of d.tracks) {
        const cues = onTitleTimeline(readCues(await readFile(path.join(dir, `${t.id}.vtt`), 'utf8'), t.streamIndex), d.offsetS);
        await deps.store.put(subtitleKey(d.layout, t.id), toWebVtt(cues), { contentType: 'text/vtt; charset=utf-8' });
        counts[t.id] = cues.length;
      }
      return { subtitles: counts } satisfies SubtitlesResult;
    });
  } catch (err) {
    if (signal.aborted || !isFinalAttempt(job, err)) throw err;
    const message = `subtitle streams ${d.tracks.map((t) => t.streamIndex).join(', ')}: ${failureOf(err, 'VF_SUBTITLES_FAILED', deps.redact).error.message}`;
    deps.log.warn({ titleId: d.layout.titleId, jobId: job.id, err: message }, 'subtitles failed; the title ships without them');
    return { subtitlesFailed: message } satisfies SubtitlesResult;
  }
};
