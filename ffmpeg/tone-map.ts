/**
 * Tone mapping of PQ and HLG masters to the SDR BT.709 picture the H.264 ladder carries, as
 * part of the one definition of the title's frames (`source-frames.ts`): chunk encodes, sample
 * encodes and every quality reference see the same SDR frames (PSNR of an SDR rung against an
 * HDR reference would measure the tone mapping, not the encode), and the scan, the black-bar
 * detection and the artwork see the picture viewers will.
 *
 * The curve (zimg's `zscale` and ffmpeg's `tonemap`, {@link toneMapCurveFilters}), from the
 * master's R'G'B':
 * 1. `zscale` to linear light, in 32-bit float RGB. Every input property is given from the
 *    probe, never read from the frames: zimg refuses untagged frames ("no path between
 *    colorspaces"), and a reader must not depend on what a decoder attaches to a frame.
 *    `npl=100`: linear 1.0 is 100 cd/m², SDR reference white (BT.1886) and the unit of
 *    `tonemap`'s `peak` (its REFERENCE_WHITE). zimg scales PQ's absolute 10,000 cd/m² and HLG's
 *    1,000 cd/m² reference display by it.
 * 2. `zscale=p=bt709`: BT.2020 primaries to BT.709, still linear (out-of-gamut colours go
 *    negative or over 1 in float and are clipped when the reader makes Y'CbCr of them).
 * 3. `tonemap=hable:desat=0`: Hable's filmic curve keeps detail in highlights and shadows at
 *    the cost of slightly darker mid-tones (ffmpeg's documented trade-off against `mobius`,
 *    which keeps in-range brightness but flattens highlights); `desat=0` keeps highlight colours
 *    rather than fading them to white. `peak` is given, not read from each frame's side data
 *    (which HEVC attaches per coded video sequence, so it would depend on where a reader seeked).
 * 4. `zscale` to the BT.709 transfer (in the reader, after the LUT).
 *
 * Readers do not run steps 1-3: they are evaluated once per machine into a 3D LUT
 * (`tone-map-lut.ts`) that {@link toneMapFilters} applies, 8 bits only once tone-mapped, so a
 * 10-bit master is never squeezed to 8 bits as PQ code values.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { dynamicRangeOf, type VideoColour } from './video-colour.ts';

/** How a PQ or HLG master's frames are mapped to SDR; absent on an SDR master. Plain data: it travels in job data. */
export interface ToneMap {
  readonly transfer: 'smpte2084' | 'arib-std-b67';
  readonly primaries: ToneMapPrimaries;
  readonly matrix: ToneMapMatrix;
  readonly range: 'tv' | 'pc';
  /** Brightest light mapped to SDR white, cd/m²: above it everything clips. */
  readonly peakNits: number;
}

/** Primaries and matrices an HDR master is read with: the ones HDR10 and HLG use, named as both ffprobe and `zscale` name them. */
const PRIMARIES = ['bt2020', 'bt709', 'smpte432', 'smpte431'] as const;
const MATRICES = ['bt2020nc', 'bt2020c', 'bt709'] as const;
export type ToneMapPrimaries = (typeof PRIMARIES)[number];
export type ToneMapMatrix = (typeof MATRICES)[number];

/** cd/m² that linear 1.0 stands for (`zscale`'s `npl`): SDR reference white, and `tonemap`'s unit of `peak`. */
export const NOMINAL_PEAK_NITS = 100;

/**
 * PQ peak when the master states neither MaxCLL nor its mastering display: 1,000 cd/m², what
 * most HDR10 is graded on, and what ffmpeg's `tonemap` itself assumes after linearisation.
 * PQ's own ceiling (10,000) would map a 1,000-nit master's white to a dull grey.
 */
export const DEFAULT_PQ_PEAK_NITS = 1000;

/** HLG's peak: zimg converts HLG for its 1,000 cd/m² reference display (BT.2100), whatever the master states. */
export const HLG_PEAK_NITS = 1000;

/** Bounds of a stated PQ peak: the side data is the master's, so untrusted. */
const PQ_PEAK_RANGE_NITS = { min: 100, max: 10_000 } as const;

const pick = <T extends string>(allowed: readonly T[], value: string | undefined, fallback: T): T =>
  allowed.find((a) => a === value) ?? fallback;

/**
 * The tone mapping a master needs, from its colour: PQ and HLG are mapped; anything else is
 * SDR and left alone. Unstated or unusual primaries and matrices are read as BT.2020 (all HDR10
 * and HLG broadcast are), an unstated range as limited. A PQ master's peak is its MaxCLL, else
 * its mastering display's peak (the order ffmpeg's `tonemap` reads them in), else 1,000.
 */
