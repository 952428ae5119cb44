/**
 * ffmpeg command lines of the artwork job, as data (pure, snapshot-tested); the frame log those
 * commands write is read by `artwork-frame-log.ts`.
 *
 * Candidate extraction decodes each frame of the master once, in stretches decoded in parallel
 * (each from the keyframe just before it). A `select` expression keeps, in source order: bursts
 * of three frames (t − δ, t, t + δ) on a regular grid, and the same bursts a little after each
 * scene cut, so the scorer has a neighbour either side of most frames for its fade, dissolve and
 * motion evidence. Only kept frames are scaled to analysis size and converted to rgb24; every
 * other frame costs its decode and one SAD for the scene score. A stretch starts its cut history
 * afresh: its first cut always gets a burst, so where a single pass would have skipped that cut
 * (closer than minCutGapS to one before the stretch), the stretch's cut bursts can differ from a
 * single pass's until the next cut that both keep. The stretches come from the title's length
 * alone, so every worker keeps the same frames.
 *
 * Scene cuts use `select`'s own `scene` variable rather than a separate `scdet` filter: both are
 * ffmpeg's same MAFD-difference detector (`ff_scene_sad`), but only `select` can act on the
 * score within the pass, and running both would compute it twice per frame.
 */

import { masterInput } from './master-input.ts';
import type { ArtworkSamplingPlan, ArtworkSegment } from './artwork-plan.ts';
import { toneMapFilters, type ToneMap } from './tone-map.ts';
import { frameSizeFilters } from './source-frames.ts';

/**
 * How far before a stretch its decode seeks: half a frame. The stretch's first frame needs the
 * one before it (scene score, burst timing), and the demuxer lands on the keyframe at or before
 * the seek (by presentation time, as the stills' exact seek relies on), so this lands on the
 * last keyframe before the stretch. Half a second, as before, decoded a whole GOP more
 * whenever a keyframe fell in that half second (2 s of a 30 s stretch on bench:artwork's
 * master, a tenth of that stretch's CPU).
 */
export function segmentSeekLeadS(frameRate: { readonly num: number; readonly den: number }): number {
  return frameRate.den / frameRate.num / 2;
}

export interface ArtworkCandidatesCommand {
  readonly kind: 'artwork-candidates';
  /** File path or URL of the master. */
  readonly input: string;
  /** First video timestamp of the master, seconds: expression times are relative to it. */
  readonly videoStartS: number;
  /** The master's keyframes are no entry points (`VideoInfo.decodeFromStart`): never seek, decode from the start. */
  readonly decodeFromStart?: boolean;
  readonly plan: ArtworkSamplingPlan;
  /** Concatenated rgb24 frames at plan size, in the order of {@link ArtworkCandidatesCommand.frameLog}. */
  readonly rawOutput: string;
  /** `metadata=print` log of the kept frames (pts_time and scene score of each). */
  readonly frameLog: string;
  /**
   * `metadata=print` log of cut frames that were not kept, so every cut counts for scene
   * indices, and of the first frame decoded (which shows where the seek landed).
   */
  readonly cutLog: string;
  /** The stretch this ffmpeg decodes. @defaultValue the whole title */
  readonly segment?: ArtworkSegment;
  /**
   * How far before the stretch to seek ({@link segmentSeekLeadS}; unused for a stretch at the
   * start). A container whose seeks land on the keyframe AFTER the target (MPEG-TS) needs
   * more: the caller retries with {@link STILL_SEEK_LEAD_S}, then from the start.
   */
  readonly seekLeadS: number;
  /** Burst middles also written at full size, the first {@link ArtworkCapture.maxFrames} of them. */
  readonly capture?: ArtworkCapture;
  /** A PQ/HLG master's tone mapping (`tone-map.ts`): frames are scored and kept as SDR viewers see them. */
  readonly toneMap?: ToneMap /**
   * The master's picture size (upright, as decoded; `FrameTimeline.frameSize`): every frame is
   * fitted into it before anything else (`frameSizeFilters`), and the graph is kept when the
   * size changes (`-reinit_filter 0`). Rebuilt at a change, the candidate pass's graph reopened
   * its frame log: frames written and frames logged no longer matched, and frames were scored at
   * other frames' times. Absent: frames as decoded.
   */;
  readonly frameSize?: { readonly width: number; readonly height: number };
}

