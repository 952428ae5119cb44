/**
 * Deinterlacing, as part of the one definition of the title's frames (`source-frames.ts`):
 * every reader of the master (chunk encodes, sample encodes, every quality reference) applies
 * the same filter before the `fps` grid, so frame k is the same picture everywhere.
 *
 * - Video shot interlaced (50i/60i: sport, news, studio) keeps its motion: `bwdif` makes a
 *   frame of every field (`send_field`), and the title runs at the field rate (50 or 59.94).
 * - Film telecined to 60i (3:2 pulldown) is deinterlaced frame for frame (`send_frame`), at
 *   the coded frame rate (29.97). Inverse telecine (`fieldmatch,decimate`) would recover the
 *   24 film frames exactly, but `decimate` drops one frame in each cycle of five counted from
 *   the first frame it sees: a chunk or sample that seeks to another keyframe counts from
 *   another frame and drops other frames, so "frame k of the title" would differ between
 *   readers, and chunk boundaries and quality pairing would no longer be exact. `bwdif` looks
 *   at one frame either side only, so after the seek lead its output does not depend on where
 *   the decode began.
 */
import type { Rational } from './probe.ts';
import { masterInput } from './master-input.ts';
import { videoToNull } from './null-output.ts';

export type FieldParity = 'tff' | 'bff';

/** How the master's frames are deinterlaced before the ladder; absent on a progressive master. */
export interface Deinterlace {
  readonly filter: 'bwdif';
  /** `send_field`: a frame per field (interlaced video); `send_frame`: a frame per frame (telecined film). */
  readonly mode: 'send_field' | 'send_frame';
  /** Which field comes first, as measured (`idet`), not as flagged: flags are often wrong in broadcast files. */
  readonly parity: FieldParity;
}

/** The filter that deinterlaces, or nothing for a progressive master. `deint=all`: every frame, flagged interlaced or not. */
export function deinterlaceFilters(d: Deinterlace | undefined): string[] {
  return d === undefined ? [] : [`bwdif=mode=${d.mode}:parity=${d.parity}:deint=all`];
}

/** The title's frame rate once deinterlaced: twice the coded rate when every field becomes a frame. */
export function deinterlacedRate(coded: Rational, d: Deinterlace | undefined): Rational {
  return d?.mode === 'send_field' ? { num: coded.num * 2, den: coded.den } : coded;
}

/**
 * `idet` over a bounded stretch of the master: `frames` frames from `seekS` (seconds from the
 * file's start), each frame's running counts printed to `metadataFile`. The same read compares
 * each frame's two fields (luma, PSNR stats to `fieldStats.between`) and its top field with
 * itself one line down (`fieldStats.within`): see `linesDrawnTwice`.
 */
export interface InterlaceDetectCommand {
  readonly kind: 'interlace-detect';
  readonly input: string;
  readonly seekS: number;
  readonly frames: number;
  readonly metadataFile: string;
  readonly fieldStats: { readonly between: string; readonly within: string };
}

export function buildInterlaceDetectArgs(cmd: InterlaceDetectCommand): string[] {
  if (!(Number.isInteger(cmd.frames) && cmd.frames > 0))
    throw new RangeError(`Expected \`frames\` to be a positive integer, got ${cmd.frames}`);
  // Luma only, an even height so both fields have as many lines; `exact=1` lets a crop start
  // on an odd line (a gray frame has no chroma to keep aligned).
  const fields = [
    'format=gray,crop=iw:trunc(ih/2)*2:0:0,split=3[x][y][z]',
    '[x]field=top,split[t1][t2]',
    '[y]field=bottom[b]',
    `[t1][b]psnr=stats_file=${cmd.fieldStats.between},nullsink`,
    '[t2]crop=iw:ih-1:0:0:exact=1[u]',
    '[z]field=top,crop=iw:ih-1:0:1:exact=1[v]',
    `[u][v]psnr=stats_file=${cmd.fieldStats.within}`,
  ];
  return [
    ...(cmd.seekS > 0 ? ['-ss', cmd.seekS.toFixed(6)] : []),
    ...masterInput(cmd.input),
    ...videoToNull(`idet,metadata=mode=print:file=${cmd.metadataFile},${fields.join(';')}`, cmd.frames),
  ];
}
