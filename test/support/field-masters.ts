import { rm } from 'node:fs/promises';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { testPatternInputs } from './media.ts';

/** One second past which a 33-bit 90 kHz MPEG-TS clock wraps to 0: 2^33 / 90000 s. */
export const TS_CLOCK_WRAP_S = 2 ** 33 / 90_000;

export interface BroadcastTsSpec {
  readonly durationS: number;
  /** Where the transport stream's clock starts (`-output_ts_offset`), in seconds. @defaultValue ffmpeg's 1.4 s */
  readonly clockStartS?: number;
  /** A second program (its own picture and AC-3), as a multiplex carries several services. @defaultValue false */
  readonly secondProgram?: boolean;
}

/**
 * A PAL broadcast master as archives hold them: 720x576 MPEG-2 coded interlaced (top field
 * first, 16:15 pixels: 4:3 on screen), 25 frames (50 fields) a second, AC-3 stereo, in an
 * MPEG transport stream. The picture is interlaced for real: each field is its own instant
 * (a 50 fps pattern woven two fields a frame), as a video camera records it.
 */
export async function makeBroadcastTs(file: string, spec: BroadcastTsSpec): Promise<void> {
  const video = (pattern: string): string[] => ['-f', 'lavfi', '-i', `${pattern}=size=720x576:rate=50`];
  const tone = (hz: number): string[] => ['-f', 'lavfi', '-i', `sine=frequency=${hz}:sample_rate=48000`];
  const second = spec.secondProgram === true;
  await runFfmpeg([
    ...video('testsrc2'),
    ...tone(440),
    ...(second ? [...video('smptebars'), ...tone(880)] : []),
    '-t',
    String(spec.durationS),
    ...(second ? ['-map', '0:v', '-map', '1:a', '-map', '2:v', '-map', '3:a'] : ['-map', '0:v', '-map', '1:a']),
    '-vf',
    'tinterlace=mode=interleave_top,setfield=tff,setsar=16/15',
    '-c:v',
    'mpeg2video',
    '-flags',
    '+ilme+ildct',
    '-top',
    '1',
    '-b:v',
    '4M',
    '-g',
    '12',
    '-bf',
    '2',
    '-c:a',
    'ac3',
    '-b:a',
    '192k',
    ...(second ? ['-program', 'program_num=1:title=one:st=0:st=1', '-program', 'program_num=2:title=two:st=2:st=3'] : []),
    ...(spec.clockStartS === undefined ? [] : ['-output_ts_offset', String(spec.clockStartS)]),
    '-f',
    'mpegts',
    file,
  ]);
}

/**
 * A phone clip as phones record portrait video: the sensor's landscape picture (`width` x
 * `height`, H.264/AAC in MP4) with a display matrix that turns it upright. ffmpeg 5.1 writes
 * the matrix only when the stream is copied, so the clip is encoded first and then remuxed.
 */
export async function makeRotatedClip(
  file: string,
  spec: { width: number; height: number; durationS: number; fps: number },
): Promise<void> {
  const plain = `${file}.plain.mp4`;
  await runFfmpeg([
    ...testPatternInputs(spec),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '18',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    plain,
  ]);
  await runFfmpeg(['-i', plain, '-map', '0', '-c', 'copy', '-metadata:s:v:0', 'rotate=90', file]);
  await rm(plain, { force: true });
}
