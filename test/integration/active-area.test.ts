import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { realMasters, type CorpusMaster } from '../support/corpus.ts';
import { keyframeCrops } from '../support/media.ts';
import { tempDir } from '../support/temp-dirs.ts';
import { runProbe } from '../../ffmpeg/run.ts';

/** The black bars of real masters, measured on every keyframe. */
describe('the active picture of real masters', () => {
  let dir: string;
  let corpus: CorpusMaster[];
  const master = (name: string): string => corpus.find((m) => m.name === name)?.file ?? '';

  beforeAll(async () => {
    dir = await tempDir('vf-active-area-');
    corpus = await realMasters();
  }, 120_000);

  it('every keyframe of a Theora master is measured (film-montage: as many as its packets flag)', async () => {
    const file = master('film-montage');
    const packets = await runProbe(['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=flags', '-of', 'csv=p=0', file]);
    const keyframes = packets.stdout.split('\n').filter((l) => l.startsWith('K')).length;
    expect(keyframes).toBeGreaterThan(10);
    expect(await keyframeCrops(file, path.join(dir, 'film-montage.crop.txt'))).toHaveLength(keyframes);
  }, 60_000);
});
