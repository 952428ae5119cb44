/**
 * Where a rung's peak cap held it down. A rung is encoded at a CRF under a VBV cap of
 * `maxrateRatio` times its average rate (`ffmpeg/args.ts`); a segment that spent more than that
 * over its length drew on the VBV buffer, and where the buffer runs dry x264 codes coarser than
 * the CRF asks. The samples are encoded uncapped, so a title whose busiest stretches need more
 * than the cap allows measures under its prediction there, however well its windows were chosen.
 * A title whose windows missed its busy stretches has them over the cap too (its rate was
 * predicted from calmer ones): the split gives the figures of both kinds of segment, and the
 * cause is not in them (`prediction-check.ts`). Pure.
 */

/** One published segment of a rung. */
export interface RungSegment {
  readonly durationS: number;
  readonly bytes: number;
}

/**
 * Whether each segment spent more than the rung's cap (`maxrateRatio` times `bitrateKbps`) over
 * its length. Only segments of at least `minDurationS` count: a short one (a title's last
 * fraction of a second) holds a keyframe and little else, and the VBV buffer lets it spend far
 * more than the cap without holding anything down (its rate is no peak a player sees either:
 * `peakSegmentBps`).
 */
export function segmentsOverCap(
  segments: readonly RungSegment[],
  bitrateKbps: number,
  maxrateRatio: number,
  minDurationS: number,
): boolean[] {
  const capBps = bitrateKbps * 1000 * maxrateRatio;
  return segments.map((s) => s.durationS > 0 && s.durationS >= minDurationS && (s.bytes * 8) / s.durationS > capBps);
}

/**
 * Index of the segment holding each frame, by its index in the title: segment `k` holds the
 * frames from its start, its predecessors' lengths summed, at `frameRate`. Frames past the
 * last segment get the last one.
 */
export function segmentOfFrame(segments: readonly RungSegment[], frameRate: number): (frame: number) => number {
  const startFrames: number[] = [];
  let t = 0;
  for (const s of segments) {
    startFrames.push(Math.round(t * frameRate));
    t += s.durationS;
  }
  return (frame) => {
    let lo = 0;
    let hi = startFrames.length - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if ((startFrames[mid] ?? Infinity) <= frame) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
}

/** What a missed rung measured in the segments over its cap and in the rest (dB PSNR-Y over the frames checked). */
export interface CapSplit {
  /** Segments over the cap, of all the rung's segments. */
  readonly over: number;
  readonly segments: number;
  readonly maxrateRatio: number;
  /** The rung's peak segment rate (`peakSegmentBps`, what BANDWIDTH declares) over its average. */
  readonly peakRatio: number;
  /** Undefined when no segment spent over the cap. */
  readonly overPsnrDb: number | undefined;
  /** Undefined when every checked frame lies in a segment over the cap. */
  readonly restPsnrDb: number | undefined;
}