/**
 * Kept frames the shortlist may choose, also taken at display size as the pass decodes them, so
 * a chosen frame already captured needs no second decode: the same decoder settings and the
 * same scale as {@link buildArtworkStillsArgs}, hence the same pixels. The shortlist offers
 * only frames with a same-shot neighbour within the neighbour window on both sides (a burst's
 * middle, or an edge where two bursts overlap). The pass captures every kept frame with a kept
 * frame within that window before it and the next burst target within it after: the frame
 * that hits that target comes at or after it, and a cut before it starts another shot, so the
 * captured frames include every frame the shortlist may choose. A captured frame goes to these
 * outputs instead of the pass's own, analysis size included.
 */
export interface ArtworkCapture {
  /** At most this many frames (bounds the scratch space: a 4K rgb24 frame is 25 MB); at least 1. */
  readonly maxFrames: number;
  /** The selection's neighbour window, seconds. */
  readonly neighbourWindowS: number;
  /** Display size of the master, as the stills' (square pixels). */
  readonly widthPx: number;
  readonly heightPx: number;
  /** Concatenated rgb24 frames at display size, in the order of {@link ArtworkCapture.frameLog}. */
  readonly output: string;
  /** The same frames at plan size, for analysis like {@link ArtworkCandidatesCommand.rawOutput}. */
  readonly analysisOutput: string;
  /** `metadata=print` log of the captured frames. */
  readonly frameLog: string;
}

/** One frame wanted by {@link ArtworkStillsCommand}. */
export interface ArtworkStill {
  /** Time of the wanted frame, seconds from the first video frame. */
  readonly atS: number;
  /** One rgb24 frame, widthPx × heightPx × 3 bytes. */
  readonly output: string;
}

export interface ArtworkStillsCommand {
  readonly kind: 'artwork-stills';
  readonly input: string;
  readonly videoStartS: number;
  /** The master's keyframes are no entry points (`VideoInfo.decodeFromStart`): never seek, decode from the start. */
  readonly decodeFromStart?: boolean;
  /** At least one. */
  readonly stills: readonly ArtworkStill[];
  /** One frame's duration, seconds: each wanted frame is the one within half of it of atS. */
  readonly frameDurationS: number;
  /** Display size of the master: the stills are scaled to it (square pixels). */
  readonly widthPx: number;
  readonly heightPx: number;
  /**
   * `exact` seeks to the wanted frame's own time, so the decode starts at the keyframe at or
   * before it; `early` seeks {@link STILL_SEEK_LEAD_S} before it, for containers whose seeks
   * are imprecise (a seek past the frame would miss it). @defaultValue 'exact'
   */
  readonly seek?: 'exact' | 'early';
  /** A PQ/HLG master's tone mapping: a still converted to RGB as PQ code values would come out grey and flat. */
  readonly toneMap?: ToneMap /** As {@link ArtworkCandidatesCommand.frameSize}: a still is fitted as the candidate pass fitted it. */;
  readonly frameSize?: { readonly width: number; readonly height: number };
}

export type ArtworkFfmpegCommand = ArtworkCandidatesCommand | ArtworkStillsCommand;

const num = (x: number): string => String(Number(x.toFixed(6)));

/** The filters fitting each frame into the master's size, each followed by a comma; none without a size. */
const fitted = (size: ArtworkCandidatesCommand['frameSize']): string =>
  frameSizeFilters(size)
    .map((f) => `${f},`)
    .join('');

/** An input option keeping the filter graph when the picture size changes, with a size to fit frames into. */
const keptGraph = (size: ArtworkCandidatesCommand['frameSize']): string[] => (size === undefined ? [] : ['-reinit_filter', '0']);

/**
 * A frame scaled to `width` x `height` with square pixels, as rgb24: every picture the artwork
 * gets, in one definition, so a frame captured by the candidate pass and the same frame decoded
 * again as a still are the same pixels. Tone-mapped after scaling: only output pixels pay for it.
 */
function rgbFrame(width: number, height: number, toneMap: ToneMap | undefined): string {
  return [`scale=${width}:${height}`, 'setsar=1', ...toneMapFilters(toneMap), 'format=rgb24'].join(',');
}

/**
 * A filter option value in single quotes: protects `,;[]:=` at both levels of filtergraph
 * parsing. A quote inside cannot be quoted, so it is refused rather than mangled.
 */
export function quoteFilterValue(value: string): string {
  if (value.includes("'")) throw new RangeError(`filter option value may not contain a single quote: ${value}`);
  return `'${value}'`;
}

