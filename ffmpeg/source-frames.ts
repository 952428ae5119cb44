/**
 * The master's frames as every part of vodforge counts them: one definition of "frame k of the
 * title", used by the chunk encodes, the sample encodes and every quality measurement, so an
 * encode and its reference are the same frames by construction, whatever the master's time
 * base, B-frame delay, edit list or audio-led start.
 *
 * Frame k is slot `g0 + k` of the `fps` filter's grid, where the grid is the frame rate's
 * multiples in the master's own timestamps (`-copyts`) and `g0` is the slot of the first video
 * frame. `fps` puts each decoded frame in the slot nearest its timestamp, duplicating or
 * dropping where the master is variable-rate; where a reader seeks only changes how much is
 * decoded before its first slot, never which frame fills a slot. Ranges are cut on the grid
 * half a slot early, so float rounding can never put a frame in two ranges or in neither.
 */
import { masterInput } from './master-input.ts';
import { deinterlaceFilters, type Deinterlace } from './deinterlace.ts';
import { frameRateValue, type ProbeResult, type Rational } from './probe.ts';
import { toneMapFilters, toneMapOf, type ToneMap } from './tone-map.ts';

/** How the master's timestamps map to frame indices. */
export interface FrameTimeline {
  /** The title's frame rate: the `fps` grid's (after deinterlacing, the field rate of 50i/60i video). */
  readonly frameRate: Rational;
  /** Applied to the decoded master before the grid, in every reader alike; absent on a progressive master. */
  readonly deinterlace?: Deinterlace;
  /** Maps a PQ or HLG master's frames to SDR BT.709 in every reader alike (`tone-map.ts`); absent on an SDR master. */
  readonly toneMap?: ToneMap;
  /**
   * An SDR master whose picture is full range (`pc`), in every reader alike made limited range,
   * as the rungs ship it (`titlePictureFilters`).
   */
  readonly fullRange?: true;
  /**
   * Timestamp of the master's first decoded video frame, in seconds (`VideoInfo.firstFrameS`):
   * read from a decode, as the container's start time may be a frame or more earlier (packed
   * B-frames in AVI, edit lists).
   */
  readonly videoStartS: number;
  /** That frame's position for an input `-ss`, which counts from the file's start (`ProbeResult.videoOffsetS`). */
  readonly videoOffsetS: number;
  /** The master's keyframes are no entry points (`VideoInfo.decodeFromStart`): readers never seek, they decode from the start. */
  readonly decodeFromStart?: true;
  /**
   * The master's picture size (upright, as decoded): every frame is fitted into it before
   * anything else (`frameSizeFilters`). Absent in jobs queued before it was kept: frames as decoded.
   */
  readonly frameSize?: { readonly width: number; readonly height: number };
  /**
   * The master's last picture held to the title's end (`VideoInfo.holdLastS`): where the
   * picture ends in title time, and for how long it is held.
   */
  readonly hold?: { readonly fromS: number; readonly forS: number };
  /**
   * The title's frames, as a decode of the master's tail counts them (`VideoInfo.frames`): every
   * read ends there, a read to the end included. Absent where it was not read (a held picture, a
   * master read from its start, jobs queued before it was kept): a read to the end stops where
   * `fps` does.
   */
  readonly frames?: number;
}

/** Frames `[startFrame, endFrame)` of the title; `endFrame` absent reads to the title's end. */
export interface FrameRange {
  readonly startFrame: number;
  readonly endFrame?: number;
}

/** Seek this far ahead of a range's first frame, so the decoder reaches it from an earlier keyframe. */
export const SEEK_LEAD_S = 3;

const secs = (s: number): string => s.toFixed(6);

/**
 * The frames of a title `durationS` long: the grid's slots that start in it, counted from the
 * slot of the first frame: what the chunk plan counts over the extent (a decoded count, `VideoInfo.frames`, or the packets').
 */
export function titleFrameCount(durationS: number, frameRate: Rational): number {
  return Math.max(1, Math.ceil(durationS * frameRateValue(frameRate) - 1e-6));
}

