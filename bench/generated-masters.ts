/**
 * The generated contrasts bench:ladder and bench:sample-grid add to the corpus of real masters:
 * content real footage lacks at the extremes (a still, flat graphics, grain, fine chaotic
 * detail, a slow pan), rendered by ffmpeg's sources and encoded as a CRF 16 master.
 */
import path from 'node:path';
import { runFfmpeg } from '../ffmpeg/run.ts';

/** A detailed still (a deep mandelbrot frame): the picture of the slide and of the pan. */
const STILL = 'mandelbrot=s=1280x720:r=25,trim=start_frame=600:end_frame=601';

export interface GeneratedMaster {
  readonly name: string;
  /** ffmpeg input arguments (and filters) that render it, endless: the caller cuts it with `-t`. */
  readonly args: readonly string[];
}

/** The five contrasts, `durationS` long (the pan spreads its zoom over it), 1280x720 at 25 fps. */
export function generatedMasters(durationS: number): GeneratedMaster[] {
  return [
    {
      name: 'near-static slide (detailed still, moving pointer)',
      args: [
        '-f',
        'lavfi',
        '-i',
        `${STILL},loop=loop=-1:size=1,setpts=N/25/TB`,
        '-f',
        'lavfi',
        '-i',
        'color=white:s=48x48:r=25',
        '-filter_complex',
        "[0][1]overlay=x='mod(t*60,1200)':y=620",
      ],
    },
    { name: 'flat animation (testsrc2)', args: ['-f', 'lavfi', '-i', 'testsrc2=s=1280x720:r=25'] },
    {
      name: 'noisy high motion (mandelbrot + grain)',
      args: ['-f', 'lavfi', '-i', 'mandelbrot=s=1280x720:r=25', '-vf', 'noise=alls=20:allf=t+u'],
    },
    {
      // Seeded: life fills its first grid at random, and a master that differs on every run
      // moved this title's BD-rate between runs with the same rungs chosen.
      name: 'cellular detail (life)',
      args: ['-f', 'lavfi', '-i', 'life=s=1280x720:r=25:mold=10:ratio=0.15:seed=1:life_color=#33cc66:death_color=#202040'],
    },
    {
      name: 'zoom/pan over a still',
      args: [
        '-f',
        'lavfi',
        '-i',
        `${STILL},zoompan=z='1+0.0004*on':x='iw/2-(iw/zoom/2)+40*sin(on/150)':y='ih/2-(ih/zoom/2)':d=${durationS * 25}:s=1280x720:fps=25`,
      ],
    },
  ];
}

/** Renders `master` for `durationS` as an x264 CRF 16 MP4 in `dir`; returns the file. */
export async function renderGeneratedMaster(master: GeneratedMaster, dir: string, durationS: number): Promise<string> {
  const file = path.join(dir, `${master.name.split(/[^a-z0-9-]/)[0]}.mp4`);
  await runFfmpeg([
    ...master.args,
    '-t',
    String(durationS),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '16',
    '-pix_fmt',
    'yuv420p',
    file,
  ]);
  return file;
}
