import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runFfmpeg, runProbe } from '../../ffmpeg/run.ts';
import type { CropMeasurement } from '../../workers/measure/active-area.ts';
import { keyframeCrops as measureKeyframeCrops } from '../../workers/measure/keyframe-crops.ts';

export interface MasterSpec {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly durationS: number;
  readonly audio?: boolean;
  /** The tone's own length, when it is not the picture's (sound running past the last picture). */
  readonly audioDurationS?: number;
}

/** ffmpeg inputs of a synthetic master: the moving test pattern with its frame counter, and a 440 Hz tone, cut to the duration. */
export function testPatternInputs(
  spec: Pick<MasterSpec, 'width' | 'height' | 'fps' | 'durationS' | 'audioDurationS'>,
  audio = true,
): string[] {
  const picture = `testsrc2=size=${spec.width}x${spec.height}:rate=${spec.fps}`;
  const tone = 'sine=frequency=440:sample_rate=48000';
  if (spec.audioDurationS !== undefined)
    return [
      ...['-f', 'lavfi', '-i', `${picture}:duration=${spec.durationS}`],
      ...(audio ? ['-f', 'lavfi', '-i', `${tone}:duration=${spec.audioDurationS}`] : []),
    ];
  return [...['-f', 'lavfi', '-i', picture], ...(audio ? ['-f', 'lavfi', '-i', tone] : []), ...['-t', String(spec.durationS)]];
}

/** A synthetic master: moving test pattern with a frame counter, a tone, H.264/AAC in MP4. */
export async function makeMaster(file: string, spec: MasterSpec): Promise<void> {
  const audio = spec.audio ?? true;
  await runFfmpeg([
    ...testPatternInputs(spec, audio),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '18',
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(spec.fps * 2),
    ...(audio ? ['-c:a', 'aac', '-b:a', '128k'] : []),
    '-movflags',
    '+faststart',
    file,
  ]);
}

export async function makeAudioOnly(file: string, durationS = 5): Promise<void> {
  await runFfmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(durationS), '-c:a', 'aac', file]);
}

export async function makeTextFile(file: string): Promise<void> {
  await writeFile(file, 'this is not a video\n'.repeat(1000));
}

export interface FrameInfo {
  readonly ptsS: number;
  readonly key: boolean;
  readonly type: string;
}

/** Every decoded frame of a stream, in presentation order. */
export async function frames(file: string, stream: 'v:0' | 'a:0' = 'v:0'): Promise<FrameInfo[]> {
  const out = await runProbe([
    '-v',
    'error',
    '-select_streams',
    stream,
    '-show_entries',
    'frame=pts_time,key_frame,pict_type',
    '-of',
    'json',
    file,
  ]);
  const parsed = JSON.parse(out.stdout) as { frames: { pts_time?: string; key_frame?: number; pict_type?: string }[] };
  return parsed.frames.map((f) => ({ ptsS: Number(f.pts_time), key: f.key_frame === 1, type: f.pict_type ?? '?' }));
}

