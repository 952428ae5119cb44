import { chmod, mkdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeHdrMaster, psnrAgainst, textbookToneMap, type HdrTransfer } from '../support/hdr-masters.ts';
import { tempDir } from '../support/temp-dirs.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { ensureToneMapLuts } from '../../ffmpeg/tone-map-luts.ts';
import { ToneMapLutError } from '../../ffmpeg/tone-map-lut.ts';
import { toneMapFilters, toneMapLutFile, type ToneMap } from '../../ffmpeg/tone-map.ts';

const toneMapOf = (transfer: HdrTransfer): ToneMap => ({ transfer, primaries: 'bt2020', matrix: 'bt2020nc', range: 'tv', peakNits: 1000 });

/** Red, green, blue of each line of a `.cube` file after its header. */
async function cubePoints(file: string): Promise<{ size: number; points: number[][] }> {
  const [header = '', ...lines] = (await readFile(file, 'utf8')).trimEnd().split('\n');
  return { size: Number(header.replace('LUT_3D_SIZE ', '')), points: lines.map((l) => l.split(' ').map(Number)) };
}

describe('tone-map LUTs', () => {
  it('built once for concurrent runs, atomically, with black to black and the peak to white; rebuilt when removed', async () => {
    const dir = await tempDir('vf-lut-');
    const t = toneMapOf('arib-std-b67');
    const file = toneMapLutFile(t, dir);
    const args = ['-vf', toneMapFilters(t).join(',').replace(toneMapLutFile(t), file)];
    let builds = 0;
    const run = async (a: readonly string[]): Promise<void> => {
      builds++;
      await runFfmpeg(a);
    };
    await Promise.all([ensureToneMapLuts(args, run, dir), ensureToneMapLuts(args, run, dir)]);
    expect(builds).toBe(1);
    const { size, points } = await cubePoints(file);
    expect(size).toBe(64);
    expect(points.length).toBe(64 ** 3);
    expect(points[0]).toEqual([0, 0, 0]);
    // HLG's signal 1.0 is the 1,000-nit peak the curve maps to SDR white.
    for (const v of points.at(-1) ?? []) expect(v).toBeCloseTo(1, 2);
    await ensureToneMapLuts(args, run, dir);
    expect(builds).toBe(1);
    await rm(file);
    await ensureToneMapLuts(args, run, dir);
    expect(builds).toBe(2);
    expect((await stat(file)).size).toBeGreaterThan(6_000_000);
  });

  it('never read from a directory others can write, or from a link to one', async () => {
    const root = await tempDir('vf-lut-');
    const t = toneMapOf('smpte2084');
    const shared = path.join(root, 'shared');
    await mkdir(shared);
    await chmod(shared, 0o777);
    const linked = path.join(root, 'linked');
    await symlink(shared, linked);
    let builds = 0;
    const run = async (a: readonly string[]): Promise<void> => {
      builds++;
      await runFfmpeg(a);
    };
    for (const dir of [shared, linked]) {
      const args = ['-vf', `lut3d=file=${toneMapLutFile(t, dir)}`];
      await expect(ensureToneMapLuts(args, run, dir)).rejects.toThrow(ToneMapLutError);
    }
    expect(builds).toBe(0);
    // A graph naming no tone-map LUT never looks at the directory.
    await ensureToneMapLuts(['-vf', 'scale=640:360'], run, shared);
  });

  describe.each(['arib-std-b67', 'smpte2084'] as const)('%s through the LUT', (transfer) => {
    let master: string;
    let dir: string;
    beforeAll(async () => {
      dir = await tempDir('vf-lut-master-');
      master = path.join(dir, 'master.mp4');
      await makeHdrMaster(master, { transfer, width: 640, height: 360, durationS: 2, fps: 25 });
    }, 60_000);

    it("is the float chain's picture, measured by a plain ffmpeg psnr", async () => {
      const mapped = path.join(dir, 'mapped.nut');
      await runFfmpeg(['-v', 'error', '-i', master, '-an', '-vf', toneMapFilters(toneMapOf(transfer)).join(','), '-c:v', 'ffv1', mapped]);
      const psnr = await psnrAgainst(mapped, master, textbookToneMap(transfer), 640, 360);
      console.log(`${transfer}: LUT vs float chain PSNR-Y ${psnr.toFixed(2)} dB`);
      expect(psnr).toBeGreaterThan(50);
      // The instrument can tell: the master squeezed to 8 bits without tone mapping is far off.
      expect(await psnrAgainst(mapped, master, 'format=yuv420p', 640, 360)).toBeLessThan(30);
    });
  });
});
