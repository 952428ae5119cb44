/**
 * Lip sync, measured as a viewer would see it: a master flashes white and beeps at the same
 * instants, and plain ffmpeg filters (`signalstats`, `silencedetect`) find when each flash and
 * each beep begins in any file, read as a player reads it (edit lists applied).
 */
import { runFfmpeg, runProbe } from '../../ffmpeg/run.ts';

export interface SyncMasterSpec {
  readonly durationS: number;
  readonly fps: number;
  /** When each flash and beep starts, s: multiples of the frame duration. */
  readonly eventsS: readonly number[];
}

/** How long each flash and beep lasts, s: a few frames, well apart from the next. */
const EVENT_S = 0.2;

/**
 * A moving test pattern that turns white, over a 1 kHz tone that sounds only then, at each of
 * `eventsS`: H.264 with B-frames (x264 veryfast) and AAC, as a camera or an edit suite writes.
 */
export async function makeSyncMaster(file: string, spec: SyncMasterSpec): Promise<void> {
  const during = spec.eventsS.map((t) => `between(t,${t},${t + EVENT_S})`).join('+');
  await runFfmpeg([
    ...['-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=${spec.fps}:duration=${spec.durationS}`],
    // Gated per sample: `volume`'s timeline would open the gate at an audio frame's start (21 ms steps).
    ...['-f', 'lavfi', '-i', `aevalsrc=exprs='0.5*sin(2*PI*1000*t)*(${during})':sample_rate=48000:duration=${spec.durationS}`],
    ...['-vf', `drawbox=c=white:t=fill:enable='${during}'`],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', String(spec.fps * 2)],
    ...['-c:a', 'aac', '-b:a', '128k', file],
  ]);
}

/** Presentation times of the first frame of each flash (luma mean above 200 after a frame below). */
export async function flashOnsetsS(file: string): Promise<number[]> {
  const out = await runProbe([
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    `movie=${file},signalstats`,
    '-show_entries',
    'frame=pts_time:frame_tags=lavfi.signalstats.YAVG',
    '-of',
    'csv=p=0',
  ]);
  const onsets: number[] = [];
  let lit = false;
  for (const line of out.stdout.split('\n')) {
    const [t, yavg] = line.trim().split(',').map(Number);
    if (t === undefined || yavg === undefined || !Number.isFinite(t)) continue;
    if (yavg > 200 && !lit) onsets.push(t);
    lit = yavg > 200;
  }
  return onsets;
}

/**
 * Where each beep starts: the end of each silence `silencedetect` reports, but the one the
 * file's end closes. `silencedetect` counts samples, so the samples are first laid on the
 * file's own timeline as a player does (`-copyts`, then `aresample` from time 0): what an
 * edit list or a negative time puts before 0 (the encoder's priming) is dropped, and what
 * starts later is preceded by silence.
 */
export async function beepOnsetsS(file: string): Promise<number[]> {
  const { stderrTail } = await runFfmpeg([
    ...['-nostats', '-copyts', '-i', file, '-map', '0:a:0'],
    ...['-af', 'aresample=async=1:first_pts=0,silencedetect=noise=-30dB:duration=0.1', '-f', 'null', '-'],
  ]);
  const ends = [...stderrTail.matchAll(/silence_end: (-?[\d.]+)/g)].map((m) => Number(m[1]));
  const starts = [...stderrTail.matchAll(/silence_start: (-?[\d.]+)/g)].map((m) => Number(m[1]));
  // A silence still open at the end of the file is closed there: no beep follows it.
  return ends.filter((end) => starts.some((s) => s > end));
}