/** A time past any title, for "no target ahead" in the select expression. */
const NO_TARGET_S = 1e9;

/**
 * The `select` expression: evaluated once per decoded frame in order, with state kept in the
 * expression's ld/st registers (they persist across frames):
 *   0 time of the last cut that got a burst · 1 such cuts so far · 2 this frame's time ·
 *   3 whether this frame is such a cut · 4 whether it is kept · 5 whether it is captured ·
 *   6 frames captured so far · 7 the last kept frame's time, the other stretches' regular
 *   bursts counted (−1e9 before any) · 8 whether this frame is such a frame ·
 *   9 the previous frame's time.
 * A target time τ is hit by the first frame with previous time < τ ≤ this time, so a burst
 * survives any frame rate. Returns 0 (drop), 1 (candidate → output 0), 2 (cut frame that is
 * not a candidate → output 1, logged only) or, with `capture`, 3 (a kept frame with a kept
 * frame within the neighbour window before it and a burst target within it after, among the
 * first `maxFrames` such → output 2, captured at full size as well; see {@link ArtworkCapture}).
 * The next target after time t of a series o + kI is o + I·(floor((t − o)/I) + 1); that of a
 * cut burst, its offset past the cut if still ahead.
 */
export function candidateSelectExpr(
  videoStartS: number,
  plan: ArtworkSamplingPlan,
  segment: ArtworkSegment = { startS: 0 },
  capture?: Pick<ArtworkCapture, 'maxFrames' | 'neighbourWindowS'>,
): string {
  const { sampleIntervalS: I, samplePhaseS: phase, neighbourOffsetS: d, afterCutS: a } = plan;
  // The stretch's own frames: only they start cuts and regular bursts. A burst after a cut near
  // the end runs past it (the next stretch, which counts only its own cuts, does not take it).
  const own = [
    ...(segment.startS > 0 ? [`gte(ld(2),${num(segment.startS)})`] : []),
    ...(segment.endS === undefined ? [] : [`lt(ld(2),${num(segment.endS)})`]),
  ];
  const ownCut = [`gte(scene,${num(plan.cutThreshold)})`, ...own].join('*');
  const grid = [phase - d, phase, phase + d].map((o) => `gt(floor((ld(2)-${num(o)})/${num(I)}),floor((ld(9)-${num(o)})/${num(I)}))`);
  const afterCut = [a - d, a, a + d].map((o) => `gte(ld(2),ld(0)+${num(o)})*lt(ld(9),ld(0)+${num(o)})`);
  const ownly = (terms: string): string => (own.length === 0 ? `(${terms})` : `(${terms})*${own.join('*')}`);
  const ahead = (target: string): string => `if(gt(${target},ld(2)),${target},${NO_TARGET_S})`;
  const nextTarget = [
    ...[phase - d, phase, phase + d].map((o) => `${num(o)}+${num(I)}*(floor((ld(2)-${num(o)})/${num(I)})+1)`),
    ...[a - d, a, a + d].map((o) => `if(gt(ld(1),0),${ahead(`ld(0)+${num(o)}`)},${NO_TARGET_S})`),
  ].reduce((x, y) => `min(${x},${y})`);
  const captureTerms =
    capture === undefined
      ? []
      : [
          // The window widened by a microsecond: the selection compares times printed to 6 decimals.
          `st(5,ld(4)*gt(n,0)*lte(ld(2)-ld(7),${num(capture.neighbourWindowS + 1e-6)})` +
            `*lte(${nextTarget}-ld(2),${num(capture.neighbourWindowS + 1e-6)})*lt(ld(6),${capture.maxFrames}))`,
          'st(6,ld(6)+ld(5))',
          // Kept here, or on the regular grid wherever it falls: the stretch before or after keeps
          // that frame, and it is a neighbour of this stretch's frames near the edge all the same
          // (not the first frame decoded, which has no previous time to place it on the grid).
          `st(8,gt(ld(4)+gt(n,0)*(${grid.join('+')}),0))`,
          // Register 7: the last such time, or "long ago" (not 0, a time) until there is one.
          `st(7,if(ld(8),ld(2),if(eq(n,0),${-NO_TARGET_S},ld(7))))`,
        ];
  return [
    `st(2,t-${num(videoStartS)})`,
    `st(3,${ownCut}*(eq(ld(1),0)+gte(ld(2)-ld(0),${num(plan.minCutGapS)})))`,
    'st(0,if(ld(3),ld(2),ld(0)))',
    'st(1,ld(1)+ld(3))',
    `st(4,gt(${ownly(grid.join('+'))}+gt(ld(1),0)*(${afterCut.join('+')}),0))`,
    ...captureTerms,
    'st(9,ld(2))',
    // Not kept: logged if a cut of this stretch, or the first frame decoded (where the seek landed).
    `if(ld(4),${capture === undefined ? '1' : '1+2*ld(5)'},2*gt(${ownCut}+eq(n,0),0))`,
  ].join(';');
}