export function toneMapOf(colour: VideoColour | undefined): ToneMap | undefined {
  const range = dynamicRangeOf(colour);
  if (colour === undefined || range === 'sdr') return undefined;
  const stated = colour.maxCllNits ?? colour.masteringPeakNits;
  const peakNits =
    range === 'hlg'
      ? HLG_PEAK_NITS
      : stated === undefined
        ? DEFAULT_PQ_PEAK_NITS
        : Math.min(PQ_PEAK_RANGE_NITS.max, Math.max(PQ_PEAK_RANGE_NITS.min, Math.round(stated)));
  return {
    transfer: range === 'pq' ? 'smpte2084' : 'arib-std-b67',
    primaries: pick(PRIMARIES, colour.primaries, 'bt2020'),
    matrix: pick(MATRICES, colour.matrix, 'bt2020nc'),
    range: colour.range ?? 'tv',
    peakNits,
  };
}

/**
 * Points along each axis of the grid, the size grading tools export. 33 was 5 to 8 dB further
 * from the float chain on every master measured; 96 parses in 0.61 s against 0.21 s in every
 * ffmpeg that opens it.
 */
export const TONE_MAP_LUT_SIZE = 64;

/**
 * Where a machine keeps its LUTs: built on first use by `ensureToneMapLuts` and kept, like a
 * cache. Local to each machine, never in job data: a LUT is a function of the tone map alone, so
 * every worker builds the same one from the same chain. One directory per user: the temporary
 * directory is shared, and a LUT another user could write would be the picture every title ships.
 */
export const TONE_MAP_LUT_DIR = path.join(os.tmpdir(), `vodforge-tone-map-luts-${process.getuid?.() ?? 'user'}`);

/** What the LUT depends on: not the matrix or range (the reader converts to full-range R'G'B' before it). */
export type ToneMapCurve = Pick<ToneMap, 'transfer' | 'primaries' | 'peakNits'>;

const num = (x: number): string => String(Number(x.toFixed(6)));

/**
 * The float chain from full-range R'G'B' (`gbrpf32le`, the master's transfer and primaries) to
 * linear BT.709 RGB, tone-mapped and unclipped. The LUT stores linear light, not BT.709's
 * R'G'B': where a colour leaves BT.709's gamut a channel crosses zero, and the transfer curve's
 * power law there is a kink no grid interpolates (64 points gave 41.9 dB against the float chain
 * on a PQ test pattern, 128 points 45.7). In linear light the same LUT gives 54.6 dB, and the
 * reader's `zscale` applies the transfer exactly, clipping negatives as the chain did.
 */
export function toneMapCurveFilters(t: ToneMapCurve): string[] {
  return [
    `zscale=tin=${t.transfer}:pin=${t.primaries}:rin=pc:t=linear:p=${t.primaries}:npl=${NOMINAL_PEAK_NITS}`,
    'format=gbrpf32le',
    'zscale=p=bt709',
    `tonemap=tonemap=hable:desat=0:peak=${num(t.peakNits / NOMINAL_PEAK_NITS)}`,
    'format=gbrpf32le',
  ];
}

/**
 * The file a tone map's LUT lives in: named by what it maps (readable in a graph) and by a
 * digest of the chain and grid that make it, so a changed chain never reads a stale LUT.
 */
export function toneMapLutFile(t: ToneMapCurve, dir = TONE_MAP_LUT_DIR): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([TONE_MAP_LUT_SIZE, toneMapCurveFilters(t)]))
    .digest('hex')
    .slice(0, 12);
  return path.join(dir, `${t.transfer}_${t.primaries}_${t.peakNits}_${digest}.cube`);
}

/**
 * The filters mapping decoded HDR frames to 8-bit SDR BT.709 `yuv420p`; nothing for an SDR
 * master. The curve runs as a 3D LUT (`tone-map-lut.ts`): the frames go to full-range R'G'B'
 * float with their transfer and primaries kept (the matrix and range are the only conversion),
 * the LUT maps them to linear BT.709 RGB, and `zscale` applies BT.709's transfer and makes
 * limited-range BT.709 Y'CbCr of them.
 * Every property is stated on both `zscale`s: `lut3d` leaves the frames tagged PQ or HLG.
 */
export function toneMapFilters(t: ToneMap | undefined): string[] {
  if (t === undefined) return [];
  return [
    `zscale=tin=${t.transfer}:t=${t.transfer}:pin=${t.primaries}:p=${t.primaries}:min=${t.matrix}:rin=${t.range}:r=pc`,
    'format=gbrpf32le',
    `lut3d=file=${toneMapLutFile(t)}:interp=tetrahedral`,
    'zscale=tin=linear:t=bt709:pin=bt709:p=bt709:rin=pc:m=bt709:r=tv',
    'format=yuv420p',
  ];
}

/**
 * Colour tags of an x264 output made from tone-mapped frames: BT.709, said explicitly rather
 * than left to the tags `zscale` puts on the frames. An SDR master's outputs get none: ffmpeg
 * passes the master's own tags on, and a BT.601 SD master's pixels are BT.601, so tagging every
 * rung BT.709 would mislabel them.
 */
export function toneMappedOutputTags(t: ToneMap | undefined): string[] {
  return t === undefined ? [] : ['-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709', '-color_range', 'tv'];
}
