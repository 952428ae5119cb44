/**
 * The keyframes' black-bar measurements (`active-area.ts`) read from a master: one decode of
 * its keyframes, each measured twice (picture edges, filled lines). I/O only.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildCropDetectArgs } from '../../ffmpeg/analysis-args.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import type { ToneMap } from '../../ffmpeg/tone-map.ts';
import {
  BLACK_LIMIT,
  FILLED_LINE_SHARE,
  LINE_PICTURE_SHARE,
  parseCropdetectMetadata,
  withFilledLines,
  type CropMeasurement,
} from './active-area.ts';

/**
 * Every keyframe of `input` measured, with its filled lines; `dir` is scratch. Undefined when
 * the two measurements do not list the same keyframes (`withFilledLines`).
 */
export async function keyframeCrops(
  input: string,
  dir: string,
  options: { readonly toneMap?: ToneMap; readonly signal?: AbortSignal } = {},
): Promise<CropMeasurement[] | undefined> {
  const metadataFile = path.join(dir, 'cropdetect.txt');
  const filledMetadataFile = path.join(dir, 'cropdetect-filled.txt');
  await runFfmpeg(
    buildCropDetectArgs({
      kind: 'crop-detect',
      input,
      metadataFile,
      filledMetadataFile,
      blackLimit: BLACK_LIMIT,
      linePictureShare: LINE_PICTURE_SHARE,
      filledLineShare: FILLED_LINE_SHARE,
      ...(options.toneMap === undefined ? {} : { toneMap: options.toneMap }),
    }),
    options.signal === undefined ? {} : { signal: options.signal },
  );
  const [edges, filled] = await Promise.all([readFile(metadataFile, 'utf8'), readFile(filledMetadataFile, 'utf8')]);
  return withFilledLines(parseCropdetectMetadata(edges), parseCropdetectMetadata(filled));
}
