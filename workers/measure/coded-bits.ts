/**
 * What the scan's own x264 encode spent on each second of the title (`ScanCommand.coded`): the
 * packets `framecrc` lists, placed in time by the frames the scan listed (the encoder was fed
 * exactly those frames, in that order). Pure, so it is unit-tested on captured text.
 */
import type { CodedSecond } from '../../ladder/coded-rate.ts';
import { pickedFrames } from '../../ffmpeg/frame-pick.ts';
import { FRAME_LINE } from './parse.ts';

/** One packet of the scan's encode: its size, and whether it is a keyframe. */
export interface CodedPacket {
  readonly bytes: number;
  readonly key: boolean;
}

/**
 * Per stream of a `framecrc` listing: its packets in presentation order. A line prints its
 * packet's flags (`F=0x…`) only when they are not those of a keyframe alone.
 */
export function parseFramecrc(text: string): Map<number, CodedPacket[]> {
  const packets = new Map<number, (CodedPacket & { pts: number })[]>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^\s*(\d+),\s*(-?\d+),\s*(-?\d+),\s*(\d+),\s*(\d+),\s*0x[0-9a-f]+(?:,\s*F=(0x[0-9A-Fa-f]+))?/.exec(line);
    if (m === null) continue;
    const stream = Number(m[1]);
    const list = packets.get(stream) ?? [];
    list.push({ pts: Number(m[3]), bytes: Number(m[5]), key: m[6] === undefined || (Number(m[6]) & 1) === 1 });
    packets.set(stream, list);
  }
  return new Map(
    [...packets].map(([stream, list]) => [stream, list.sort((a, b) => a.pts - b.pts).map(({ bytes, key }) => ({ bytes, key }))]),
  );
}

/** The `pts_time` of every frame `metadata=mode=print` listed, less `startS`, in listing order. */
export function listedTimesS(metadata: string, startS = 0): number[] {
  const times: number[] = [];
  for (const line of metadata.split('\n')) {
    const head = FRAME_LINE.exec(line);
    if (head !== null) times.push(Number(head[1]) - startS);
  }
  return times;
}

/**
 * Per frame of a stretch of `frames`, the MSE `psnr` gave it when it was one of those picked at
 * `step` (`mseOfPicked`, in order), else undefined; undefined as a whole when the counts do not
 * pair: a loss placed on the wrong frame would describe the wrong stretch.
 */
export function frameLosses(mseOfPicked: readonly number[], frames: number, step: number): (number | undefined)[] | undefined {
  const picked = pickedFrames(frames, step);
  if (picked.length !== mseOfPicked.length || picked.length === 0) return undefined;
  const losses: (number | undefined)[] = Array.from({ length: frames }, () => undefined);
  picked.forEach((n, k) => {
    losses[n] = mseOfPicked[k];
  });
  return losses;
}

/**
 * Adds one stretch's encode to `seconds` (entry `i`: [i, i+1) s of the title): frame `k` of
 * `timesS` was coded as packet `k` of `packets`, and lasts until the next frame (the last one
 * as long as the one before it). A keyframe's bits are spread over its GOP, each frame taking
 * its time's share: the final encode has one every GOP wherever it falls, and on a still
 * stretch it is most of the bits, so a second that happened to hold the scan's would read as
 * several times the next (a phone's variable-rate clip: stretches alike read 0.6 to 3.1 times
 * the title). Frames before `fromS` (a read that landed on an earlier keyframe) are left out.
 * A stretch whose packets and frames do not pair one to one adds nothing: bits placed at the
 * wrong time would describe the wrong stretch. `losses` (`frameLosses`), when given, adds each
 * compared frame's MSE for the time it lasts. Returns whether it added.
 */
export function addCodedStretch(
  seconds: (CodedSecond | null)[],
  timesS: readonly number[],
  packets: readonly CodedPacket[],
  fromS = -Infinity,
  losses?: readonly (number | undefined)[],
): boolean {
  if (timesS.length !== packets.length || timesS.length === 0) return false;
  const spans = timesS.map((t, k) => Math.max(0, (timesS[k + 1] ?? t + (k > 0 ? t - timesS[k - 1]! : 0)) - t));
  // Each frame's share of its GOP's keyframe: its span over the GOP's (a GOP of one instant shares evenly).
  const keyBits = timesS.map(() => 0);
  for (let k = 0; k < packets.length; ) {
    let end = k + 1;
    while (end < packets.length && !packets[end]!.key) end++;
    const gopS = spans.slice(k, end).reduce((a, b) => a + b, 0);
    const bits = packets[k]!.key ? packets[k]!.bytes * 8 : 0;
    for (let j = k; j < end; j++) keyBits[j] = bits * (gopS > 0 ? spans[j]! / gopS : 1 / (end - k));
    k = end;
  }
  for (let k = 0; k < timesS.length; k++) {
    const t = timesS[k]!;
    if (t < fromS - 1e-6) continue;
    // Differences of decimal timestamps land a hair under whole seconds (1.021 - 0.021).
    const sec = Math.max(0, Math.floor(t + 1e-6));
    if (sec >= seconds.length) continue;
    const own = packets[k]!.key ? 0 : packets[k]!.bytes * 8;
    const s = seconds[sec] ?? { bits: 0, coveredS: 0 };
    const loss = losses?.[k];
    seconds[sec] = {
      bits: s.bits + own + keyBits[k]!,
      coveredS: s.coveredS + spans[k]!,
      ...(loss === undefined && s.mseS === undefined
        ? {}
        : { mseS: (s.mseS ?? 0) + (loss ?? 0) * spans[k]!, comparedS: (s.comparedS ?? 0) + (loss === undefined ? 0 : spans[k]!) }),
    };
  }
  return true;
}
