/**
 * Plain data shared by the ladder core. Everything here is what a worker measures or what the
 * pipeline encodes; nothing carries behaviour.
 */

/** A picture size in pixels. */
export interface FrameSize {
  readonly width: number;
  readonly height: number;
}

/**
 * One rendition of a ladder. Only the first three fields are required because the fixed
 * ladder and the encode pipeline know nothing else; a per-title rung also records the
 * measurement it was predicted from, so the API can show predicted vs measured.
 */
export interface Rung {
  /** Encoded width in pixels (even: 4:2:0 chroma needs even luma dimensions). */
  readonly width: number;
  /** Encoded height in pixels (even). */
  readonly height: number;
  /** Average video bitrate in kbit/s. */
  readonly bitrateKbps: number;
  /**
   * PSNR of the luma plane in dB, predicted from the sample encodes, which are uncapped: the rung
   * is encoded under a peak cap set from its rate (`EncodeSettings.maxrateRatio`), and measures
   * lower where the title needs more than the cap lets it spend (`peak-cap.ts`).
   */
  readonly predictedPsnrDb?: number;
  /** SSIM (0..1), predicted from the sample encodes, uncapped as `predictedPsnrDb`. */
  readonly predictedSsim?: number;
  /** CRF of the sample encode this rung was taken from. */
  readonly crf?: number;
}

/** Rungs ordered by ascending bitrate. */
export type Ladder = readonly Rung[];

/** How a title's ladder is chosen: measured per title, or Apple's fixed ladder capped at the source. */
export type LadderPolicy = 'per-title' | 'fixed';

/**
 * One rate-quality measurement: the title's samples encoded at one resolution and CRF,
 * decoded, scaled back to the source size and compared with the source.
 */
export interface RdPoint {
  /** Encoded width in pixels. */
  readonly width: number;
  /** Encoded height in pixels. */
  readonly height: number;
  /** Constant rate factor the samples were encoded with. */
  readonly crf: number;
  /** Average bitrate of the encoded samples in kbit/s. */
  readonly bitrateKbps: number;
  /** PSNR of the luma plane against the source in dB. */
  readonly psnrY: number;
  /** SSIM against the source (0..1). */
  readonly ssim: number;
}
