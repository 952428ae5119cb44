/**
 * The masters `bench:pipeline` runs: real footage from the corpus, a 75 s cut of mixed real
 * footage at 720p30 (the shape of issue 19's own test master), and the generated one;
 * `bench:fleet` cuts the same footage at 1080p30.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runFfmpeg } from '../ffmpeg/run.ts';
import { realMasters } from '../test/support/corpus.ts';
import { makeMaster } from '../test/support/media.ts';

export interface BenchMaster {
  readonly name: string;
  readonly file: string;
  readonly description: string;
}

/** Stretches of corpus clips, in order, that make the mixed master: [clip, start s, length s]. */
const MIXED: readonly (readonly [string, number, number])[] = [
  ['launch', 0, 8],
  ['megamind', 0, 11],
  ['city', 0, 7.5],
  ['vtest', 10, 16],
  ['screen', 5, 12],
  ['tree', 0, 12],
  ['bunny-mkv', 0, 3.5],
  ['launch', 0, 5],
];

/** The length of one pass through {@link MIXED}, s. */
const MIXED_S = MIXED.reduce((s, [, , lengthS]) => s + lengthS, 0);

/** A frame size, in pixels. */
export interface MasterSize {
  readonly width: number;
  readonly height: number;
}

/**
 * `durationS` of real camera, 3D animation, CCTV, screen and handheld footage, each scaled
 * into a `size` frame at 30 fps, in one x264 veryfast CRF 12 file with the launch clip's audio
 * looped under it: a studio-like master whose complexity changes at every cut. The corpus'
 * stretches run in order, again from the first past {@link MIXED_S}. Made once per `dir`.
 */
export async function mixedRealMaster(dir: string, size: MasterSize, durationS: number = MIXED_S): Promise<BenchMaster> {
  const { width, height } = size;
  const file = path.join(dir, `mixed-real-${width}x${height}-${durationS}s.mp4`);
  const clips = new Map((await realMasters()).map((m) => [m.name, m.file]));
  const stretches: (readonly [string, number, number])[] = [];
  for (let coveredS = 0; coveredS < durationS; ) {
    const stretch = MIXED[stretches.length % MIXED.length]!;
    stretches.push(stretch);
    coveredS += stretch[2];
  }
  if (!existsSync(file)) {
    const inputs = stretches.flatMap(([name, startS, lengthS]) => {
      const source = clips.get(name);
      if (source === undefined) throw new Error(`mixed master: no corpus clip ${name}`);
      return ['-ss', String(startS), '-t', String(lengthS), '-i', source];
    });
    const fit = `scale=${width}:${height}:force_original_aspect_ratio=decrease,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2`;
    const parts = stretches.map((_, i) => `[${i}:v:0]${fit},setsar=1,fps=30,format=yuv420p[v${i}]`);
    const graph = [...parts, `${stretches.map((_, i) => `[v${i}]`).join('')}concat=n=${stretches.length}:v=1:a=0[v]`].join(';');
    const audio = clips.get('launch') ?? '';
    await runFfmpeg([
      ...inputs,
      '-stream_loop',
      '-1',
      '-i',
      audio,
      '-filter_complex',
      graph,
      '-map',
      '[v]',
      '-map',
      `${stretches.length}:a:0`,
      '-shortest',
      '-t',
      String(durationS),
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-crf',
      '12',
      '-c:a',
      'aac',
      '-ac',
      '2',
      file,
    ]);
  }
  return {
    name: 'mixed-real',
    file,
    description: `${durationS} s of mixed real footage at ${width}x${height}@30 (corpus clips, cut together)`,
  };
}

/**
 * A browser's recording of the mixed real footage: `durationS` at 640x360@30 in VP8 with one
 * keyframe, as MediaRecorder writes it, and Opus sound. Every read of it that does not start
 * at 0 decodes from 0. Made once per `dir`.
 */
export async function oneKeyframeMaster(dir: string, durationS = 4 * MIXED_S): Promise<BenchMaster> {
  const source = await mixedRealMaster(dir, { width: 640, height: 360 }, durationS);
  const file = path.join(dir, `one-keyframe-${durationS}s.webm`);
  if (!existsSync(file)) {
    await runFfmpeg([
      '-i',
      source.file,
      // kf_max_dist and kf_min_dist past the title: libvpx places no keyframe but the first. The
      // good deadline on one thread, not realtime, whose speed (and so its bits) follows the
      // machine's load: every run of the bench measures the same master.
      ...[
        '-c:v',
        'libvpx',
        '-deadline',
        'good',
        '-cpu-used',
        '5',
        '-threads',
        '1',
        '-b:v',
        '1M',
        '-g',
        '1000000',
        '-keyint_min',
        '1000000',
      ],
      ...['-c:a', 'libopus', '-b:a', '96k'],
      file,
    ]);
  }
  return { name: 'one-keyframe', file, description: `${durationS} s browser recording, VP8 at 640x360@30 with one keyframe` };
}

/** Every master of the bench, those whose name matches `only`. */
export async function benchMasters(dir: string, durationS: number, only: RegExp): Promise<BenchMaster[]> {
  const generated = path.join(dir, 'generated.mp4');
  const masters: BenchMaster[] = [];
  if (only.test('generated')) {
    await makeMaster(generated, { width: 1280, height: 720, fps: 30, durationS });
    masters.push({ name: 'generated', file: generated, description: `${durationS} s generated test pattern at 1280x720@30` });
  }
  if (only.test('mixed-real')) masters.push(await mixedRealMaster(dir, { width: 1280, height: 720 }));
  if (only.test('vtest')) {
    const vtest = (await realMasters()).find((m) => m.name === 'vtest');
    if (vtest === undefined) throw new Error('no vtest in the corpus');
    masters.push({ name: 'vtest', file: vtest.file, description: '79.5 s CCTV footage at 768x576@10 (opencv-doc vtest.avi)' });
  }
  return masters;
}

/** The generated master, for the parts of the bench that need one title (tracks, fairness, crash). */
export function generatedMaster(masters: readonly BenchMaster[]): BenchMaster | undefined {
  return masters.find((m) => m.name === 'generated');
}