export function buildArtworkCandidatesArgs(cmd: ArtworkCandidatesCommand): string[] {
  const { plan } = cmd;
  const segment = cmd.segment ?? { startS: 0 };
  const seekS = segment.startS > 0 && cmd.decodeFromStart !== true ? Math.max(0, cmd.videoStartS + segment.startS - cmd.seekLeadS) : 0;
  // The decode ends once the stretch's last cut burst is complete: `trim` ends the stream there,
  // a second after the burst's last target, as the frame that hits a target may come a few
  // skipped (non-reference) frames after it.
  const stopS = segment.endS === undefined ? undefined : cmd.videoStartS + segment.endS + plan.afterCutS + plan.neighbourOffsetS + 1;
  const capture = cmd.capture;
  if (capture !== undefined && !(Number.isInteger(capture.maxFrames) && capture.maxFrames >= 1)) {
    throw new RangeError(`artwork-candidates: capture.maxFrames must be an integer >= 1, got ${capture.maxFrames}`);
  }
  const log = (file: string): string => `metadata=mode=print:key=lavfi.scene_score:file=${quoteFilterValue(file)}`;
  const analysisSize = rgbFrame(plan.widthPx, plan.heightPx, cmd.toneMap);
  const expr = candidateSelectExpr(cmd.videoStartS, plan, segment, capture);
  const trim = stopS === undefined ? '' : `trim=end=${num(stopS)},`;
  const select = `select=outputs=${capture === undefined ? 2 : 3}:expr=${quoteFilterValue(expr)}`;
  const graph = [
    `[0:v:0]${fitted(cmd.frameSize)}${trim}${select}[cand][cut]${capture === undefined ? '' : '[cap]'}`,
    `[cand]${log(cmd.frameLog)},${analysisSize}[out]`,
    `[cut]${log(cmd.cutLog)},nullsink`,
    ...(capture === undefined
      ? []
      : [
          `[cap]${log(capture.frameLog)},split[capsmall][capfull]`,
          `[capsmall]${analysisSize}[outsmall]`,
          // As the stills' graph does it (buildArtworkStillsArgs), so the pixels are the same.
          `[capfull]${rgbFrame(capture.widthPx, capture.heightPx, cmd.toneMap)}[outfull]`,
        ]),
  ].join(';');
  // Kept frames are irregular in time; anything but passthrough would duplicate frames to fill the gaps.
  const rawOut = (label: string, file: string): string[] => [
    '-map',
    `[${label}]`,
    '-fps_mode',
    'passthrough',
    '-an',
    '-sn',
    '-dn',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    file,
  ];
  return [
    // Source timestamps: the expression and the frame log speak the master's own times.
    '-copyts',
    // Non-reference frames (most B-frames) are not decoded: about a third less decoding, and a
    // burst target lands on the next decoded frame instead. Intra-only masters lose nothing.
    // (Skipping every B-frame would save another third on a b-pyramid stream, but is right only
    // where no P-frame predicts from a B-frame: true of x264 at ref=1 only, not at its default
    // ref=3, nor of x265.)
    '-skip_frame',
    'noref',
    // One decoding thread: frame threads cost a tenth more CPU for the same frames (bench:artwork,
    // 4.35 -> 3.86 s on the 60 s master) and barely shorten a decode whose filters run on one
    // thread; the parallelism comes from the stretches, each its own ffmpeg.
    '-threads',
    '1',
    // A later stretch seeks by timestamp to just before it (see buildArtworkStillsArgs), without trimming.
    ...(seekS > 0 ? ['-noaccurate_seek', '-seek_timestamp', '1', '-ss', seekS.toFixed(6)] : []),
    ...keptGraph(cmd.frameSize),
    ...masterInput(cmd.input),
    '-filter_complex',
    graph,
    ...rawOut('out', cmd.rawOutput),
    ...(capture === undefined ? [] : [...rawOut('outsmall', capture.analysisOutput), ...rawOut('outfull', capture.output)]),
  ];
}

