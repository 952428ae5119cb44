import type { FrameSize, RdPoint } from '../../../ladder/types.ts';

/**
 * Synthetic rate-quality points with the shape real encodes have: quality rises with
 * log-bitrate at each size, and smaller sizes win at low bitrates because downscaling costs
 * a fixed amount of quality while coding error falls with bits per pixel. Total error is
 * the sum of the two mean squared errors, which is how they combine in PSNR.
 */
export function syntheticPoints(
  source: FrameSize,
  sizes: readonly FrameSize[],
  crfs: readonly number[] = [18, 22, 26, 30, 34, 38, 42],
  complexity = 1,
): RdPoint[] {
  return sizes.flatMap((size) =>
    crfs.map((crf) => {
      const pixels = size.width * size.height;
      const bitrateKbps = Math.round(pixels * 0.0025 * complexity * 2 ** ((23 - crf) / 6));
      const bitsPerPixel = (bitrateKbps * 1000) / (pixels * 30);
      // Concave in log-rate, as real encoders are: each doubling of bits buys less.
      const codingDb = 52 - 15 * 2 ** (-Math.log2(bitsPerPixel / 0.02 / complexity) / 2.5);
      const scalingDb = size.height >= source.height ? Infinity : 28 + 12 * Math.log2(size.height / 234);
      const mse = 10 ** (-codingDb / 10) + (scalingDb === Infinity ? 0 : 10 ** (-scalingDb / 10));
      const psnrY = -10 * Math.log10(mse);
      return { ...size, crf, bitrateKbps, psnrY, ssim: Math.min(1, 0.5 + psnrY / 100) };
    }),
  );
}

export const SIZES_16X9: readonly FrameSize[] = [
  { width: 416, height: 234 },
  { width: 640, height: 360 },
  { width: 768, height: 432 },
  { width: 960, height: 540 },
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
];

/** A point with every field filled, for hand-built tests. */
export function pt(bitrateKbps: number, psnrY: number, size: FrameSize = { width: 1280, height: 720 }, crf = 23): RdPoint {
  return { width: size.width, height: size.height, crf, bitrateKbps, psnrY, ssim: 0.95 };
}
