/**
 * Uncoded copies of a master's windows from one read of it, as data: for a master every read of
 * which decodes from its start (a browser's recording, a master whose keyframes are no entry
 * points), where a read per window decoded the title up to each one.
 */
import { LOSSLESS_COPY_CODEC } from './analysis-args.ts';
import { cropFilters } from './args.ts';
import type { Rational } from './probe.ts';
import type { ActiveArea } from './probe.ts';
import {
  sourceCutFilters,
  sourceGridFilters,
  sourceInputArgs,
  titlePictureFilters,
  type FrameRange,
  type FrameTimeline,
} from './source-frames.ts';

export interface WindowCopiesCommand {
  readonly kind: 'window-copies';
  readonly input: string;
  /** How the master's frames are counted; the windows are frame ranges of it. */
  readonly timeline: FrameTimeline;
  /** In title order, not overlapping, each with the Matroska file its copy goes to and where its frames are listed. */
  readonly windows: readonly { readonly frames: Required<FrameRange>; readonly file: string; readonly framesFile: string }[];
  /** The picture inside the master's black bars: the copies hold it alone. */
  readonly crop?: ActiveArea;
}

/**
 * One read of the master from its start, put on the title's frame grid once and cut into the
 * windows (`sourceCutFilters`) exactly as a read of each window cuts it, each window then
 * tone-mapped and cropped as a sample encode's read of it is: each copy holds the frames a
 * sample encode of that window sees, uncoded (`LOSSLESS_COPY_CODEC`), timestamps from 0. A
 * window's frames are listed (`framesFile`), so a copy short of its window is caught. A
 * window's frames reach its output only once the window before has ended, and a raw copy keeps
 * no encoder state, so one read serves any number of windows.
 */
export function buildWindowCopiesArgs(cmd: WindowCopiesCommand): string[] {
  const { windows, timeline: t } = cmd;
  const w = windows.length;
  if (w === 0) throw new RangeError('window-copies needs at least one window');
  for (const [k, win] of windows.entries()) {
    const next = windows[k + 1];
    if (!(win.frames.endFrame > win.frames.startFrame) || (next !== undefined && next.frames.startFrame < win.frames.endFrame))
      throw new RangeError('window-copies: windows must be non-empty, in title order, not overlapping');
  }
  const graph = [
    `[0:v:0]${sourceGridFilters(t, { startFrame: 0 }).join(',')},split=${w}${windows.map((_, k) => `[g${k}]`).join('')}`,
    ...windows.map((win, k) =>
      [
        `[g${k}]${sourceCutFilters(t, win.frames).join(',')}`,
        `metadata=mode=add:key=vodforge.frame:value=1,metadata=mode=print:file=${win.framesFile}`,
        ...titlePictureFilters(t),
        ...cropFilters(cmd.crop),
        `format=yuv420p,setsar=1[c${k}]`,
      ].join(','),
    ),
  ];
  const outputs = windows.flatMap((win, k) => [
    '-map',
    `[c${k}]`,
    ...LOSSLESS_COPY_CODEC,
    '-fps_mode',
    'passthrough',
    '-an',
    '-f',
    'matroska',
    win.file,
  ]);
  return [...sourceInputArgs(cmd.input, t, { startFrame: 0 }), '-filter_complex', graph.join(';'), ...outputs];
}

/**
 * How a window's copy is read: its frames on the title's grid from 0, nothing else to undo
 * (the copy is already deinterlaced, tone-mapped, cropped and of one size). Pure.
 */
export function copyTimeline(frameRate: Rational): FrameTimeline {
  return { frameRate, videoStartS: 0, videoOffsetS: 0 };
}

/**
 * Bytes of uncoded copies a sample job holds on its scratch at once: about ten of the 2 s
 * self-check copies a window read on its own writes at 1080p30 (190 MB each). A 20-minute
 * 1080p recording's budget buys about 45 s of windows, 4.2 GB of copies from one read, enough
 * to fill a worker's scratch under the chunks it encodes beside.
 */
export const COPY_SCRATCH_BYTES = 2 * 1024 ** 3;

/** Bytes of one uncoded 8-bit 4:2:0 frame of `size` (`LOSSLESS_COPY_CODEC` after `format=yuv420p`). */
export function copyFrameBytes(size: { readonly width: number; readonly height: number }): number {
  return size.width * size.height + 2 * Math.ceil(size.width / 2) * Math.ceil(size.height / 2);
}

/**
 * Windows (their frame counts, in title order) grouped into reads whose copies fit
 * `maxBytes` together, each read taking the windows after the last one's: as few reads as
 * the bound allows, and at least one window each, however large. Indices into `frameCounts`. Pure.
 */
export function copyReads(frameCounts: readonly number[], frameBytes: number, maxBytes = COPY_SCRATCH_BYTES): number[][] {
  const reads: number[][] = [];
  let bytes = 0;
  for (const [k, n] of frameCounts.entries()) {
    const size = n * frameBytes;
    const last = reads.at(-1);
    if (last !== undefined && bytes + size <= maxBytes) {
      last.push(k);
      bytes += size;
    } else {
      reads.push([k]);
      bytes = size;
    }
  }
  return reads;
}
