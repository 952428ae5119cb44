/**
 * When the frames of a stream's last packets are shown, where the packets do not say. An MPEG
 * program stream or elementary stream with B-frames (intro-3d.mpg in the corpus, a raw MPEG-1
 * stream) and packed B-frames' AVI leave their last few packets without a presentation time;
 * the decoder shows their frames after every timed one: intro-3d's last timed frame is at
 * 73.333 s, and its four untimed packets are frames at 73.367 to 73.467 s (a decode through
 * ffmpeg times them so). Taking the untimed packets at their decoding time put the video's end
 * a frame short (the last reference frame, decoded before the B-frames it closes, is shown
 * after them), and every read now stops at the title's frames. Pure.
 */

/** One packet of a stream as ffprobe lists it, in decoding order; NaN where a time is absent. */
export interface ListedPacket {
  readonly ptsS: number;
  readonly dtsS: number;
  readonly durationS: number;
}

/**
 * Each packet's presentation time: its own where it has one; for those decoded after the
 * stream's last timed packet, one after another from the latest end a timed one reaches, each
 * for its duration; for any other without one (packed B-frames mid-stream), its decoding time.
 * NaN for a packet with neither.
 */
export function presentationTimes(packets: readonly ListedPacket[]): number[] {
  const timed = (p: ListedPacket): boolean => Number.isFinite(p.ptsS);
  const lastTimed = packets.findLastIndex(timed);
  let nextS = packets.reduce(
    (end, p) => (timed(p) ? Math.max(end, p.ptsS + (Number.isFinite(p.durationS) ? p.durationS : 0)) : end),
    Number.NEGATIVE_INFINITY,
  );
  return packets.map((p, k) => {
    if (timed(p)) return p.ptsS;
    if (k < lastTimed || lastTimed < 0 || !Number.isFinite(p.durationS)) return p.dtsS;
    const at = Math.max(nextS, Number.isFinite(p.dtsS) ? p.dtsS : nextS);
    nextS = at + p.durationS;
    return at;
  });
}
