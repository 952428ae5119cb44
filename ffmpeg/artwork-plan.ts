/**
 * How the artwork job samples a title (pure): the candidate bursts and the stretches decoded
 * in parallel. `artwork-args.ts` turns a plan
 * into ffmpeg command lines.
 */

/** How candidate frames are picked along the title; derived by {@link planArtworkSampling}. */
export interface ArtworkSamplingPlan {
  /** Analysis frame size, px; the height keeps the display aspect and is even. */
  readonly widthPx: number;
  readonly heightPx: number;
  /** Distance between regular bursts, seconds. */
  readonly sampleIntervalS: number;
  /** Time of the first regular burst's middle frame, seconds from the first video frame. */
  readonly samplePhaseS: number;
  /** Distance from a burst's middle frame to its two neighbours, seconds. */
  readonly neighbourOffsetS: number;
  /** `select` scene score (0–1) at and above which a frame starts a new shot. */
  readonly cutThreshold: number;
  /** Time after a cut of the middle frame of its burst, seconds. */
  readonly afterCutS: number;
  /** Cuts closer than this to the last cut that got a burst get none (they still count as cuts), seconds. */
  readonly minCutGapS: number;
  /**
   * Start of each stretch of the title decoded by its own ffmpeg (the first is 0), seconds
   * from the first video frame; stretch k ends where k + 1 starts, the last at the end.
   */
  readonly segmentStartsS: readonly number[];
}

export interface ArtworkSamplingOptions {
  /** @defaultValue 480 */
  readonly analysisWidthPx?: number;
  /** Regular bursts at most this far apart on short titles, seconds. @defaultValue 2 */
  readonly minSampleIntervalS?: number;
  /** Upper bound on regular bursts (and on cut bursts) per title, so long titles stay bounded. @defaultValue 60 */
  readonly maxBursts?: number;
  /** @defaultValue 0.25 */
  readonly neighbourOffsetS?: number;
  /** @defaultValue 0.3 */
  readonly cutThreshold?: number;
  /** @defaultValue 0.6 */
  readonly afterCutS?: number;
  /**
   * The candidate pass is cut into stretches of at least this long, decoded in parallel (each
   * adds one seek and the decode from the keyframe before it). @defaultValue 30
   */
  readonly minSegmentS?: number;
  /** At most this many stretches, whatever the title's length. @defaultValue 4 */
  readonly maxSegments?: number;
}

export class InvalidSamplingOptionError extends Error {
  override readonly name = 'InvalidSamplingOptionError';
  readonly code = 'VF_INVALID_ARTWORK_SAMPLING';
  constructor(field: string, expected: string, got: unknown) {
    super(`Expected \`${field}\` to be ${expected}, got ${String(got)}`);
  }
}

/**
 * At most `2 × maxBursts × 3` frames per title whatever its length: 60 s of video gives a burst
 * every 2 s, two hours one every 2 minutes plus at most one cut burst as often.
 */
export function planArtworkSampling(
  video: {
    readonly durationS: number;
    readonly displayWidth: number;
    readonly displayHeight: number;
    /**
     * The longest gap between the master's entry points, s (`VideoInfo.keyframeGapS`; the whole
     * title for a master read from its start). A stretch decodes from the entry point before it,
     * so stretches closer than that decode the same frames over again. @defaultValue none known
     */
    readonly keyframeGapS?: number;
  },
  options: ArtworkSamplingOptions = {},
): ArtworkSamplingPlan {
  const widthPx = options.analysisWidthPx ?? 480;
  const minIntervalS = options.minSampleIntervalS ?? 2;
  const maxBursts = options.maxBursts ?? 60;
  const neighbourOffsetS = options.neighbourOffsetS ?? 0.25;
  const cutThreshold = options.cutThreshold ?? 0.3;
  const afterCutS = options.afterCutS ?? 0.6;
  const minSegmentS = options.minSegmentS ?? 30;
  const maxSegments = options.maxSegments ?? 4;
  const positive = (field: string, v: number): void => {
    if (!Number.isFinite(v) || v <= 0) throw new InvalidSamplingOptionError(field, 'a finite number > 0', v);
  };
  if (!Number.isInteger(widthPx) || widthPx < 16 || widthPx % 2 !== 0)
    throw new InvalidSamplingOptionError('analysisWidthPx', 'an even integer >= 16', widthPx);
  if (!Number.isInteger(maxBursts) || maxBursts < 1) throw new InvalidSamplingOptionError('maxBursts', 'an integer >= 1', maxBursts);
  if (!Number.isInteger(maxSegments) || maxSegments < 1)
    throw new InvalidSamplingOptionError('maxSegments', 'an integer >= 1', maxSegments);
  positive('minSegmentS', minSegmentS);
  positive('minSampleIntervalS', minIntervalS);
  positive('neighbourOffsetS', neighbourOffsetS);
  positive('afterCutS', afterCutS);
  positive('durationS', video.durationS);
  positive('displayWidth', video.displayWidth);
  positive('displayHeight', video.displayHeight);
  if (!(cutThreshold > 0 && cutThreshold < 1)) throw new InvalidSamplingOptionError('cutThreshold', 'a number in (0, 1)', cutThreshold);
  if (afterCutS <= neighbourOffsetS)
    throw new InvalidSamplingOptionError('afterCutS', `a number > neighbourOffsetS (${neighbourOffsetS})`, afterCutS);

  const sampleIntervalS = Math.max(minIntervalS, video.durationS / maxBursts);
  // Half an interval in, so a title shorter than one interval still gets a burst, and the
  // first burst is clear of a fade-in at 0 s.
  const samplePhaseS = Math.max(neighbourOffsetS, Math.min(sampleIntervalS, video.durationS) / 2);
  const heightPx = Math.max(2, Math.round((widthPx * video.displayHeight) / video.displayWidth / 2) * 2);
  // From the title alone, never the machine's cores: the same master gives the same candidates
  // on every worker (a redelivered job must choose the same frames). No more stretches than
  // entry-point gaps: with one keyframe (a browser's recording) each of four stretches decoded
  // from the start, 2.5 titles' worth of decoding for one (a 636 s one: 19.8 s of CPU for artwork).
  const gaps = video.keyframeGapS === undefined || !(video.keyframeGapS > 0) ? Infinity : Math.floor(video.durationS / video.keyframeGapS);
  const segments = Math.max(1, Math.min(maxSegments, Math.floor(video.durationS / minSegmentS), gaps));
  return {
    widthPx,
    heightPx,
    sampleIntervalS,
    samplePhaseS,
    neighbourOffsetS,
    cutThreshold,
    afterCutS,
    // A cut burst spans afterCutS + δ; the next one may start only when it is complete.
    minCutGapS: Math.max(video.durationS / maxBursts, afterCutS + neighbourOffsetS + 0.1),
    segmentStartsS: Array.from({ length: segments }, (_, k) => Number(((k * video.durationS) / segments).toFixed(3))),
  };
}

/** One stretch of the candidate pass: frames from startS (inclusive) to endS (exclusive, none for the last). */
export interface ArtworkSegment {
  readonly startS: number;
  readonly endS?: number;
}

/** The stretches of a plan, in time order. */
export function artworkSegments(plan: ArtworkSamplingPlan): ArtworkSegment[] {
  return plan.segmentStartsS.map((startS, k) => {
    const endS = plan.segmentStartsS[k + 1];
    return endS === undefined ? { startS } : { startS, endS };
  });
}
