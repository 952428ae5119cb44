/**
 * The second instrument: PSNR-Y of an encode against its master by one plain ffmpeg command,
 * sharing no code with vodforge's measurement (no seeks, no trims, no frame timeline): the
 * whole encode, scaled back to the master's size, against the whole master made constant-rate
 * by `fps`, each side's frames numbered in order; ffmpeg's own summary line is the figure
 * (mean MSE over every frame, as ffmpeg defines it).
 */
import { spawn } from 'node:child_process';

export interface PlainPsnrInput {
  /** The encode: a whole title, frame 0 first (an mp4, or a rung's init and segments joined). */
  readonly encoded: string;
  readonly master: string;
  /** The master's frame rate as `num/den`. */
  readonly frameRate: string;
  /** The master's picture size: the encode is scaled back to it. */
  readonly width: number;
  readonly height: number;
}

export async function plainPsnrY(input: PlainPsnrInput): Promise<number> {
  const graph = [
    `[0:v]scale=${input.width}:${input.height}:flags=bicubic,format=yuv420p,settb=AVTB,setpts=N*1000[d]`,
    `[1:v]fps=${input.frameRate},format=yuv420p,settb=AVTB,setpts=N*1000[r]`,
    '[d][r]psnr',
  ].join(';');
  const stderr = await new Promise<string>((resolve, reject) => {
    const p = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-i', input.encoded, '-i', input.master, '-lavfi', graph, '-f', 'null', '-'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(err) : reject(new Error(`plain psnr: ffmpeg exited ${String(code)}: ${err.slice(-500)}`))));
  });
  const m = /PSNR y:(inf|[\d.]+)/.exec(stderr);
  if (m?.[1] === undefined) throw new Error(`plain psnr printed no summary: ${stderr.slice(-500)}`);
  return m[1] === 'inf' ? Infinity : Number(m[1]);
}
