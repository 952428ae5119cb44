/**
 * The second instrument of `bench:windows`: a whole title encoded by a plain ffmpeg command with
 * the final encode's x264 settings at one CRF (capped as a rung is, or not), its packets listed
 * by ffprobe and each frame compared with the master by ffmpeg's psnr, paired by index. Nothing
 * here is vodforge's: only the settings' values are read.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runFfmpeg, runProbe } from '../ffmpeg/run.ts';
import type { EncodeSettings } from '../ffmpeg/encode-settings.ts';

/** Per second of the title (from its first frame): what the encode spent and lost. */
export interface PlainSeconds {
  readonly bits: readonly number[];
  /** Sum of the luma MSE of the second's frames, and how many there were. */
  readonly mseSum: readonly number[];
  readonly frames: readonly number[];
  /** Frames encoded and frames compared: unequal means the pairing is not proven. */
  readonly encodedFrames: number;
  readonly comparedFrames: number;
}

export interface PlainEncode {
  readonly crf: number;
  readonly settings: Pick<EncodeSettings, 'preset' | 'gopS'>;
  /** A rung's VBV: peak rate and buffer, kbit/s and kbit. Absent: uncapped. */
  readonly cap?: { readonly maxrateKbps: number; readonly bufsizeKbit: number };
}

/** The master at its own size, even (x264's 4:2:0), as both the encode and the comparison see it. */
const PICTURE = 'scale=trunc(iw/2)*2:trunc(ih/2)*2,format=yuv420p';

/** Encodes `master` whole as `how` says, in `dir` under `tag`, and measures it per second. */
export async function plainSeconds(master: string, how: PlainEncode, dir: string, tag: string): Promise<PlainSeconds> {
  const encoded = path.join(dir, `${tag}.mkv`);
  const cap =
    how.cap === undefined ? [] : ['-maxrate', `${Math.round(how.cap.maxrateKbps)}k`, '-bufsize', `${Math.round(how.cap.bufsizeKbit)}k`];
  await runFfmpeg([
    ...['-i', master, '-map', '0:v:0', '-an', '-sn', '-dn', '-vf', PICTURE],
    ...['-c:v', 'libx264', '-preset', how.settings.preset, '-crf', String(how.crf), ...cap],
    ...['-force_key_frames', `expr:gte(t,n_forced*${how.settings.gopS})`, '-sc_threshold', '0', '-x264-params', 'open_gop=0:scenecut=0'],
    // Every decoded frame, as the final encode keeps them: the comparison pairs them by index.
    ...['-fps_mode', 'passthrough', encoded],
  ]);
  const listed = await runProbe([
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'packet=pts_time,size',
    '-of',
    'csv=p=0',
    encoded,
  ]);
  const packets = listed.stdout
    .trim()
    .split('\n')
    .map((l) => l.split(',').map(Number) as [number, number])
    .filter(([t, size]) => Number.isFinite(t) && Number.isFinite(size))
    .sort((a, b) => a[0] - b[0]);
  const stats = path.join(dir, `${tag}.psnr`);
  const numbered = 'settb=AVTB,setpts=N*1000';
  await runFfmpeg([
    ...['-i', encoded, '-i', master],
    ...['-lavfi', `[0:v]${numbered}[a];[1:v:0]${PICTURE},${numbered}[b];[a][b]psnr=stats_file=${stats}`],
    ...['-enc_time_base', '1:1000000', '-f', 'null', '-'],
  ]);
  const mse = (await readFile(stats, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => Number(/mse_y:([\d.]+)/.exec(l)?.[1]));
  const first = packets[0]?.[0] ?? 0;
  const bits: number[] = [];
  const mseSum: number[] = [];
  const frames: number[] = [];
  packets.forEach(([t, size], n) => {
    const sec = Math.max(0, Math.floor(t - first + 1e-6));
    bits[sec] = (bits[sec] ?? 0) + size * 8;
    const m = mse[n];
    if (m === undefined) return;
    mseSum[sec] = (mseSum[sec] ?? 0) + m;
    frames[sec] = (frames[sec] ?? 0) + 1;
  });
  const dense = (a: number[]): number[] => Array.from({ length: bits.length }, (_, i) => a[i] ?? 0);
  return { bits: dense(bits), mseSum: dense(mseSum), frames: dense(frames), encodedFrames: packets.length, comparedFrames: mse.length };
}

/** Bits per second over [startS, endS), seconds counted for the share of them inside. */
export function spanRate(s: PlainSeconds, startS: number, endS: number): number {
  return over(s.bits, startS, endS) / (endS - startS);
}

/** Mean MSE of the frames of [startS, endS), seconds counted for the share of them inside. */
export function spanMse(s: PlainSeconds, startS: number, endS: number): number {
  return over(s.mseSum, startS, endS) / over(s.frames, startS, endS);
}

function over(values: readonly number[], startS: number, endS: number): number {
  let sum = 0;
  for (let sec = Math.max(0, Math.floor(startS)); sec < endS && sec < values.length; sec++)
    sum += (values[sec] ?? 0) * (Math.min(endS, sec + 1) - Math.max(startS, sec));
  return sum;
}
