/**
 * HDR masters for tests, and instruments that share no code with vodforge's tone mapping:
 * the textbook ffmpeg recipe (frames' own tags, `tonemap`'s own peak) and `signalstats`.
 */
import { spawn } from 'node:child_process';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { testPatternInputs } from './media.ts';

export type HdrTransfer = 'smpte2084' | 'arib-std-b67';

/**
 * A 10-bit HEVC master, BT.2020, PQ or HLG, tagged as cameras and graders tag them: a moving
 * test pattern whose white sits at 203 cd/m² (BT.2408's HDR reference white), with a tone.
 */
export async function makeHdrMaster(
  file: string,
  spec: { transfer: HdrTransfer; width: number; height: number; durationS: number; fps: number },
): Promise<void> {
  await runFfmpeg([
    ...testPatternInputs(spec),
    '-vf',
    `zscale=tin=bt709:min=bt709:pin=bt709:rin=tv:t=${spec.transfer}:m=bt2020nc:p=bt2020:r=tv:npl=203,format=yuv420p10le`,
    '-c:v',
    'libx265',
    '-preset',
    'ultrafast',
    '-x265-params',
    'log-level=error',
    '-crf',
    '16',
    '-g',
    String(spec.fps * 2),
    '-pix_fmt',
    'yuv420p10le',
    '-color_primaries',
    'bt2020',
    '-color_trc',
    spec.transfer,
    '-colorspace',
    'bt2020nc',
    '-color_range',
    'tv',
    '-tag:v',
    'hvc1',
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    file,
  ]);
}

/** The usual ffmpeg HDR-to-SDR recipe, as found in ffmpeg's and zimg's users' documentation: everything read from the frames. */
export const PLAIN_TONE_MAP =
  'zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p';

/**
 * The float chain as the textbook writes it, with every property and the peak stated: the picture
 * vodforge's tone map (a LUT of this curve) must agree with, written here apart from its code.
 */
export function textbookToneMap(transfer: HdrTransfer, peakNits = 1000): string {
  return (
    `zscale=tin=${transfer}:pin=bt2020:min=bt2020nc:rin=tv:t=linear:p=bt2020:npl=100,format=gbrpf32le,zscale=p=bt709,` +
    `tonemap=tonemap=hable:desat=0:peak=${peakNits / 100},zscale=t=bt709:m=bt709:r=tv,format=yuv420p`
  );
}

/** What a plain player does with HDR it does not understand: 10-bit code values squeezed to 8, shown as SDR. */
export const PLAIN_SQUEEZE = 'format=yuv420p';

function ffmpegStderr(args: readonly string[]): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const p = spawn('ffmpeg', ['-hide_banner', '-nostdin', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('error', reject);
    p.on('close', (code) =>
      code === 0 ? resolve(`${out}\n${err}`) : reject(new Error(`ffmpeg exited ${String(code)}: ${err.slice(-500)}`)),
    );
  });
}

/** Mean over the frames of `signalstats`' average, 10th and 90th percentile luma (8-bit scale), after `filters`. */
export async function lumaStats(file: string, filters: string): Promise<{ mean: number; low: number; high: number }> {
  const out = await ffmpegStderr(['-i', file, '-vf', `${filters},signalstats,metadata=mode=print:file=-`, '-f', 'null', '-']);
  const avg = (key: string): number => {
    const values = [...out.matchAll(new RegExp(`lavfi\\.signalstats\\.${key}=([\\d.]+)`, 'g'))].map((m) => Number(m[1]));
    if (values.length === 0) throw new Error(`signalstats printed no ${key}`);
    return values.reduce((a, b) => a + b, 0) / values.length;
  };
  return { mean: avg('YAVG'), low: avg('YLOW'), high: avg('YHIGH') };
}

/** PSNR-Y of `encoded` against `master` converted by `masterFilters` and scaled to the encode's size, frames in order. */
export async function psnrAgainst(encoded: string, master: string, masterFilters: string, width: number, height: number): Promise<number> {
  const graph = [
    '[0:v]format=yuv420p,settb=AVTB,setpts=N*1000[d]',
    `[1:v]${masterFilters},scale=${width}:${height}:flags=bicubic,format=yuv420p,settb=AVTB,setpts=N*1000[r]`,
    '[d][r]psnr',
  ].join(';');
  const out = await ffmpegStderr(['-i', encoded, '-i', master, '-lavfi', graph, '-f', 'null', '-']);
  const m = /PSNR y:(inf|[\d.]+)/.exec(out);
  if (m?.[1] === undefined) throw new Error(`psnr printed no summary: ${out.slice(-500)}`);
  return m[1] === 'inf' ? Infinity : Number(m[1]);
}
