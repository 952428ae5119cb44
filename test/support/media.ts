import { readFile, writeFile } from 'node:fs/promises';
import { runFfmpeg, runProbe } from '../../ffmpeg/run.ts';
import { buildCropDetectArgs } from '../../ffmpeg/analysis-args.ts';
import { BLACK_LIMIT, parseCropdetectMetadata, type CropMeasurement } from '../../workers/measure/active-area.ts';

export interface MasterSpec {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly durationS: number;
  readonly audio?: boolean;
}

/** A synthetic master: moving test pattern with a frame counter, a tone, H.264/AAC in MP4. */
export async function makeMaster(file: string, spec: MasterSpec): Promise<void> {
  const audio = spec.audio ?? true;
  await runFfmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${spec.width}x${spec.height}:rate=${spec.fps}`,
    ...(audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'] : []),
    '-t',
    String(spec.durationS),
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

/** `cropdetect` on every keyframe of a file, as the probe job measures masters; `metadataFile` is scratch. */
export async function keyframeCrops(file: string, metadataFile: string): Promise<CropMeasurement[]> {
  await runFfmpeg(buildCropDetectArgs({ kind: 'crop-detect', input: file, metadataFile, blackLimit: BLACK_LIMIT }));
  return parseCropdetectMetadata(await readFile(metadataFile, 'utf8'));
}