/** How early the retry seeks: a seek in a container without an index (MPEG-TS) may land on the keyframe after its target. */
export const STILL_SEEK_LEAD_S = 10;
/** Past the frame's printed time (6 decimals, possibly a hair early): an exact seek never lands on the keyframe before. */
const STILL_SEEK_NUDGE_S = 2e-6;

/**
 * ONE ffmpeg for all the stills: each is its own input (own seek, own decoder) feeding its own
 * output, so a still costs the decode from its keyframe and no more, while the process start-up
 * is paid once rather than per still: about 0.1 s of CPU for a distribution ffmpeg linked
 * against some 200 shared libraries, more than decoding a still's frames.
 *
 * An exact seek starts at the keyframe at or before the frame: shortlisted frames sit a few
 * frames after a cut, where encoders put a keyframe, which a seek half a second early skipped
 * for the GOP before it (a third of the stills' decode, bench:artwork). The select still picks
 * the frame by time (`-noaccurate_seek` hands every frame from the keyframe on to it), and only
 * that frame: where a container's seek lands past it (MPEG-TS seeks to the keyframe after),
 * nothing comes out and the still is retried seeking {@link STILL_SEEK_LEAD_S} early.
 */
export function buildArtworkStillsArgs(cmd: ArtworkStillsCommand): string[] {
  if (cmd.stills.length === 0) throw new RangeError('artwork-stills: expected at least one still');
  const early = cmd.seek === 'early';
  const inputs = cmd.stills.flatMap(({ atS }) => {
    const seekS = cmd.decodeFromStart === true ? 0 : Math.max(0, cmd.videoStartS + atS + (early ? -STILL_SEEK_LEAD_S : STILL_SEEK_NUDGE_S));
    return [
      // Every candidate time comes from the candidate pass, which decoded reference frames only,
      // so the wanted frame is one and the non-reference frames before it are never needed: the
      // same pixels for about a third less decoding.
      '-skip_frame',
      'noref',
      // A decoder per input: frame threads would multiply its memory by the core count, and
      // each still decodes only the frames from its keyframe.
      '-threads',
      '1',
      // No trimming at the seek point: the trim below picks the frame by its own timestamp (with
      // -copyts, ffmpeg's accurate seek trims at the seek plus the file's start time).
      '-noaccurate_seek',
      // The seek is the frame's own timestamp, not an offset from the file's start time (which
      // ffmpeg would add: a transport stream starts at 1.4 s, and the seek would overshoot).
      ...(seekS > 0 ? ['-seek_timestamp', '1', '-ss', seekS.toFixed(6)] : []),
      ...keptGraph(cmd.frameSize),
      ...masterInput(cmd.input),
    ];
  });
  const graph = cmd.stills.map(({ atS }, i) => {
    const targetS = cmd.videoStartS + atS - cmd.frameDurationS / 2;
    // That frame and no later one: a seek that landed past it gives no frame, so the still is
    // retried with the early seek instead of a wrong frame being cropped. `trim` rather than a
    // `select`: it ends its stream at the first frame past the window, so an input whose frame
    // never comes stops there instead of decoding the rest of the master while the other stills'
    // outputs wait (12 s instead of 0.6 s for four stills of a 60 s master, one missed).
    const frame = `trim=start=${num(targetS)}:end=${num(targetS + cmd.frameDurationS)},${rgbFrame(cmd.widthPx, cmd.heightPx, cmd.toneMap)}`;
    return `[${i}:v:0]${fitted(cmd.frameSize)}${frame}[s${i}]`;
  });
  const outputs = cmd.stills.flatMap(({ output }, i) => [
    '-map',
    `[s${i}]`,
    '-frames:v',
    '1',
    '-fps_mode',
    'passthrough',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    output,
  ]);
  return ['-copyts', ...inputs, '-filter_complex', graph.join(';'), ...outputs];
}

/** The one place an artwork command becomes argv; exhaustive over {@link ArtworkFfmpegCommand}. */
export function buildArtworkArgs(cmd: ArtworkFfmpegCommand): string[] {
  switch (cmd.kind) {
    case 'artwork-candidates':
      return buildArtworkCandidatesArgs(cmd);
    case 'artwork-stills':
      return buildArtworkStillsArgs(cmd);
  }
}