export async function probeJson(
  file: string,
): Promise<{ format: { duration: string; bit_rate?: string }; streams: Record<string, unknown>[] }> {
  const out = await runProbe(['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file]);
  return JSON.parse(out.stdout) as { format: { duration: string; bit_rate?: string }; streams: Record<string, unknown>[] };
}

export async function countFrames(file: string): Promise<number> {
  const out = await runProbe([
    '-v',
    'error',
    '-count_frames',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=nb_read_frames',
    '-of',
    'csv=p=0',
    file,
  ]);
  return Number(out.stdout.trim());
}

/** Every keyframe of a file measured as the probe job measures masters (`keyframeCrops`); scratch files go beside `metadataFile`. */
export async function keyframeCrops(file: string, metadataFile: string): Promise<CropMeasurement[]> {
  const dir = `${metadataFile}.d`;
  await mkdir(dir, { recursive: true });
  const measured = await measureKeyframeCrops(file, dir);
  if (measured === undefined) throw new Error(`${file}: the two cropdetect reads listed different keyframes`);
  return measured;
}

/** Cues of the subtitle tracks {@link makeMultiTrackMaster} writes: one every 2 s, a language's word and its number. */
export function subtitleCues(language: 'eng' | 'ger', durationS: number): { startS: number; endS: number; text: string }[] {
  const word = language === 'eng' ? 'Hello' : 'Hallo';
  return Array.from({ length: Math.floor(durationS / 2) }, (_, i) => ({ startS: i * 2 + 0.5, endS: i * 2 + 1.5, text: `${word} ${i}` }));
}

/** SubRip text of `cues`. */
export function srt(cues: readonly { startS: number; endS: number; text: string }[]): string {
  const t = (s: number): string => new Date(s * 1000).toISOString().slice(11, 23).replace('.', ',');
  return cues.map((c, i) => `${i + 1}\n${t(c.startS)} --> ${t(c.endS)}\n${c.text}\n`).join('\n');
}

/**
 * A Matroska master as studios deliver them: English AAC stereo (loud, default), French AC-3
 * 5.1 (quiet, with peaks: normalising it takes loudnorm's limiter), English and German SRT
 * subtitles. The two audio streams sit at different loudness so normalisation shows.
 */
export async function makeMultiTrackMaster(file: string, durationS = 8): Promise<void> {
  const dir = path.dirname(file);
  const subs = { eng: path.join(dir, 'eng.srt'), ger: path.join(dir, 'ger.srt') };
  await writeFile(subs.eng, srt(subtitleCues('eng', durationS)));
  await writeFile(subs.ger, srt(subtitleCues('ger', durationS)));
  await runFfmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=640x360:rate=25:duration=${durationS}`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=48000:duration=${durationS},volume=4`,
    '-f',
    'lavfi',
    '-i',
    // Quiet, with a near full-scale click each second: no single gain reaches -23 LUFS without clipping.
    `aevalsrc=0.02*sin(2*PI*660*t)+if(lt(mod(t\\,1)\\,0.0005)\\,0.9\\,0):s=48000:d=${durationS},pan=5.1|FL=c0|FR=c0`,
    '-i',
    subs.eng,
    '-i',
    subs.ger,
    '-map',
    '0:v',
    '-map',
    '1:a',
    '-map',
    '2:a',
    '-map',
    '3:s',
    '-map',
    '4:s',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-c:a:0',
    'aac',
    '-c:a:1',
    'ac3',
    '-c:s',
    'srt',
    '-metadata:s:a:0',
    'language=eng',
    '-metadata:s:a:1',
    'language=fre',
    '-metadata:s:s:0',
    'language=eng',
    '-metadata:s:s:1',
    'language=ger',
    '-disposition:a:0',
    'default',
    '-disposition:a:1',
    '0',
    file,
  ]);
}

/** Integrated loudness (LUFS) and true peak (dBTP) by ffmpeg's `ebur128` filter: an instrument apart from `loudnorm`. */
export async function ebur128(file: string): Promise<{ integratedLufs: number; truePeakDbtp: number }> {
  const out = await runFfmpeg(['-nostats', '-i', file, '-map', '0:a:0', '-af', 'ebur128=peak=true', '-f', 'null', '-']);
  const summary = out.stderrTail.slice(out.stderrTail.lastIndexOf('Summary:'));
  const integratedLufs = Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)?.[1]);
  const truePeakDbtp = Number(/Peak:\s+(-?[\d.]+|-inf) dBFS/.exec(summary)?.[1]);
  return { integratedLufs, truePeakDbtp };
}

/** ffprobe's packets of the first stream of a file (a subtitle file: one packet a cue). */
export async function probePackets(file: string): Promise<{ pts_time: string; duration_time: string }[]> {
  const out = await runProbe(['-v', 'error', '-show_packets', '-of', 'json', file]);
  return (JSON.parse(out.stdout) as { packets?: { pts_time: string; duration_time: string }[] }).packets ?? [];
}

/** A Matroska master whose second audio stream is AAC with every packet corrupted (ffmpeg's `noise` bitstream filter): it does not decode. */
export async function makeBrokenAudioMaster(file: string, durationS = 4): Promise<void> {
  await runFfmpeg([
    ...['-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=25:duration=${durationS}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${durationS}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=550:sample_rate=48000:duration=${durationS}`],
    ...['-map', '0:v', '-map', '1:a', '-map', '2:a', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'],
    ...['-c:a', 'aac', '-bsf:a:1', 'noise=amount=1', file],
  ]);
}

/**
 * A master damaged in the middle, as a disk or a copy damages one: its header, start and end are
 * intact (it passes the ingest checks), but a tenth of its bytes halfway through are overwritten
 * with a fixed pseudo-random pattern, so frames there do not decode. No audio: the damage is the
 * picture's alone.
 */
export async function makeDamagedMaster(file: string): Promise<void> {
  await makeMaster(file, { width: 320, height: 240, fps: 25, durationS: 8, audio: false });
  const bytes = await readFile(file);
  let seed = 7;
  for (let i = Math.floor(bytes.length * 0.45); i < Math.floor(bytes.length * 0.55); i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    bytes[i] = seed >>> 16;
  }
  await writeFile(file, bytes);
}

/** A master whose picture stops at 5 s while its sound runs to 20 s (a logo, then music): whole, not truncated. */
export async function makeEarlyPictureEnd(file: string): Promise<void> {
  await runFfmpeg([
    ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=5'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=20'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart', file],
  ]);
}
