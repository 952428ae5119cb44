import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cubeText, lutEvaluationArgs, lutGridFrame, ToneMapLutError, toneMapCurveOfLutFile } from '../../../ffmpeg/tone-map-lut.ts';
import { toneMapLutsNamed } from '../../../ffmpeg/tone-map-luts.ts';
import { TONE_MAP_LUT_DIR, toneMapCurveFilters, toneMapFilters, toneMapLutFile, type ToneMap } from '../../../ffmpeg/tone-map.ts';

const HLG: ToneMap = { transfer: 'arib-std-b67', primaries: 'bt2020', matrix: 'bt2020nc', range: 'tv', peakNits: 1000 };

/** Red, green, blue of grid point `i` of a gbrpf32le frame (planes stored green, blue, red). */
function point(data: Buffer, n: number, i: number): [number, number, number] {
  const f = new Float32Array(new Uint8Array(data).buffer);
  return [f[2 * n + i] ?? Number.NaN, f[i] ?? Number.NaN, f[n + i] ?? Number.NaN];
}

describe('lutGridFrame', () => {
  it("every R'G'B' of the grid once, red fastest, then green, then blue, as a .cube lists them", () => {
    const size = 4;
    const grid = lutGridFrame(size);
    const n = size ** 3;
    expect(grid).toMatchObject({ width: 16, height: 4 });
    expect(grid.data.length).toBe(n * 3 * 4);
    expect(point(grid.data, n, 0)).toEqual([0, 0, 0]);
    expect(point(grid.data, n, 1)).toEqual([1 / 3, 0, 0].map(Math.fround));
    expect(point(grid.data, n, size)).toEqual([0, 1 / 3, 0].map(Math.fround));
    expect(point(grid.data, n, size * size)).toEqual([0, 0, 1 / 3].map(Math.fround));
    expect(point(grid.data, n, n - 1)).toEqual([1, 1, 1]);
    const seen = new Set(Array.from({ length: n }, (_, i) => point(grid.data, n, i).join()));
    expect(seen.size).toBe(n);
  });
});

describe('cubeText', () => {
  it('one line a point, in the grid order, values unclipped (the reader clips after its matrix)', () => {
    const size = 2;
    const grid = lutGridFrame(size);
    const f = new Float32Array(new Uint8Array(grid.data).buffer);
    f[2 * 8 + 7] = 1.25; // red of the last point
    f[0] = -0.5; // green of the first
    const text = cubeText(Buffer.from(f.buffer), size);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('LUT_3D_SIZE 2');
    expect(lines.length).toBe(9);
    expect(lines[1]).toBe('0.000000 -0.500000 0.000000');
    expect(lines[2]).toBe('1.000000 0.000000 0.000000');
    expect(lines[8]).toBe('1.250000 1.000000 1.000000');
  });

  it('a short or non-finite evaluation is an error, never a LUT', () => {
    expect(() => cubeText(Buffer.alloc(10), 2)).toThrow(ToneMapLutError);
    const f = new Float32Array(24).fill(Number.NaN);
    expect(() => cubeText(Buffer.from(f.buffer), 2)).toThrow(/grid point 0/);
  });
});

describe('LUT files', () => {
  it('the evaluation runs the curve on the raw grid, one frame, raw float out', () => {
    const args = lutEvaluationArgs(HLG, '/s/grid.raw', '/s/out.raw');
    expect(args.join(' ')).toContain('-f rawvideo -pix_fmt gbrpf32le -video_size 4096x64 -i /s/grid.raw');
    expect(args[args.indexOf('-vf') + 1]).toBe(toneMapCurveFilters(HLG).join(','));
    expect(args.slice(-5)).toEqual(['-f', 'rawvideo', '-pix_fmt', 'gbrpf32le', '/s/out.raw']);
  });

  it('a LUT file name gives back its curve; any other path, or a stale digest, gives nothing', () => {
    const file = toneMapLutFile(HLG);
    expect(toneMapCurveOfLutFile(file)).toEqual({ transfer: 'arib-std-b67', primaries: 'bt2020', peakNits: 1000 });
    expect(toneMapCurveOfLutFile(file.replace(/_[0-9a-f]{12}\.cube$/, '_000000000000.cube'))).toBeUndefined();
    expect(toneMapCurveOfLutFile(path.join('/elsewhere', path.basename(file)))).toBeUndefined();
    expect(toneMapCurveOfLutFile(path.join(TONE_MAP_LUT_DIR, '../../etc/passwd'))).toBeUndefined();
  });

  it('the LUTs a graph names, each once; LUTs that are not tone maps are left alone', () => {
    const chain = toneMapFilters(HLG).join(',');
    const pq = toneMapFilters({ ...HLG, transfer: 'smpte2084', peakNits: 4000 }).join(',');
    const named = toneMapLutsNamed(['-vf', `${chain},split[a][b];[a]${chain}[c];[b]${pq}`, '-vf', 'lut3d=file=/grading/look.cube']);
    expect([...named.keys()].sort()).toEqual(
      [toneMapLutFile(HLG), toneMapLutFile({ ...HLG, transfer: 'smpte2084', peakNits: 4000 })].sort(),
    );
    expect(toneMapLutsNamed(['-vf', 'scale=640:360'])).toEqual(new Map());
  });
});
