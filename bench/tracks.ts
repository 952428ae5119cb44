/**
 * What a studio master's extra tracks cost: the same video ingested once with one audio track
 * and once with three (one 5.1) and two subtitle tracks, on the same running stack, alternated.
 * The figure is the extra tracks' CPU (title `cpuS`, every ffmpeg the title ran) against the
 * video encode's (target: under 10%), and the wall time to ready of each.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { App } from '../orchestrator/deps.ts';
import { runFfmpeg } from '../ffmpeg/run.ts';
import { ingest, waitForFinalEvent } from '../test/support/api.ts';
import { srt, subtitleCues } from '../test/support/media.ts';
import { measure } from './cpu.ts';

/** `master` (video and one stereo audio track) plus a French 5.1 and a Spanish stereo track, and English and German SRT. */
async function withTracks(master: string, file: string, durationS: number): Promise<void> {
  const dir = path.dirname(file);
  const eng = path.join(dir, 'bench-eng.srt');
  const ger = path.join(dir, 'bench-ger.srt');
  await writeFile(eng, srt(subtitleCues('eng', durationS)));
  await writeFile(ger, srt(subtitleCues('ger', durationS)));
  const tone = (hz: number, more = ''): string[] => [
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=${hz}:sample_rate=48000:duration=${durationS}${more}`,
  ];
  await runFfmpeg([
    '-i',
    master,
    ...tone(330, ',pan=5.1|FL=c0|FR=c0|FC=c0|LFE=c0|BL=c0|BR=c0'),
    ...tone(550),
    ...['-i', eng, '-i', ger],
    ...['-map', '0:v', '-map', '0:a', '-map', '1:a', '-map', '2:a', '-map', '3:s', '-map', '4:s'],
    ...['-c:v', 'copy', '-c:a:0', 'copy', '-c:a:1', 'ac3', '-c:a:2', 'aac', '-c:s', 'srt'],
    ...['-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=fre', '-metadata:s:a:2', 'language=spa'],
    ...['-metadata:s:s:0', 'language=eng', '-metadata:s:s:1', 'language=ger'],
    file,
  ]);
}

interface Run {
  readonly wallS: number;
  readonly cpuS: Readonly<Record<string, number>>;
}

async function run(app: App, file: string): Promise<Run> {
  const m = await measure(async () => waitForFinalEvent(app, await ingest(app, file)));
  if (m.result.state !== 'ready') throw new Error(`tracks bench title failed: ${JSON.stringify(m.result.error)}`);
  return { wallS: m.wallS, cpuS: m.result.cpuS };
}

const sum = (r: Readonly<Record<string, number>>, names?: readonly string[]): number =>
  Object.entries(r)
    .filter(([k]) => names === undefined || names.includes(k))
    .reduce((s, [, v]) => s + v, 0);

/** Prints the comparison; `reps` pairs, alternated (the machine's speed drifts). */
export async function benchTracks(app: App, master: string, dir: string, durationS: number, reps: number): Promise<void> {
  const tracked = path.join(dir, 'tracks.mkv');
  await withTracks(master, tracked, durationS);
  const pairs: { one: Run; many: Run }[] = [];
  for (let i = 0; i < reps; i++) pairs.push({ one: await run(app, master), many: await run(app, tracked) });
  const line = (label: string, r: Run): string =>
    `  ${label.padEnd(44)} wall ${r.wallS.toFixed(1).padStart(6)} s   cpu ${sum(r.cpuS).toFixed(1).padStart(6)} s   ` +
    Object.entries(r.cpuS)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ');
  console.log(`tracks: the ${durationS} s master with 1 audio track, then with 3 (one 5.1) and 2 subtitle tracks`);
  const shares: number[] = [];
  pairs.forEach(({ one, many }, i) => {
    console.log(line(`pair ${i + 1}: 1 audio track`, one));
    console.log(line(`pair ${i + 1}: 3 audio + 2 subtitle tracks`, many));
    const video = sum(many.cpuS, ['encode-chunk']);
    const extra = sum(many.cpuS, ['encode-audio', 'extract-subtitles']) - sum(one.cpuS, ['encode-audio', 'extract-subtitles']);
    shares.push(extra / video);
    console.log(
      `  pair ${i + 1}: extra tracks' CPU ${extra.toFixed(1)} s = ${((100 * extra) / video).toFixed(1)}% of the video encode's ${video.toFixed(1)} s   ` +
        `wall ratio ${(many.wallS / one.wallS).toFixed(3)}`,
    );
  });
  const worst = Math.max(...shares);
  console.log(`extra tracks' CPU against the video encode's: worst ${(100 * worst).toFixed(1)}% of ${pairs.length} pairs (target < 10%)`);
}
