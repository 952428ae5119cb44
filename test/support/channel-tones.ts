/**
 * Masters whose sound is one mix on several mono tracks, and the second instrument that tells
 * which channel of a rendition carries what: a plain ffmpeg decodes it to raw float samples,
 * and a Goertzel filter (textbook DSP, sharing no code with vodforge) gives each channel's
 * power at each test tone.
 */
import { spawn } from 'node:child_process';
import { runFfmpeg } from '../../ffmpeg/run.ts';

/** The tone each discrete track of {@link makeDiscreteMonoMaster} carries, by track; 0 is silence. */
export const TRACK_TONES_HZ = [440, 1000, 0, 0] as const;

/**
 * A broadcast-shaped master: MPEG-2 4:2:2 video in MXF OP1a with four mono 24-bit PCM tracks,
 * as XDCAM HD422 delivers them. Track 1 (left) is a 440 Hz tone, track 2 (right) 1 kHz,
 * tracks 3 and 4 are silent (unused).
 */
export async function makeDiscreteMonoMaster(file: string, durationS = 4): Promise<void> {
  const tone = (hz: number): string[] =>
    hz === 0
      ? ['-f', 'lavfi', '-i', `anullsrc=r=48000:cl=mono:d=${durationS}`]
      : ['-f', 'lavfi', '-i', `sine=f=${hz}:r=48000:d=${durationS}`];
  await runFfmpeg([
    ...['-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=25:duration=${durationS}`],
    ...TRACK_TONES_HZ.flatMap(tone),
    ...['-map', '0:v', ...TRACK_TONES_HZ.flatMap((_, k) => ['-map', `${k + 1}:a`])],
    ...['-c:v', 'mpeg2video', '-pix_fmt', 'yuv422p', '-b:v', '4M', '-c:a', 'pcm_s24le', '-f', 'mxf', file],
  ]);
}

/** The tone each channel of {@link makeEightChannelMaster} carries, by channel; 0 is silence. */
export const CHANNEL_TONES_HZ = [440, 1000, 660, 0, 0, 0, 0, 0] as const;

/**
 * A D-10-shaped master: MPEG-2 in MXF with one eight-channel 24-bit PCM stream that names no
 * layout. Its stereo mix is channels 0 (440 Hz) and 1 (1 kHz); channel 2 carries another
 * mix (660 Hz, as music and effects would); the rest is silent.
 */
export async function makeEightChannelMaster(file: string, durationS = 4): Promise<void> {
  const tones = CHANNEL_TONES_HZ.flatMap((hz) =>
    hz === 0
      ? ['-f', 'lavfi', '-i', `anullsrc=r=48000:cl=mono:d=${durationS}`]
      : ['-f', 'lavfi', '-i', `sine=f=${hz}:r=48000:d=${durationS}`],
  );
  const inputs = CHANNEL_TONES_HZ.map((_, k) => `[${k + 1}:a]`).join('');
  await runFfmpeg([
    ...['-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=25:duration=${durationS}`, ...tones],
    ...[
      '-filter_complex',
      `${inputs}amerge=inputs=${CHANNEL_TONES_HZ.length},pan=8c|${CHANNEL_TONES_HZ.map((_, k) => `c${k}=c${k}`).join('|')}[a]`,
    ],
    ...['-map', '0:v', '-map', '[a]', '-c:v', 'mpeg2video', '-b:v', '2M', '-c:a', 'pcm_s24le', '-f', 'mxf', file],
  ]);
}

/** Power of `samples` at `hz` (Goertzel), normalised by the length: a full-scale sine gives 0.25. */
export function tonePower(samples: Float32Array, sampleRateHz: number, hz: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / sampleRateHz);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const n = samples.length;
  return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (n * n);
}

/**
 * Each channel's power at each tone of an audio file (its first audio stream, or an HLS/DASH
 * rendition's init segment and media segments concatenated): `result[channel][tone]`.
 */
export async function channelTonePowers(file: string, tonesHz: readonly number[], sampleRateHz = 48000): Promise<number[][]> {
  const args = ['-v', 'error', '-i', file, '-map', '0:a:0', '-f', 'f32le', '-ar', String(sampleRateHz), '-'];
  const channels = await channelCount(file);
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += String(b)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg exited ${code}: ${err}`))));
  });
  const all = new Float32Array(raw.buffer, raw.byteOffset, Math.floor(raw.length / 4));
  const frames = Math.floor(all.length / channels);
  return Array.from({ length: channels }, (_, c) => {
    const mono = new Float32Array(frames);
    for (let i = 0; i < frames; i++) mono[i] = all[i * channels + c] ?? 0;
    return tonesHz.map((hz) => tonePower(mono, sampleRateHz, hz));
  });
}

async function channelCount(file: string): Promise<number> {
  const text = await new Promise<string>((resolve, reject) => {
    const child = spawn('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=channels', '-of', 'csv=p=0', file]);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += String(b)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`ffprobe exited ${code} on ${file}`))));
  });
  // The first field of the first line: ffprobe may add empty side-data sections after it.
  const n = Number(/^\s*(\d+)/.exec(text)?.[1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`ffprobe read no channel count from ${file}: ${JSON.stringify(text)}`);
  return n;
}