/** The timeline of a probed master. */
export function timelineOf(probe: Pick<ProbeResult, 'videoOffsetS' | 'video' | 'durationS'>): FrameTimeline {
  const { firstFrameS, startTimeS } = probe.video;
  const toneMap = toneMapOf(probe.video.colour);
  const { endS, holdLastS } = probe.video;
  const hold =
    holdLastS === undefined || endS === undefined
      ? undefined
      : { fromS: endS - ((firstFrameS ?? startTimeS) - startTimeS), forS: holdLastS };
  return {
    frameRate: probe.video.frameRate,
    ...(probe.video.deinterlace === undefined ? {} : { deinterlace: probe.video.deinterlace }),
    ...(toneMap === undefined ? {} : { toneMap }),
    ...(toneMap === undefined && probe.video.colour?.range === 'pc' ? { fullRange: true as const } : {}),
    videoStartS: firstFrameS ?? startTimeS,
    videoOffsetS: probe.videoOffsetS + (firstFrameS ?? startTimeS) - startTimeS,
    ...(probe.video.decodeFromStart === true ? { decodeFromStart: true as const } : {}),
    frameSize: { width: probe.video.width, height: probe.video.height },
    ...(hold === undefined ? {} : { hold }),
    ...(probe.video.frames === undefined ? {} : { frames: probe.video.frames }),
  };
}

/**
 * Seconds of the title, from its start, that show the master's own pictures: up to where a
 * held last picture starts (`FrameTimeline.hold`), else all `durationS`. Samples and quality
 * windows are chosen in there: a window in the held tail measures one still picture. Pure.
 */
export function picturedS(timeline: Pick<FrameTimeline, 'hold'>, durationS: number): number {
  const fromS = timeline.hold?.fromS;
  return fromS !== undefined && fromS > 0 ? Math.min(fromS, durationS) : durationS;
}

/**
 * Filters making decoded frames of the master the picture the title ships: a PQ or HLG master
 * tone-mapped to SDR BT.709 (`tone-map.ts`), a full-range SDR master made limited range, and
 * nothing for any other. Every reader of the master applies them once (chunk and sample encodes,
 * window copies, the reference side of every comparison), so both sides of a comparison hold
 * the same picture.
 *
 * Limited range is what H.264 rungs ship in (a TV or player that ignores the full-range flag
 * crushes a full-range picture), and what a `yuvj` master (MJPEG) already became through
 * `format=yuv420p`. A full-range master in plain `yuv420p` (a webcam's MPEG-4 from
 * psychopy) did not: its rungs kept full range, decoded as `yuvj420p`, and each comparison
 * converted that side alone, so every sample and rung read 27-31 dB whatever its CRF, and the
 * title shipped one rung. The input range is stated, so a `yuvj` frame is converted once, as
 * `format=yuv420p` would have.
 */
export function titlePictureFilters(t: Pick<FrameTimeline, 'toneMap' | 'fullRange'>): string[] {
  if (t.toneMap !== undefined) return toneMapFilters(t.toneMap);
  return t.fullRange === true ? ['scale=in_range=pc:out_range=tv'] : [];
}

/**
 * Filters fitting every decoded frame into `size`, its shape kept, centred on black: a master
 * whose picture size changes mid-stream (a browser's recording of a window resized, a broadcast
 * switching between SD and HD) then gives frames of one size, as every encoder and comparison
 * needs. A frame of that size passes bit for bit (`scale` passes it through, `pad` adds nothing).
 * `pad` cannot make an odd-sized 4:2:0 frame, so a title of odd size gets its other frames
 * scaled to it, shape not kept. Readers keep their graph when the size changes
 * (`-reinit_filter 0`, `sourceInputArgs`): rebuilt, it flushed the `fps` grid, and a chunk that
 * crossed the change came out one frame long and failed the title.
 */
export function frameSizeFilters(size: FrameTimeline['frameSize']): string[] {
  if (size === undefined) return [];
  const { width, height } = size;
  if (width % 2 !== 0 || height % 2 !== 0) return [`scale=w=${width}:h=${height}:eval=frame`];
  return [
    `scale=w=${width}:h=${height}:force_original_aspect_ratio=decrease:eval=frame`,
    `pad=w=${width}:h=${height}:x=(ow-iw)/2:y=(oh-ih)/2:eval=frame`,
  ];
}

