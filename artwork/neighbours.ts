/**
 * Evidence from the frames either side of a candidate: how much the picture is changing
 * (motion), whether the frame is a lower-contrast copy of a neighbour (fade), and whether it is
 * a blend of its two neighbours (dissolve). All on small luma thumbnails, so compression noise
 * and small motion average out.
 */
import type { Plane } from './thumbnail.ts';

/** Neighbour thumbnails flatter than this (luma std) carry no content to compare against. */
const MIN_NEIGHBOUR_STD = 8;

export interface FadeFit {
  /** Slope of the least-squares fit frame ≈ slope × neighbour + offset: < 1 means contrast lost. */
  readonly contrastRatio: number;
  /** R² of that fit, 0–1: near 1 means the same picture, rescaled. */
  readonly fit: number;
}

export interface DissolveFit {
  /** Weight of the earlier neighbour in frame ≈ α × before + (1 − α) × after. */
  readonly alpha: number;
  /** ‖frame − blend‖ / ‖before − after‖: small means the frame really is a blend. */
  readonly residual: number;
  /** Mean absolute luma difference between the two neighbours, 0–255. */
  readonly neighbourDifference: number;
}

export interface NeighbourEvidence {
  /** Mean absolute luma difference to the nearest neighbour, 0–255; absent without neighbours. */
  readonly meanAbsDifference?: number;
  /** One fit per neighbour with enough content. */
  readonly fades: readonly FadeFit[];
  /** Present only when both neighbours exist. */
  readonly dissolve?: DissolveFit;
}

/**
 * @param frame thumbnail of the frame being scored
 * @param before thumbnail of the nearest earlier frame, if any
 * @param after thumbnail of the nearest later frame, if any
 * @param nearest which neighbour is closest in time, for the motion figure
 */
export function compareWithNeighbours(
  frame: Plane,
  before: Plane | undefined,
  after: Plane | undefined,
  nearest: 'before' | 'after' | undefined,
): NeighbourEvidence {
  const fades: FadeFit[] = [];
  for (const nb of [before, after]) {
    if (nb === undefined || !sameShape(frame, nb)) continue;
    const fit = fadeFit(frame.values, nb.values);
    if (fit !== undefined) fades.push(fit);
  }
  const closest = nearest === 'before' ? before : nearest === 'after' ? after : (before ?? after);
  const meanAbsDifference = closest !== undefined && sameShape(frame, closest) ? meanAbsDiff(frame.values, closest.values) : undefined;
  const dissolve =
    before !== undefined && after !== undefined && sameShape(frame, before) && sameShape(frame, after)
      ? dissolveFit(frame.values, before.values, after.values)
      : undefined;
  return {
    fades,
    ...(meanAbsDifference === undefined ? {} : { meanAbsDifference }),
    ...(dissolve === undefined ? {} : { dissolve }),
  };
}

function sameShape(a: Plane, b: Plane): boolean {
  return a.widthPx === b.widthPx && a.heightPx === b.heightPx;
}

function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] as number) - (b[i] as number));
  return sum / a.length;
}

function fadeFit(frame: Float32Array, nb: Float32Array): FadeFit | undefined {
  const n = frame.length;
  let mf = 0,
    mn = 0;
  for (let i = 0; i < n; i++) {
    mf += frame[i] as number;
    mn += nb[i] as number;
  }
  mf /= n;
  mn /= n;
  let cov = 0,
    vf = 0,
    vn = 0;
  for (let i = 0; i < n; i++) {
    const df = (frame[i] as number) - mf;
    const dn = (nb[i] as number) - mn;
    cov += df * dn;
    vf += df * df;
    vn += dn * dn;
  }
  if (Math.sqrt(vn / n) < MIN_NEIGHBOUR_STD) return undefined;
  if (vf === 0) return { contrastRatio: 0, fit: 0 };
  return { contrastRatio: cov / vn, fit: (cov * cov) / (vf * vn) };
}

/** Undefined when the neighbours are identical: any frame "is a blend" of two equal frames. */
function dissolveFit(frame: Float32Array, before: Float32Array, after: Float32Array): DissolveFit | undefined {
  let dd = 0,
    fd = 0,
    absDiff = 0;
  for (let i = 0; i < frame.length; i++) {
    const d = (before[i] as number) - (after[i] as number);
    dd += d * d;
    fd += ((frame[i] as number) - (after[i] as number)) * d;
    absDiff += Math.abs(d);
  }
  const neighbourDifference = absDiff / frame.length;
  if (dd === 0) return undefined;
  const alpha = fd / dd;
  let rr = 0;
  for (let i = 0; i < frame.length; i++) {
    const blend = alpha * (before[i] as number) + (1 - alpha) * (after[i] as number);
    const r = (frame[i] as number) - blend;
    rr += r * r;
  }
  return { alpha, residual: Math.sqrt(rr / dd), neighbourDifference };
}
