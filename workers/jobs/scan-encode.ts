/**
 * The scan's own encode read back (`buildScanLossArgs`): per stretch encoded, its packets and
 * the MSE of each frame it compared with what the encoder was fed. I/O only; the arithmetic is
 * `coded-bits.ts`'s.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { buildScanEncodeArgs, buildScanLossArgs, type ScanCodedOutput } from '../../ffmpeg/scan-args.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import type { X264Preset } from '../../ffmpeg/encode-settings.ts';
import { parseFramecrc, type CodedPacket } from '../measure/coded-bits.ts';
import { parseMseY } from '../measure/parse.ts';

/**
 * The CRF of the scan's own encode. Any CRF in x264's useful range ranks stretches alike
 * (berusky2's 2 s stretches at 640 px: each one's share of the title within 25% at CRF 20,
 * 27 and 34, where the shares span 0.00 to 3.3): the middle of the samples' (`SAMPLE_CRFS`).
 */
export const SCAN_CODED_CRF = 27;

/**
 * The scan's encode is compared with what it was fed on one frame in this many (`frame-pick.ts`):
 * a second's loss is a mean over a dozen frames at 25 fps, and the raw luma kept for it is
 * half as large (160x118 at 30 fps: 0.57 MB a second of title, not 1.1).
 */
export const SCAN_COMPARE_STEP = 2;

/** Where one scan process writes its encode and reads it back, in `dir`, named by `tag`. */
export function scanCodedFiles(dir: string, tag: string, settings: { readonly preset: X264Preset; readonly gopS: number }) {
  return {
    coded: {
      crf: SCAN_CODED_CRF,
      preset: settings.preset,
      gopS: settings.gopS,
      framesFile: path.join(dir, `${tag}-frames.nut`),
      encodedFile: path.join(dir, `${tag}-coded.nut`),
      referenceFile: path.join(dir, `${tag}-fed.nut`),
      compareStep: SCAN_COMPARE_STEP,
    } satisfies ScanCodedOutput,
    listingFile: path.join(dir, `${tag}-coded.txt`),
    statsFile: (k: number): string => path.join(dir, `${tag}-loss-${k}.txt`),
  };
}

/** Per stream of the scan's encode: its packets in presentation order, and the MSE of each compared frame in order. */
export interface ScanEncodeRead {
  readonly packets: readonly CodedPacket[];
  readonly mseOfPicked: readonly number[];
}

/**
 * Encodes the frames a scan process wrote (`buildScanEncodeArgs`), then drops them: raw, they
 * are 28 KB a frame at 160x118, and a title's groups of bursts would otherwise keep them all
 * until the scan ends.
 */
export async function encodeScanFrames(files: ReturnType<typeof scanCodedFiles>, signal?: AbortSignal): Promise<void> {
  try {
    await runFfmpeg(buildScanEncodeArgs(files.coded), signal === undefined ? {} : { signal });
  } finally {
    await rm(files.coded.framesFile, { force: true });
  }
}

/** Lists the packets of the scan's `streams` encoded stretches and compares their picked frames, in one ffmpeg. */
export async function readScanEncode(
  files: ReturnType<typeof scanCodedFiles>,
  streams: number,
  signal?: AbortSignal,
): Promise<ScanEncodeRead[]> {
  const statsFiles = Array.from({ length: streams }, (_, k) => files.statsFile(k));
  await runFfmpeg(
    buildScanLossArgs({ kind: 'scan-loss', coded: files.coded, listingFile: files.listingFile, statsFiles }),
    signal === undefined ? {} : { signal },
  );
  const listed = parseFramecrc(await readFile(files.listingFile, 'utf8'));
  return Promise.all(
    statsFiles.map(async (file, k) => ({ packets: listed.get(k) ?? [], mseOfPicked: parseMseY(await readFile(file, 'utf8')) })),
  );
}
