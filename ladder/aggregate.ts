import type { RdPoint } from './types.ts';
import type { RateQualityPoint } from './bd-rate.ts';
import { pooledPsnrDb } from './pooled-psnr.ts';

/** The rate-quality points one sample window produced, and the share of the title it stands for. */
export interface WindowPoints {
  readonly weight: number;
  /** How much harder to code that share is than the window (`windowRateScale`); absent: 1. */
  readonly rateScale?: number;
  /** How much more that share loses at one CRF than the window (`windowMseScale`); absent: 1. */
  readonly mseScale?: number;
  readonly points: readonly RdPoint[];
}

/**
 * A window's PSNR-Y as the share of the title it stands for: its MSE scaled by `mseScale`, weighted
 * by `weight`, a part for `pooledPsnrDb`. The prediction pools samples so, and a published rung's
 * own frames inside the windows are pooled the same way to be compared with it (`measure-rungs.ts`).
 */
export function standInPsnr(psnrY: number, win: Pick<WindowPoints, 'weight' | 'mseScale'>): { psnrDb: number; weight: number } {
  return { psnrDb: psnrY - 10 * Math.log10(win.mseScale ?? 1), weight: win.weight };
}

/**
 * One title-level point per (size, CRF): bitrate and quality averaged over the windows,
 * each window weighted by the share of the title it represents, its bitrate scaled to what that
 * share costs (`rateScale`); PSNR pooled in MSE (`pooledPsnrDb`), as the title's own figure is,
 * each window's MSE scaled to what that share loses (`mseScale`). SSIM is averaged as measured.
 */
export function aggregateWindows(windows: readonly WindowPoints[]): RdPoint[] {
  const acc = new Map<string, { p: RdPoint; w: number; rate: number; psnr: { psnrDb: number; weight: number }[]; ssim: number }>();
  for (const win of windows) {
    if (!(win.weight > 0)) continue;
    for (const p of win.points) {
      const key = `${p.width}x${p.height}@${p.crf}`;
      const a = acc.get(key) ?? { p, w: 0, rate: 0, psnr: [], ssim: 0 };
      a.w += win.weight;
      a.rate += win.weight * p.bitrateKbps * (win.rateScale ?? 1);
      a.psnr.push(standInPsnr(p.psnrY, win));
      a.ssim += win.weight * p.ssim;
      acc.set(key, a);
    }
  }
  return [...acc.values()].map((a) => ({
    width: a.p.width,
    height: a.p.height,
    crf: a.p.crf,
    bitrateKbps: a.rate / a.w,
    psnrY: pooledPsnrDb(a.psnr),
    ssim: a.ssim / a.w,
  }));
}

/**
 * The fixed ladder's rate-quality curve for this title, read off the measured per-size
 * curves: each fixed rung's quality at its bitrate, interpolated linearly in log-rate between
 * the two nearest CRF points of its size. A rung outside the measured range of its size is
 * left out rather than extrapolated.
 */
export function fixedLadderCurve(
  points: readonly RdPoint[],
  fixed: readonly { readonly width: number; readonly height: number; readonly bitrateKbps: number }[],
): RateQualityPoint[] {
  const out: RateQualityPoint[] = [];
  for (const rung of fixed) {
    const same = points.filter((p) => p.width === rung.width && p.height === rung.height).sort((a, b) => a.bitrateKbps - b.bitrateKbps);
    const x = Math.log(rung.bitrateKbps);
    for (let i = 0; i + 1 < same.length; i++) {
      const lo = same[i];
      const hi = same[i + 1];
      if (lo === undefined || hi === undefined) continue;
      const x0 = Math.log(lo.bitrateKbps);
      const x1 = Math.log(hi.bitrateKbps);
      if (x < x0 || x > x1 || x1 === x0) continue;
      out.push({ bitrateKbps: rung.bitrateKbps, quality: lo.psnrY + ((hi.psnrY - lo.psnrY) * (x - x0)) / (x1 - x0) });
      break;
    }
  }
  return out;
}

/** Keeps a curve's points whose quality strictly rises with rate (BD-rate needs a function of quality). */
export function monotoneCurve(points: readonly RateQualityPoint[]): RateQualityPoint[] {
  const sorted = [...points].sort((a, b) => a.bitrateKbps - b.bitrateKbps);
  const out: RateQualityPoint[] = [];
  for (const p of sorted) if (out.length === 0 || p.quality > (out.at(-1)?.quality ?? -Infinity)) out.push(p);
  return out;
}

/**
 * Adds points between each size's measured CRFs, interpolated linearly in CRF (log-rate
 * and quality are both close to linear in CRF over a few steps). Sampling every CRF would
 * cost an encode each; without the in-between points the hull has gaps of 3-5x in rate and
 * the rung steps cannot be kept near 1.5-2x. x264 takes any CRF, so every point is encodable.
 */
export function densifyCrf(points: readonly RdPoint[], stepCrf = 1): RdPoint[] {
  if (!(stepCrf > 0)) throw new RangeError(`Expected stepCrf > 0, got ${stepCrf}`);
  const bySize = new Map<string, RdPoint[]>();
  for (const p of points) {
    const key = `${p.width}x${p.height}`;
    bySize.set(key, [...(bySize.get(key) ?? []), p]);
  }
  const out: RdPoint[] = [];
  for (const group of bySize.values()) {
    const sorted = [...group].sort((a, b) => a.crf - b.crf);
    sorted.forEach((lo, i) => {
      out.push(lo);
      const hi = sorted[i + 1];
      if (hi === undefined) return;
      for (let crf = lo.crf + stepCrf; crf < hi.crf - 1e-9; crf += stepCrf) {
        const f = (crf - lo.crf) / (hi.crf - lo.crf);
        out.push({
          width: lo.width,
          height: lo.height,
          crf: Math.round(crf * 100) / 100,
          bitrateKbps: Math.exp(Math.log(lo.bitrateKbps) + f * (Math.log(hi.bitrateKbps) - Math.log(lo.bitrateKbps))),
          psnrY: lo.psnrY + f * (hi.psnrY - lo.psnrY),
          ssim: lo.ssim + f * (hi.ssim - lo.ssim),
        });
      }
    });
  }
  return out;
}