/**
 * Whole slots added to the master's timestamps before `fps` when its first frame is before 0,
 * so the grid never crosses 0. `fps` rounds half a slot away from zero, so on a clock that
 * crosses 0 (an MPEG-TS whose 33-bit clock wrapped: ffmpeg unwraps it to negative times) frames
 * half a slot either side of 0 went to slots -1 and 1, and slot 0 was filled with a copy: 101
 * frames out of 100. A whole number of slots moves no frame to another slot.
 */
export function slotShift(t: FrameTimeline): number {
  const first = t.videoStartS * frameRateValue(t.frameRate);
  return first < 0 ? Math.ceil(-first) : 0;
}

/** Slot of the `fps` grid the first video frame falls in (`fps` rounds to the nearest slot, half up on a grid from 0). */
export function firstSlot(t: FrameTimeline): number {
  return Math.round(t.videoStartS * frameRateValue(t.frameRate) + slotShift(t));
}

/**
 * Where a reader of a range may start decoding instead of {@link SEEK_LEAD_S} ahead of it: a
 * keyframe of the master at or before the range's first frame, in title time (the packet
 * index's), that a seek to it was seen to land on (`seekLandsOnKeyframe`). A lead of a few
 * seconds lands before the keyframe the range starts on, so the demuxer goes back to the one
 * before: up to a whole GOP decoded for nothing (10 s on x264's default, 25 s on vtest.avi).
 */
export interface ReadStart {
  readonly fromKeyframeS?: number;
}

/** Where a reader of `range` seeks the master (`-ss`, from the file's start), or 0 for no seek (a master read from its start). */
export function sourceSeekS(t: FrameTimeline, range: FrameRange & ReadStart): number {
  if (range.startFrame <= 0 || t.decodeFromStart === true) return 0;
  if (range.fromKeyframeS !== undefined) return Math.max(0, t.videoOffsetS + range.fromKeyframeS);
  // Past a held picture's end the master has no frame: the read starts before it, and the hold
  // fills the range.
  const fromS =
    t.hold === undefined
      ? range.startFrame / frameRateValue(t.frameRate)
      : Math.min(range.startFrame / frameRateValue(t.frameRate), t.hold.fromS);
  return Math.max(0, t.videoOffsetS + fromS - SEEK_LEAD_S);
}

/**
 * Input options reading the master for `range`: timestamps kept, so the grid is the master's
 * own. From a keyframe, every frame decoded is kept (`-noaccurate_seek`): the seek position
 * may be a microsecond past the keyframe's time (printed to 6 decimals, then nudged), and the
 * grid and `trim` pick the range's frames by timestamp anyway.
 */
export function sourceInputArgs(input: string, t: FrameTimeline, range: FrameRange & ReadStart): string[] {
  const seekS = sourceSeekS(t, range);
  const fromKeyframe = range.fromKeyframeS !== undefined && seekS > 0;
  return [
    '-copyts',
    ...(t.frameSize === undefined ? [] : ['-reinit_filter', '0']),
    ...(fromKeyframe ? ['-noaccurate_seek'] : []),
    ...(seekS > 0 ? ['-ss', secs(seekS)] : []),
    ...masterInput(input),
  ];
}

/**
 * Filters turning the decoded master into frames `range` of the title, timestamps from 0.
 * `fps` outputs in a time base of one slot, so the range is cut by slot number (`start_pts`,
 * `end_pts`), exactly: a cut in seconds is rounded to that time base by `trim`, and half a
 * slot rounds either way. After a seek the grid starts a lead's worth of slots before the range
 * (`start_time`): `fps` would otherwise fill every slot from the title's start with copies of
 * the first frame decoded.
 */
export function sourceFrameFilters(t: FrameTimeline, range: FrameRange): string[] {
  // After the cut: only the range's frames pay for the float conversion, not the seek lead's.
  return [...sourceGridFilters(t, range), ...sourceCutFilters(t, range), ...titlePictureFilters(t)];
}

/**
 * The first half of {@link sourceFrameFilters}: every decoded frame fitted, deinterlaced and put
 * in its slot of the grid, for a read of `range`. A read from the title's start
 * (`startFrame` 0) can then be cut into several ranges, one {@link sourceCutFilters} each.
 */
