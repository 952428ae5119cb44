import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildArgs } from '../../ffmpeg/args.ts';
import type { AudioFormat } from '../../ffmpeg/audio-args.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { channelTonePowers } from '../support/channel-tones.ts';
import { probeJson } from '../support/media.ts';
import { tempDir } from '../support/temp-dirs.ts';

/** One tone per discrete track of a 5.1 delivery, in its channel order L R C LFE Ls Rs (all under 4 kHz, LFE's the lowest). */
const TONES_HZ = [500, 700, 900, 60, 1300, 1700] as const;

/** The first `tracks` mono streams of a 3 s `master` joined by vodforge's own command line into `format`, beside the master. */
async function encodeJoined(master: string, tracks: number, format: AudioFormat): Promise<string> {
  const output = path.join(path.dirname(master), `joined-${format.codec}.m4a`);
  const streams = Array.from({ length: tracks }, (_, streamIndex) => ({ streamIndex, offsetS: 0, channels: 1 as const }));
  await runFfmpeg(
    buildArgs({
      kind: 'encode-audio',
      input: master,
      streamIndex: 0,
      offsetS: 0,
      join: { streams, durationS: 3 },
      format,
      output,
      target: { integratedLufs: -23, truePeakDbtp: -1 },
      normalisation: { kind: 'none' },
    }),
  );
  return output;
}

/**
 * Six mono tracks joined by vodforge's own command lines on a real ffmpeg: the AC-3 5.1
 * rendition has each track in the channel its position names, as a plain decode hears it.
 */
describe('six mono tracks of a 5.1 mix, joined', () => {
  it('encode each track into its own AC-3 channel, in the order L R C LFE Ls Rs', async () => {
    const dir = await tempDir('vf-join51-');
    const master = path.join(dir, 'master.mov');
    await runFfmpeg([
      ...['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=3'],
      ...TONES_HZ.flatMap((hz) => ['-f', 'lavfi', '-i', `sine=f=${hz}:r=48000:d=3`]),
      ...['-map', '0:v', ...TONES_HZ.flatMap((_, k) => ['-map', `${k + 1}:a`]), '-c:v', 'mpeg4', '-c:a', 'pcm_s16le', master],
    ]);
    const output = await encodeJoined(master, TONES_HZ.length, { codec: 'ac3', channels: 6, bitrateKbps: 384 });
    const powers = await channelTonePowers(output, TONES_HZ);
    expect(powers).toHaveLength(6);
    for (const [channel, row] of powers.entries()) {
      const own = row[channel] ?? 0;
      const others = Math.max(...row.filter((_, k) => k !== channel));
      // Its own track at least 30 dB above any other (AC-3 band-limits the LFE channel, which keeps its 60 Hz).
      expect(own / others, `channel ${channel}`).toBeGreaterThan(1e3);
    }
  });
  it('pads a track shorter than the title with silence instead of ending the mix with it', async () => {
    const dir = await tempDir('vf-joinpad-');
    const master = path.join(dir, 'master.mov');
    await runFfmpeg([
      ...['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=3'],
      ...['-f', 'lavfi', '-i', 'sine=f=440:r=48000:d=3', '-f', 'lavfi', '-i', 'sine=f=1000:r=48000:d=2'],
      ...['-map', '0:v', '-map', '1:a', '-map', '2:a', '-c:v', 'mpeg4', '-c:a', 'pcm_s16le', master],
    ]);
    const output = await encodeJoined(master, 2, { codec: 'aac', channels: 2, bitrateKbps: 128 });
    // ffprobe's figure: the mix lasts the title's 3 s, not the short track's 2 s.
    const duration = Number((await probeJson(output)).format?.duration);
    expect(duration).toBeGreaterThan(2.95);
  });
});
