/**
 * Where a rung's peak cap held it down. A rung is encoded at a CRF under a VBV cap of
 * `maxrateRatio` times its average rate (`ffmpeg/args.ts`); a segment that spent more than that
 * over its length drew on the VBV buffer, and where the buffer runs dry x264 codes coarser than
 * the CRF asks. The samples are encoded uncapped, so a title whose busiest stretches need more
 * than the cap allows measures under its prediction there, however well its windows were chosen:
 * that is the peak rule's cost, not the sampling's. Pure.
 */

/** One published segment of a rung. */
export interface RungSegment {
  readonly durationS: number;
  readonly bytes: number;
}

/** Whether each segment spent more than the rung's cap (`maxrateRatio` times `bitrateKbps`) over its length. */
export function segmentsOverCap(segments: readonly RungSegment[], bitrateKbps: number, maxrateRatio: number): boolean[] {
  const capBps = bitrateKbps * 1000 * maxrateRatio;
  return segments.map((s) => s.durationS > 0 && (s.bytes * 8) / s.durationS > capBps);
}

/** The busiest segment's rate over the rung's average (`bitrateKbps`); 0 without segments. */
export function peakRatio(segments: readonly RungSegment[], bitrateKbps: number): number {
  let peak = 0;
  for (const s of segments) if (s.durationS > 0) peak = Math.max(peak, (s.bytes * 8) / s.durationS);
  return peak / (bitrateKbps * 1000);
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
  /** The busiest segment's rate over the rung's average. */
  readonly peakRatio: number;
  readonly overPsnrDb: number;
  /** Undefined when every checked frame lies in a segment over the cap. */
  readonly restPsnrDb: number | undefined;
}
