/**
 * One window of the title encoded at every candidate size × CRF and measured against the
 * window as read from the master, or from a copy of it: the points of a `sample` job.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { buildSampleEncodeArgs } from '../../ffmpeg/analysis-args.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { frameRateValue, type ActiveArea } from '../../ffmpeg/probe.ts';
import { assertAligned, measureQuality, QUALITY_FRAME_STEP } from '../measure/quality.ts';
import type { QualitySummary } from '../measure/parse.ts';
import type { FrameRange, FrameTimeline, ReadStart } from '../../ffmpeg/source-frames.ts';
import type { WindowPoints } from '../../ladder/aggregate.ts';
import type { RdPoint } from '../../ladder/types.ts';
import type { SampleJobData } from '../../pipeline/types.ts';

/** What a sample job measured: each of its windows' points, in title order. */
export interface SampleResult {
  readonly windows: readonly WindowPoints[];
  /** Wall seconds of its sample encodes. */
  readonly encodeS: number;
  /** The alignment self-check's figures, when this job ran it. */
  readonly selfCheck?: QualitySummary;
}

/** Where a window's frames are read from: the master (or a copy of the window), counted by `timeline`. */
export interface WindowSource {
  readonly input: string;
  readonly timeline: FrameTimeline;
  readonly frames: Required<FrameRange> & ReadStart;
  /** Cropped from `input` before encoding and measuring: the master's bars (a copy has none left). */
  readonly crop?: ActiveArea;
}

/**
 * Encodes a window at every size × CRF of `d` and measures each against the window as read
 * from `source`, frame by frame. With `selfCheck`, the window as the encoder saw it is also
 * written uncoded and measured through the same path: anything but identity means the samples
 * were compared with other frames (`assertAligned`).
 */
export async function sampleWindow(
  d: Pick<SampleJobData, 'sizes' | 'crfs' | 'settings' | 'sourceSize'>,
  source: WindowSource,
  dir: string,
  options: { readonly selfCheck: boolean; readonly signal: AbortSignal },
): Promise<{ points: RdPoint[]; encodeS: number; checked: { selfCheck?: QualitySummary } }> {
  const { input, timeline, frames, crop } = source;
  const pairs = d.sizes.flatMap((size) => d.crfs.map((crf) => ({ size, crf })));
  const outputs = pairs.map((_, i) => path.join(dir, `s${i}.mp4`));
  const losslessOutput = options.selfCheck ? { file: path.join(dir, 'self-check.mkv') } : undefined;
  const t0 = Date.now();
  await runFfmpeg(
    buildSampleEncodeArgs({
      kind: 'sample-encode',
      input,
      timeline,
      frames,
      sizes: d.sizes,
      crfs: d.crfs,
      outputs,
      settings: d.settings,
      ...(losslessOutput === undefined ? {} : { losslessOutput }),
      ...(crop === undefined ? {} : { crop }),
    }),
    { signal: options.signal },
  );
  const encodeS = (Date.now() - t0) / 1000;
  const measured = await measureQuality(
    {
      reference: { input, timeline, frames },
      picture: { ...d.sourceSize, ...(crop === undefined ? {} : { crop }) },
      distorted: [...outputs, ...(losslessOutput === undefined ? [] : [losslessOutput.file])].map((file) => ({ input: file })),
      frameStep: QUALITY_FRAME_STEP,
    },
    dir,
    options.signal,
  );
  const selfCheck = losslessOutput === undefined ? undefined : measured.at(-1);
  if (losslessOutput !== undefined) {
    if (selfCheck === undefined) throw new Error('no self-check measured');
    assertAligned(selfCheck, frames);
  }
  const seconds = (frames.endFrame - frames.startFrame) / frameRateValue(timeline.frameRate);
  const points: RdPoint[] = [];
  for (const [i, { size, crf }] of pairs.entries()) {
    const bytes = (await stat(outputs[i] ?? '')).size;
    const q = measured[i];
    if (q === undefined) throw new Error(`no quality measured for sample ${i}`);
    points.push({ width: size.width, height: size.height, crf, bitrateKbps: (bytes * 8) / 1000 / seconds, psnrY: q.psnrY, ssim: q.ssim });
  }
  return { points, encodeS, checked: selfCheck === undefined ? {} : { selfCheck } };
}
