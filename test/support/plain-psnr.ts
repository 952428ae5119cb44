/**
 * The second instrument: PSNR-Y of an encode against its master by plain ffmpeg commands,
 * sharing no code with vodforge's measurement (no seeks, no timestamps, no frame timeline):
 * the encode, scaled back to the master's size, against the master made constant-rate by
 * `fps`, each side's frames numbered in order from its first; ffmpeg's own summary line is the
 * figure (mean MSE over the frames compared, as ffmpeg defines it).
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
  /**
   * How the title deinterlaced the master (the probe's `idet` finding), when it did: the master's
   * fields or frames are made progressive by ffmpeg's bwdif, as ffmpeg documents it, before
   * they are put on `frameRate` (the title's rate: the field rate when every field is a frame).
   */
  readonly deinterlace?: { readonly mode: 'send_field' | 'send_frame'; readonly parity: string };
  /** The filters making an HDR master the SDR picture its title is, applied after the crop. */
  readonly toneMap?: string;
  /** The picture inside the master's black bars, when the encode left them out: the master is cropped to it and the encode scaled to its size. */
  readonly crop?: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
}

/**
 * Frames `[startFrame, endFrame)` of the title, a share of one in `step` of them compared: the
 * report's rule (frame `n` of the window when the fractional part of `n` times the golden
 * ratio's is under `1/step`), written here as ffmpeg's `select` reads it.
 */
export interface PlainWindow {
  readonly startFrame: number;
  readonly endFrame: number;
  readonly step: number;
}

/** The window's frames `n` with `n·φ' mod 1 < 1/step`, as a filter (none at a step of 1). */
const picked = (step: number): string => (step > 1 ? `select='lt(mod(n*0.6180339887498949\\,1)\\,1/${step})',` : '');

/** PSNR-Y over the whole title, or over one window of its frames. */
export async function plainPsnrY(input: PlainPsnrInput, window?: PlainWindow): Promise<number> {
  const pick = window === undefined ? '' : `trim=start_frame=${window.startFrame}:end_frame=${window.endFrame},${picked(window.step)}`;
  const c = input.crop;
  const size = c === undefined ? `${input.width}:${input.height}` : `${c.width}:${c.height}`;
  const cut = c === undefined ? '' : `crop=${c.width}:${c.height}:${c.x}:${c.y},`;
  const d = input.deinterlace;
  const deint = d === undefined ? '' : `bwdif=mode=${d.mode}:parity=${d.parity}:deint=all,`;
  const tone = input.toneMap === undefined ? '' : `${input.toneMap},`;
  const graph = [
    // Both sides in limited range, each converted from the range its frames are tagged with
    // (a full-range master compared as it decodes would differ from a limited-range encode of
    // the same picture by its levels alone).
    `[0:v]${pick}scale=${size}:flags=bicubic:out_range=tv,format=yuv420p,settb=AVTB,setpts=N*1000[d]`,
    `[1:v]${deint}fps=${input.frameRate},${pick}${cut}${tone}scale=out_range=tv,format=yuv420p,settb=AVTB,setpts=N*1000[r]`,
    '[d][r]psnr',
  ].join(';');
  const stderr = await new Promise<string>((resolve, reject) => {
    const p = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-i', input.encoded, '-i', input.master, '-lavfi', graph, '-f', 'null', '-'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('error', reject);
    p.on('close', (code) =>
      code === 0 ? resolve(err) : reject(new Error(`plain psnr: ffmpeg exited ${String(code)}: ${err.slice(-500)}`)),
    );
  });
  const m = /PSNR y:(inf|[\d.]+)/.exec(stderr);
  if (m?.[1] === undefined) throw new Error(`plain psnr printed no summary: ${stderr.slice(-500)}`);
  return m[1] === 'inf' ? Infinity : Number(m[1]);
}

/**
 * PSNR-Y over the windows a title reports it measured, combined as the report combines them
 * (each window's MSE weighted by its length, as one run over all their frames pools them).
 */
export async function plainPsnrYOver(
  input: PlainPsnrInput,
  frames: readonly { startFrame: number; endFrame: number }[],
  step: number,
): Promise<number> {
  // Pooled in MSE, written out here rather than imported: this is the second instrument.
  let mse = 0;
  let weight = 0;
  for (const f of frames) {
    const w = f.endFrame - f.startFrame;
    mse += w * 10 ** (-(await plainPsnrY(input, { ...f, step })) / 10);
    weight += w;
  }
  return -10 * Math.log10(mse / weight);
}
