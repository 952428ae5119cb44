import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtworkManifest } from '../../workers/artwork/manifest.ts';
import { artworkVideoOf } from '../../workers/artwork/extract.ts';
import { probeMaster } from '../../workers/ffmpeg/probe.ts';
import { runFfmpeg, runProbe } from '../../workers/ffmpeg/run.ts';
import { computeArtwork, DEFAULT_ARTWORK_SETTINGS, type ArtworkJobData } from '../../workers/jobs/artwork.ts';
import { LocalObjectStore } from '../../workers/storage/local.ts';
import { makeArtworkMaster } from '../support/artwork-media.ts';

/**
 * An H.264 master's candidates are first decoded from I- and P-frames only, and the chosen
 * frames are checked against a decode of every reference frame. A stream whose P-frames are
 * predicted from B-frames (x265's b-pyramid with more than one reference) fails that check when passed off as H.264, and the
 * job starts again decoding every reference frame: it ends with the frames the safe decode
 * chooses, and says why.
 */
describe('artwork candidates from anchors only, checked', () => {
  let dir: string;
  let store: LocalObjectStore;
  const masters: Record<'h264' | 'hevc', string> = { h264: '', hevc: '' };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-artwork-anchors-'));
    store = new LocalObjectStore(path.join(dir, 'storage'));
    const generated = path.join(dir, 'generated.mp4');
    await makeArtworkMaster(generated);
    // B-frames in a pyramid (x264's veryfast), so that anchors and reference frames differ.
    masters.h264 = path.join(dir, 'master.mp4');
    await runFfmpeg(['-i', generated, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-x264-params', 'b-pyramid=normal', '-pix_fmt', 'yuv420p', masters.h264]);
    masters.hevc = path.join(dir, 'master-hevc.mp4');
    await runFfmpeg(['-i', generated, '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error:bframes=4:b-pyramid=1:ref=3', '-pix_fmt', 'yuv420p', masters.hevc]);
  }, 120_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (kind: 'h264' | 'hevc', codec: string, name: string): Promise<ArtworkManifest> => {
    const probe = await probeMaster(masters[kind]);
    expect(probe.video.codec).toBe(kind);
    const sourceKey = `titles/${name}/source/master`;
    await store.put(sourceKey, createReadStream(masters[kind]));
    const data: ArtworkJobData = {
      source: { titleId: name, sourceKey, sha256: '0'.repeat(64) }, version: name, video: { ...artworkVideoOf(probe), codec },
    };
    return computeArtwork(name, data, DEFAULT_ARTWORK_SETTINGS, { store, tmpDir: dir }, new AbortController().signal, () => undefined);
  };
  const chosen = (m: ArtworkManifest): number[] => m.candidates.filter((c) => c.chosen).map((c) => c.atS);

  it('keeps the anchors-only pass of an x264 master: its chosen frames match the full decode', async () => {
    const m = await run('h264', 'h264', 'x264');
    expect(m.status).toBe('ready');
    expect(m.warnings ?? []).toEqual([]);
    expect(chosen(m).length).toBeGreaterThan(0);
    // Frames came from I- and P-frames only (a decode of every reference frame also offers B-frames).
    const { stdout } = await runProbe(['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=pts_time,pict_type', '-of', 'csv=p=0', masters.h264]);
    const typeAt = new Map(stdout.trim().split('\n').map((line) => {
      const [t, type] = line.split(',');
      return [Number(t).toFixed(3), type] as const;
    }));
    expect(chosen(m).map((t) => typeAt.get(t.toFixed(3)))).not.toContain('B');
    expect(chosen(m).every((t) => typeAt.has(t.toFixed(3)))).toBe(true);
  }, 120_000);

  it('decodes again with every reference frame when the check fails, and ends with what that decode chooses', async () => {
    const misjudged = await run('hevc', 'h264', 'x265-as-h264');
    expect(misjudged.warnings?.[0]).toMatch(/^the I\/P-frame candidate pass did not match a full decode at [\d.]+ s; candidates decoded again with every reference frame$/);
    const safe = await run('hevc', 'hevc', 'x265');
    expect(safe.warnings ?? []).toEqual([]);
    expect(misjudged.status).toBe('ready');
    expect(chosen(misjudged)).toEqual(chosen(safe));
    expect(misjudged.candidates.map((c) => [c.atS, c.score])).toEqual(safe.candidates.map((c) => [c.atS, c.score]));
  }, 180_000);
});
