/**
 * A master whose sound is damaged in places: packets its decoder refuses. The title ships (the
 * picture and the rest of the sound are whole) and says how many packets were lost; the time
 * the master gives them is silence, so the sound after them stays in step with the picture.
 * ffmpeg drops such packets and, left alone, laid the following sound end to end: everything
 * after the damage ran early by the lost packets' length, to the end of the title.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { beepOnsetsS, makeSyncMaster } from '../support/av-sync.ts';
import { downloadTrack, ingest, waitForFinal } from '../support/api.ts';
import { tempDir } from '../support/temp-dirs.ts';
import { runFfmpeg, runProbe } from '../../ffmpeg/run.ts';

const EVENTS_S = [1, 8];
/** Packets damaged, all between the two beeps. */
const DAMAGED_FROM_S = 3;
const DAMAGED = 3;

/** Overwrites the payload of `count` audio packets from `fromS` on, in place: the container stays whole. */
async function damageAudio(file: string, fromS: number, count: number): Promise<void> {
  const out = await runProbe([
    '-v',
    'error',
    '-select_streams',
    'a:0',
    '-show_entries',
    'packet=pts_time,pos,size',
    '-of',
    'csv=p=0',
    file,
  ]);
  const packets = out.stdout
    .trim()
    .split('\n')
    .map((l) => l.split(',').map(Number) as [number, number, number])
    .filter(([t]) => t >= fromS)
    // Every other packet: each loss is its own gap.
    .filter((_, i) => i % 2 === 0)
    .slice(0, count);
  const handle = await open(file, 'r+');
  try {
    for (const [, size, pos] of packets) await handle.write(Buffer.alloc(size, 0xff), 0, size, pos);
  } finally {
    await handle.close();
  }
}

/** Packets a plain ffmpeg decode of the first audio stream refuses. */
async function refusedPackets(file: string): Promise<number> {
  const { stderrTail } = await runFfmpeg(['-v', 'error', '-i', file, '-map', '0:a:0', '-f', 'null', '-']);
  return [...stderrTail.matchAll(/^Error while decoding stream #/gm)].length;
}

describe('a master with damaged sound', () => {
  let stack: TestStack;
  let dir: string;
  let master: string;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 2 });
    dir = await tempDir('vf-damaged-audio-');
    master = path.join(dir, 'master.mp4');
    await makeSyncMaster(master, { durationS: 12, fps: 25, eventsS: EVENTS_S });
    await damageAudio(master, DAMAGED_FROM_S, DAMAGED);
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('ships, says how many packets were lost, and keeps the sound after them in step', async () => {
    // The damage as a plain ffmpeg sees it.
    const refused = await refusedPackets(master);
    expect(refused).toBe(DAMAGED);

    const title = await waitForFinal(stack.api.app, await ingest(stack.api.app, master), 240_000);
    expect(title.state, JSON.stringify(title.error)).toBe('ready');
    const warning = (title.warnings ?? []).find((w) => w.code === 'VF_AUDIO_DECODE_ERRORS');
    expect(warning?.message).toMatch(new RegExp(`^audio stream \\d+: ${refused} packet\\(s\\) did not decode`));

    const audio = await downloadTrack(stack.api.app, title.id, 'a0/playlist.m3u8', dir);
    const beeps = await beepOnsetsS(audio.joinedFile);
    expect(beeps).toHaveLength(EVENTS_S.length);
    // Each beep where the master's timestamps put it, as a player plays it: the one after the lost
    // packets (3 x 21 ms) within 10 ms of its time, not 64 ms early.
    for (const [i, t] of EVENTS_S.entries()) expect(Math.abs((beeps[i] ?? NaN) - t)).toBeLessThan(0.01);
  }, 300_000);
});