export function sourceGridFilters(t: FrameTimeline, range: FrameRange): string[] {
  const fps = frameRateValue(t.frameRate);
  const grid = `fps=${t.frameRate.num}/${t.frameRate.den}`;
  const fpsFilter =
    range.startFrame > 0
      ? `${grid}:start_time=${secs((firstSlot(t) + Math.max(0, range.startFrame - Math.ceil(SEEK_LEAD_S * fps))) / fps)}`
      : grid;
  return [...decodedFrameFilters(t), ...endPadFilters(t), fpsFilter];
}

/**
 * The decoded master's frames as the grid takes them, one per picture it holds: fitted, their
 * timestamps shifted off a clock that crosses 0, and deinterlaced. What the title's frame count
 * is read from (`workers/measure/last-frame.ts`), and the start of {@link sourceGridFilters}.
 */
export function decodedFrameFilters(t: FrameTimeline): string[] {
  const shift = slotShift(t);
  return [
    ...frameSizeFilters(t.frameSize),
    ...(shift > 0 ? [`setpts=PTS+${shift * t.frameRate.den}/(${t.frameRate.num}*TB)`] : []),
    // Before the grid: a field-rate deinterlacer makes the frames the grid's slots hold.
    ...deinterlaceFilters(t.deinterlace),
  ];
}

/**
 * The last picture cloned before the grid, so `fps` fills every slot of the title up to its end:
 * - for as long as the master's sound outlasts it (`hold`): a read of a range past the picture's
 *   end (its seek lands on the picture's last keyframe) then finds its slots filled like any other;
 * - one slot more, where the title's frames are known (`frames`): `fps` ends the grid where the
 *   last frame's stated duration does, rounded to a slot, and a last frame shown for 1 ms (a
 *   Matroska track whose default duration is its 1 ms clock) lost its slot in every read to the
 *   end, and nowhere else: a window reaching the end got one frame fewer than its own copy, and
 *   the title its per-title ladder. Every read is cut at `frames` (`sourceCutFilters`), so the
 *   extra slot is never kept.
 */
function endPadFilters(t: Pick<FrameTimeline, 'hold' | 'frames' | 'frameRate'>): string[] {
  const padS = (t.hold?.forS ?? 0) + (t.frames === undefined ? 0 : 1 / frameRateValue(t.frameRate));
  return padS > 0 ? [`tpad=stop_mode=clone:stop_duration=${secs(padS)}`] : [];
}

/**
 * The second half of {@link sourceFrameFilters} but its tone mapping: frames `range` cut from the
 * grid by slot number, timestamps from 0. A reader that keeps only some of them (a comparison,
 * one frame in three) tone-maps those it keeps.
 */
export function sourceCutFilters(t: FrameTimeline, range: FrameRange): string[] {
  const g0 = firstSlot(t);
  const endFrame = range.endFrame ?? t.frames;
  const trim = [
    ...(range.startFrame > 0 ? [`start_pts=${g0 + range.startFrame}`] : []),
    ...(endFrame === undefined ? [] : [`end_pts=${g0 + endFrame}`]),
  ];
  return [...(trim.length > 0 ? [`trim=${trim.join(':')}`] : []), 'setpts=PTS-STARTPTS'];
}

/**
 * The frames a stretch of the title in seconds covers: those that start in it (at least one).
 * A stretch that ends where the title does never reaches past its last frame: its length in
 * frames, rounded, did when its start was rounded up to a frame (letterbox-2997: a 2 s window
 * at 1.6036 s of a 108-frame title at 29.97 fps ran to frame 109, the master gave 59 frames and
 * the sample 60, and the title lost its per-title ladder).
 */
export function framesOf(window: { readonly startS: number; readonly durationS: number }, frameRate: Rational): Required<FrameRange> {
  const fps = frameRateValue(frameRate);
  const first = (s: number): number => Math.max(0, Math.ceil(s * fps - 1e-6));
  const startFrame = first(window.startS);
  return { startFrame, endFrame: Math.max(startFrame + 1, first(window.startS + window.durationS)) };
}
