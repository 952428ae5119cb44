/**
 * The tone mapping of a PQ or HLG master as a 3D LUT: the float chain (`toneMapCurveFilters`)
 * evaluated once on a grid of R'G'B' values and written as a `.cube` file, which every reader's
 * `lut3d` then interpolates. Pure: the grid, the arguments that evaluate the chain on it, the
 * file's text and name. Building the file on a machine is `tone-map-luts.ts`.
 *
 * Why: on 4K HLG the float chain cost about 230 ms of CPU a frame past the decode (zimg to
 * linear float, BT.2020 to BT.709, ffmpeg's `tonemap` in C floats, back to BT.709), several
 * times the x264 encodes of a 1080p ladder, and every reader of the master pays it: chunk
 * encodes, sample encodes, quality references, the scan, the artwork. Through the LUT it is
 * about 160 ms with the decode (55 ms) included (bench:tone-map), and the picture is the float chain's to 59-65 dB PSNR-Y on graded
 * camera, animation and screen footage. The worst case measured is 44.8 dB: bars of BT.2020's
 * most saturated colours at HLG's peak, where the codec leaves R'G'B' a little below zero and
 * `lut3d`, whose domain starts at 0, clamps what the chain would have carried. Every reader uses
 * the same LUT, so what the ladder measures is still what viewers get.
 */
import path from 'node:path';
import { TONE_MAP_LUT_DIR, TONE_MAP_LUT_SIZE, toneMapCurveFilters, toneMapLutFile, type ToneMapCurve } from './tone-map.ts';

/** The grid as one `gbrpf32le` frame of `size`² x `size` pixels, red fastest then green then blue (the order of a `.cube` file's lines). */
export function lutGridFrame(size = TONE_MAP_LUT_SIZE): { readonly width: number; readonly height: number; readonly data: Buffer } {
  const n = size ** 3;
  const planes = { g: new Float32Array(n), b: new Float32Array(n), r: new Float32Array(n) };
  let i = 0;
  for (let b = 0; b < size; b++)
    for (let g = 0; g < size; g++)
      for (let r = 0; r < size; r++) {
        planes.r[i] = r / (size - 1);
        planes.g[i] = g / (size - 1);
        planes.b[i] = b / (size - 1);
        i++;
      }
  // gbrp planes are stored green, blue, red.
  const data = Buffer.concat([planes.g, planes.b, planes.r].map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
  return { width: size * size, height: size, data };
}

/** ffmpeg evaluating the curve on the grid frame in `gridFile`, writing the result raw to `outputFile`. */
export function lutEvaluationArgs(t: ToneMapCurve, gridFile: string, outputFile: string, size = TONE_MAP_LUT_SIZE): string[] {
  return [
    '-v',
    'error',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'gbrpf32le',
    '-video_size',
    `${size * size}x${size}`,
    '-i',
    gridFile,
    '-vf',
    toneMapCurveFilters(t).join(','),
    '-frames:v',
    '1',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'gbrpf32le',
    outputFile,
  ];
}

export class ToneMapLutError extends Error {
  override readonly name = 'ToneMapLutError';
  readonly code = 'VF_TONE_MAP_LUT';
}

/** The `.cube` text of an evaluated grid (`gbrpf32le` bytes), R G B per line as the format orders them, linear light unclipped. */
export function cubeText(evaluated: Buffer, size = TONE_MAP_LUT_SIZE): string {
  const n = size ** 3;
  if (evaluated.length !== n * 12) throw new ToneMapLutError(`Expected ${n * 12} bytes of evaluated grid, got ${evaluated.length}`);
  const f = new Float32Array(new Uint8Array(evaluated).buffer);
  const lines = [`LUT_3D_SIZE ${size}`];
  for (let i = 0; i < n; i++) {
    const [g, b, r] = [f[i], f[n + i], f[2 * n + i]];
    if (!(Number.isFinite(r) && Number.isFinite(g) && Number.isFinite(b)))
      throw new ToneMapLutError(`grid point ${i} evaluated to ${r} ${g} ${b}`);
    lines.push(`${(r ?? 0).toFixed(6)} ${(g ?? 0).toFixed(6)} ${(b ?? 0).toFixed(6)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The curve a LUT file of {@link toneMapLutFile}'s naming maps, or undefined for any other path (checked by rebuilding its name). */
export function toneMapCurveOfLutFile(file: string, dir = TONE_MAP_LUT_DIR): ToneMapCurve | undefined {
  if (path.dirname(file) !== dir) return undefined;
  const m = /^(smpte2084|arib-std-b67)_(bt2020|bt709|smpte432|smpte431)_(\d{3,5})_[0-9a-f]{12}\.cube$/.exec(path.basename(file));
  if (m === null) return undefined;
  const curve = { transfer: m[1], primaries: m[2], peakNits: Number(m[3]) } as ToneMapCurve;
  return toneMapLutFile(curve, dir) === file ? curve : undefined;
}
