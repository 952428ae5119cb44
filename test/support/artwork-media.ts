import { runFfmpeg } from '../../ffmpeg/run.ts';

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

/** A stretch of the generated title that must never provide artwork, seconds. */
export interface BadStretch {
  readonly kind: 'black' | 'fade' | 'blur' | 'text';
  readonly startS: number;
  readonly endS: number;
}

/**
 * Timeline of {@link makeArtworkMaster} (14 s). The artwork job samples bursts around 1, 3, 5 …
 * s and a little after each cut, so each bad stretch sits under at least one burst:
 *   0–2.5 testsrc2 · 2.5–3.5 black · 3.5–7.5 mandelbrot, fading out over 6.5–7.5 ·
 *   7.5–10.5 SMPTE bars with grain, Gaussian-blurred over 8.5–9.5 ·
 *   10.5–11.5 rolling credits on dark grey · 11.5–14 Conway's life in big cells.
 */
export const ARTWORK_MASTER_BAD_STRETCHES: readonly BadStretch[] = [
  { kind: 'black', startS: 2.5, endS: 3.5 },
  { kind: 'fade', startS: 6.5, endS: 7.5 },
  { kind: 'blur', startS: 8.5, endS: 9.5 },
  { kind: 'text', startS: 10.5, endS: 11.5 },
];
export const ARTWORK_MASTER_DURATION_S = 14;

const credits = (lines: readonly string[]): string =>
  lines
    .map((text, i) => `drawtext=fontfile=${FONT}:fontsize=22:fontcolor=white:text='${text}':x=(w-tw)/2:y=h*0.55+${i * 34}-t*160`)
    .join(',');

/** The generated master with known bad stretches (H.264 in MP4, no audio). */
export async function makeArtworkMaster(file: string, size = { width: 640, height: 360 }): Promise<void> {
  const s = `size=${size.width}x${size.height}:rate=25`;
  const names = [
    'Directed by A. Person',
    'Produced by B. Person',
    'Music by C. Person',
    'Edited by D. Person',
    'Camera E. Person',
    'Sound F. Person',
  ];
  const sources = [
    `testsrc2=${s}:duration=2.5`,
    `color=black:${s}:duration=1`,
    `mandelbrot=${s},trim=duration=4,fade=t=out:st=3:d=1`,
    `smptehdbars=${s}:duration=3,noise=alls=12:allf=t,gblur=sigma=10:enable='between(t,1,2)'`,
    `color=0x2a2e38:${s}:duration=1,${credits(names)}`,
    `life=s=${size.width / 4}x${size.height / 4}:mold=10:r=25:ratio=0.3:seed=1:death_color=#203040:life_color=#f0c060,` +
      `scale=${size.width}:${size.height}:flags=neighbor,trim=duration=2.5`,
  ];
  await runFfmpeg([
    ...sources.flatMap((src) => ['-f', 'lavfi', '-i', src]),
    '-filter_complex',
    `${sources.map((_, i) => `[${i}:v]`).join('')}concat=n=${sources.length}:v=1:a=0,format=yuv420p[v]`,
    '-map',
    '[v]',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '18',
    '-g',
    '50',
    '-movflags',
    '+faststart',
    file,
  ]);
}

/** A 2 s all-black title: no frame can be artwork. */
export async function makeBlackMaster(file: string): Promise<void> {
  await runFfmpeg([
    '-f',
    'lavfi',
    '-i',
    'color=black:size=320x180:rate=25:duration=2',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    file,
  ]);
}

/**
 * A master of distinct shots (about 6 s each, rotating through lavfi sources with grain), for
 * benchmarks that need a title with many usable, different frames.
 */
export async function makeScenesMaster(
  file: string,
  spec: { width: number; height: number; fps: number; durationS: number },
): Promise<void> {
  const s = `size=${spec.width}x${spec.height}:rate=${spec.fps}`;
  const cells = `s=${Math.round(spec.width / 4)}x${Math.round(spec.height / 4)}:r=${spec.fps}`;
  const up = `scale=${spec.width}:${spec.height}:flags=neighbor`;
  const kinds = [
    `testsrc2=${s}`,
    `mandelbrot=${s}`,
    // Static grain: temporal noise would make this one shot most of the master's bits.
    `smptehdbars=${s},noise=alls=12`,
    `life=${cells}:mold=10:ratio=0.3:seed=2:death_color=#203040:life_color=#f0c060,${up}`,
    `mandelbrot=${s}:start_x=-0.743643887:start_y=0.131825904:start_scale=0.02:outer=normalized_iteration_count`,
    `testsrc=${s}`,
    `life=${cells}:mold=5:ratio=0.5:seed=3:death_color=#402010:life_color=#60d0f0,${up}`,
    `mandelbrot=${s}:start_x=-1.25066:start_y=0.02012:start_scale=0.05`,
  ];
  const sceneS = 6;
  const count = Math.ceil(spec.durationS / sceneS);
  const sources = Array.from(
    { length: count },
    (_, i) => `${kinds[i % kinds.length]!},trim=duration=${Math.min(sceneS, spec.durationS - i * sceneS)},setpts=PTS-STARTPTS`,
  );
  await runFfmpeg([
    ...sources.flatMap((src) => ['-f', 'lavfi', '-i', src]),
    '-filter_complex',
    `${sources.map((_, i) => `[${i}:v]`).join('')}concat=n=${sources.length}:v=1:a=0,format=yuv420p[v]`,
    '-map',
    '[v]',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '18',
    '-g',
    String(spec.fps * 2),
    '-movflags',
    '+faststart',
    file,
  ]);
}
