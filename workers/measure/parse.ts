/** Parsers for what ffmpeg's analysis filters print. Pure, so they are unit-tested on captured text. */

export interface ScanResult {
  readonly sceneCutsS: number[];
  readonly frames: number;
}

/** The line `metadata=mode=print` opens each frame with; its group is the frame's `pts_time`. */
export const FRAME_LINE = /^frame:\d+\s+pts:\S+\s+pts_time:(\S+)/;

/** The timestamp of the first frame listed by `metadata=mode=print`, in seconds; undefined when none is. */
export function firstListedTimeS(text: string): number | undefined {
  for (const line of text.split('\n')) {
    const head = FRAME_LINE.exec(line);
    if (head !== null) return Number(head[1]);
  }
  return undefined;
}

/**
 * Reads `metadata=mode=print` output: a `frame:N pts:P pts_time:T` line, then `key=value`
 * lines for that frame (`scdet` scores every frame, so every one is listed; `lavfi.scd.time` on a cut).
 */
export function parseScanMetadata(text: string, startS = 0): ScanResult {
  const cuts: number[] = [];
  let t = NaN;
  let frames = 0;
  for (const line of text.split('\n')) {
    const head = FRAME_LINE.exec(line);
    if (head !== null) {
      t = Number(head[1]) - startS;
      frames += 1;
      continue;
    }
    const cut = /^lavfi\.scd\.time=(\S+)/.exec(line);
    if (cut === null || !Number.isFinite(t)) continue;
    const v = Number(cut[1]);
    if (Number.isFinite(v)) cuts.push(v - startS);
  }
  return { sceneCutsS: cuts, frames };
}

export interface QualitySummary {
  /** PSNR of the luma plane in dB; identical inputs give `inf`, reported as 100. */
  readonly psnrY: number;
  /** SSIM of the luma plane, 0-1. */
  readonly ssim: number;
}

/** Per compared frame, in the order compared: luma MSE (8-bit scale) and luma SSIM. */
export interface QualityFrames {
  readonly mseY: readonly number[];
  readonly ssimY: readonly number[];
}

/** Each frame's `mse_y` of a `psnr` stats file, in its order. */
export function parseMseY(psnrStats: string): number[] {
  return [...psnrStats.matchAll(/mse_y:([\d.]+)/g)].map((m) => Number(m[1]));
}

/** The per-frame figures of the stats files of `psnr` and `ssim`; throws when none, or not as many by each. */
export function parseQualityFrames(psnrStats: string, ssimStats: string): QualityFrames {
  const mseY = parseMseY(psnrStats);
  const ssimY = [...ssimStats.matchAll(/\bY:([\d.]+)/g)].map((m) => Number(m[1]));
  if (mseY.length === 0 || ssimY.length === 0 || mseY.length !== ssimY.length)
    throw new Error(`no frames compared, or not the same by psnr and ssim (psnr ${mseY.length}, ssim ${ssimY.length})`);
  return { mseY, ssimY };
}

/**
 * The figures of the frames `keep` picks (by their index in `f`; all of them by default), or
 * undefined when it picks none. PSNR-Y is computed from the mean luma MSE over those frames,
 * as ffmpeg's own summary does (not a mean of per-frame dB); identical inputs (MSE 0) give
 * 100 dB.
 */
export function summariseFrames(
  f: QualityFrames,
  keep: (k: number) => boolean = () => true,
): (QualitySummary & { readonly frames: number }) | undefined {
  let mse = 0;
  let ssim = 0;
  let frames = 0;
  for (let k = 0; k < f.mseY.length; k++) {
    if (!keep(k)) continue;
    mse += f.mseY[k] ?? NaN;
    ssim += f.ssimY[k] ?? NaN;
    frames++;
  }
  if (frames === 0) return undefined;
  mse /= frames;
  return { psnrY: mse === 0 ? 100 : Math.min(100, 10 * Math.log10((255 * 255) / mse)), ssim: ssim / frames, frames };
}

/** Frames a `metadata=mode=print` file lists (one `frame:N pts:…` line each). */
export function countListedFrames(text: string): number {
  return text.split('\n').filter((line) => line.startsWith('frame:')).length;
}
