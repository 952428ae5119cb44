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
 * at its own size so every title plays. Each rung is read as a box (16:9 in Apple's table)
 * the picture is fitted into: a picture as wide as the box or narrower (4:3, 16:9) fills its
 * height; a wider one (a 2.39:1 film once its letterbox is cropped) fills its width, so the
 * 1080p rung of a scope film is 1920x800, as streaming services encode it, and not 1728x720
 * from a 720-line box. The box is read short side first, so a portrait source (1080x1920)
 * gets the same rungs turned on their side, not shrunk to fit a landscape box.
 */
export function appleLadder(source: SourceFrame, ladder: readonly Rung[] = APPLE_HLS_LADDER): Rung[] {
  if (!(source.width > 0 && source.height > 0)) {
    throw new RangeError(`Expected source width and height > 0, got ${source.width}x${source.height}`);
  }
  const portrait = source.height > source.width;
  const short = portrait ? source.width : source.height;
  const long = portrait ? source.height : source.width;
  const aspect = long / short;
  const fitted = ladder.map((r) => {
    const boxLong = Math.max(r.width, r.height);
    const boxShort = Math.min(r.width, r.height);
    if (aspect > boxLong / boxShort) {
      const l = even(boxLong);
      return { s: even(l / aspect), l, bitrateKbps: r.bitrateKbps };
    }
    const s = even(boxShort);
    return { s, l: even(s * aspect), bitrateKbps: r.bitrateKbps };
  });
  const fits = fitted.filter((r) => r.s <= short && r.l <= even(long));
  const bottom = ladder[0];
  const chosen =
    fits.length > 0 || bottom === undefined ? fits : [{ s: even(short), l: even(even(short) * aspect), bitrateKbps: bottom.bitrateKbps }];
  return chosen.map((r) => ({ width: portrait ? r.s : r.l, height: portrait ? r.l : r.s, bitrateKbps: r.bitrateKbps }));
}
