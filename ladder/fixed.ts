import type { Rung } from './types.ts';

/**
 * Apple's HLS authoring ladder (HLS Authoring Specification for Apple Devices, table of
 * H.264 video variants), used as the fixed policy and as the baseline per-title ladders are
 * measured against.
 */
export const APPLE_HLS_LADDER: readonly Rung[] = [
  { width: 416, height: 234, bitrateKbps: 145 },
  { width: 640, height: 360, bitrateKbps: 365 },
  { width: 768, height: 432, bitrateKbps: 730 },
  { width: 960, height: 540, bitrateKbps: 2000 },
  { width: 1280, height: 720, bitrateKbps: 3000 },
  { width: 1280, height: 720, bitrateKbps: 4500 },
  { width: 1920, height: 1080, bitrateKbps: 6000 },
  { width: 1920, height: 1080, bitrateKbps: 7800 },
];

export interface SourceFrame {
  /** Display width in pixels (sample aspect ratio already applied). */
  readonly width: number;
  readonly height: number;
}

/** Rounds to the nearest even number: 4:2:0 chroma needs even luma dimensions. */
function even(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}

/**
 * The Apple ladder capped at the source: no rung is larger than the source, each rung keeps
 * the source's display aspect ratio, and a source smaller than the bottom rung gets one rung
 * at its own size so every title plays. The ladder's heights are read as the short side, so
 * a portrait source (1080x1920) gets the same rungs turned on their side, not shrunk to fit
 * a landscape box.
 */
export function appleLadder(source: SourceFrame, ladder: readonly Rung[] = APPLE_HLS_LADDER): Rung[] {
  if (!(source.width > 0 && source.height > 0)) {
    throw new RangeError(`Expected source width and height > 0, got ${source.width}x${source.height}`);
  }
  const portrait = source.height > source.width;
  const short = portrait ? source.width : source.height;
  const long = portrait ? source.height : source.width;
  const aspect = long / short;
  const fits = ladder.filter((r) => r.height <= short && even(r.height * aspect) <= even(long));
  const chosen = fits.length > 0 ? fits : ladder.slice(0, 1).map((r) => ({ ...r, height: short }));
  return chosen.map((r) => {
    const s = even(Math.min(r.height, short));
    const l = even(s * aspect);
    return { width: portrait ? s : l, height: portrait ? l : s, bitrateKbps: r.bitrateKbps };
  });
}
