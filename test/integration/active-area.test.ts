import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest, waitForFinal } from '../support/api.ts';
import { realMasters, type CorpusMaster } from '../support/corpus.ts';
import { keyframeCrops } from '../support/media.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { tempDir } from '../support/temp-dirs.ts';
import { runFfmpeg, runProbe } from '../../ffmpeg/run.ts';
import { probeMaster } from '../../ffmpeg/probe.ts';
import { BLACK_LIMIT, chooseActiveArea } from '../../workers/measure/active-area.ts';

/**
 * Black bars told from dark content on real masters, and checked by a second instrument:
 * `signalstats` reads the brightest pixel of a region of every keyframe, sharing nothing with
 * `cropdetect`. A bar has no pixel above black; the picture's first and last lines have some.
 */
describe('the active picture of real masters', () => {
  let dir: string;
  let corpus: CorpusMaster[];
  let stack: TestStack | undefined;
  const master = (name: string): string => corpus.find((m) => m.name === name)?.file ?? '';
  const blackMax = Math.round(BLACK_LIMIT * 255);

  /** The brightest luma (8-bit masters) of `region` over the master's keyframes, by signalstats. */
  async function brightest(file: string, region: { x: number; y: number; width: number; height: number }): Promise<number> {
    const out = path.join(dir, `stats-${path.basename(file)}-${region.x}-${region.y}-${region.width}-${region.height}.txt`);
    const crop = `crop=${region.width}:${region.height}:${region.x}:${region.y}`;
    await runFfmpeg([
      '-skip_frame',
      'nokey',
      '-threads',
      '1',
      '-i',
      file,
      '-map',
      '0:v:0',
      '-vf',
      `${crop},signalstats,metadata=mode=print:file=${out}`,
      '-f',
      'null',
      '-',
    ]);
    const values = [...(await readFile(out, 'utf8')).matchAll(/lavfi\.signalstats\.YMAX=(\d+)/g)].map((m) => Number(m[1]));
    expect(values.length).toBeGreaterThan(0);
    return Math.max(...values);
  }

  /** The master's active area, as the probe job measures and decides it. */
  async function activeArea(file: string): Promise<ReturnType<typeof chooseActiveArea>> {
    const probe = await probeMaster(file);
    return chooseActiveArea(probe.video, await keyframeCrops(file, path.join(dir, `${path.basename(file)}.crop.txt`)));
  }

  beforeAll(async () => {
    dir = await tempDir('vf-active-area-');
    corpus = await realMasters();
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('letterboxed camera clips (3GP, FLV) are cropped to their picture: no line of it cut, no line of bar kept', async () => {
    for (const name of ['camera-3gp', 'camera-flv']) {
      const file = master(name);
      const { width, height } = (await probeMaster(file)).video;
      const area = await activeArea(file);
      expect(area, name).toBeDefined();
      if (area === undefined) continue;
      expect([area.x, area.width], name).toEqual([0, width]);
      // Rounding to even lines may drop one line of picture at an edge (never keep one of bar).
      const top = { x: 0, y: 0, width, height: area.y - 2 };
      const bottom = { x: 0, y: area.y + area.height + 2, width, height: height - area.y - area.height - 2 };
      expect(await brightest(file, top), `${name} top bar`).toBeLessThanOrEqual(blackMax);
      expect(await brightest(file, bottom), `${name} bottom bar`).toBeLessThanOrEqual(blackMax);
      expect(await brightest(file, { x: 0, y: area.y, width, height: 2 }), `${name} first lines`).toBeGreaterThan(blackMax);
      expect(await brightest(file, { x: 0, y: area.y + area.height - 2, width, height: 2 }), `${name} last lines`).toBeGreaterThan(
        blackMax,
      );
    }
  }, 60_000);

  it('planets and labels on black (retroMars2018.avi) are not bars: nothing is cropped', async () => {
    const file = master('mars-10fps');
    expect(await activeArea(file)).toBeUndefined();
    // What the mean of each line made of it (x 38..543): its right side holds planets and labels.
    expect(await brightest(file, { x: 544, y: 0, width: 480, height: 768 })).toBeGreaterThan(200);
  }, 60_000);

  it('a logo on black whose edges never move (xine’s idle-screen logo) is not bars: nothing is cropped', async () => {
    const file = master('xine-logo');
    expect(await activeArea(file)).toBeUndefined();
    // Its keyframes' picture edges alone are the same box in every keyframe: the 552x260 it was cut to.
    const edgesOnly = (await keyframeCrops(file, path.join(dir, 'xine-edges.crop.txt'))).map(({ filled: _, ...edges }) => edges);
    expect(chooseActiveArea((await probeMaster(file)).video, edgesOnly)).toEqual({ x: 22, y: 170, width: 552, height: 260 });
  }, 60_000);

  it('every keyframe of a Theora master is measured (film-montage: as many as its packets flag)', async () => {
    const file = master('film-montage');
    const packets = await runProbe(['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=flags', '-of', 'csv=p=0', file]);
    const keyframes = packets.stdout.split('\n').filter((l) => l.startsWith('K')).length;
    expect(keyframes).toBeGreaterThan(10);
    expect(await keyframeCrops(file, path.join(dir, 'film-montage.crop.txt'))).toHaveLength(keyframes);
  }, 60_000);

  it('titles ingested from the diagram and the logo on black ship their whole 4:3 picture', async () => {
    stack = await startTestStack({ storage: 'local', workers: 2 });
    for (const name of ['mars-10fps', 'xine-logo']) {
      const id = await ingest(stack.api.app, master(name));
      const t = await waitForFinal(stack.api.app, id, 240_000);
      expect(t.state, name).toBe('ready');
      expect(t.ladder?.length, name).toBeGreaterThan(1);
      // Cropped to the line means' 506x712 box, every rung of the diagram was portrait; cut to the
      // logo's box, every rung of the logo was 2.12:1.
      for (const r of t.ladder ?? []) expect(r.width / r.height, name).toBeCloseTo(4 / 3, 1);
    }
  }, 300_000);
});
