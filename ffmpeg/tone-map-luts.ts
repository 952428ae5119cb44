/**
 * The tone-map LUTs of this machine: each built from its float chain the first time a graph
 * names it, then kept. Called by the one module that runs ffmpeg, so no reader can forget it.
 */
import { access, lstat, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TONE_MAP_LUT_DIR, type ToneMapCurve } from './tone-map.ts';
import { cubeText, lutEvaluationArgs, lutGridFrame, ToneMapLutError, toneMapCurveOfLutFile } from './tone-map-lut.ts';

/** Runs ffmpeg with these arguments (the caller's runner: this module spawns nothing itself). */
export type FfmpegRunner = (args: readonly string[]) => Promise<unknown>;

/** The tone-map LUT files `args` name, each once, with the curve each maps. */
export function toneMapLutsNamed(args: readonly string[], dir = TONE_MAP_LUT_DIR): Map<string, ToneMapCurve> {
  const named = new Map<string, ToneMapCurve>();
  for (const arg of args)
    for (const m of arg.matchAll(/lut3d=file=([^:,;[\]']+)/g)) {
      const file = m[1] ?? '';
      const curve = toneMapCurveOfLutFile(file, dir);
      if (curve !== undefined) named.set(file, curve);
    }
  return named;
}

/**
 * Evaluates `curve` on the grid and writes its `.cube` to `file`, atomically: a reader sees no
 * file or the whole one, so two builders of the same LUT at once (two workers on one machine)
 * both end with it.
 */
export async function buildToneMapLut(curve: ToneMapCurve, file: string, run: FfmpegRunner): Promise<void> {
  const scratch = await mkdtemp(path.join(path.dirname(file), '.build-'));
  try {
    const grid = lutGridFrame();
    const gridFile = path.join(scratch, 'grid.raw');
    const evaluatedFile = path.join(scratch, 'evaluated.raw');
    await writeFile(gridFile, grid.data);
    await run(lutEvaluationArgs(curve, gridFile, evaluatedFile));
    const cube = path.join(scratch, 'lut.cube');
    await writeFile(cube, cubeText(await readFile(evaluatedFile)));
    await rename(cube, file);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Builds in flight on this process, by file: a second caller waits for the first one's. */
const building = new Map<string, Promise<void>>();

async function ensureLut(file: string, curve: ToneMapCurve, run: FfmpegRunner): Promise<void> {
  // Checked on every run, not remembered: a cleaned temporary directory takes the LUTs with it.
  const built = await access(file).then(
    () => true,
    () => false,
  );
  if (built) return;
  let pending = building.get(file);
  if (pending === undefined) {
    pending = buildToneMapLut(curve, file, run).finally(() => building.delete(file));
    building.set(file, pending);
  }
  await pending;
}

/**
 * `dir`, made if missing, provided only this user can write it: LUTs are read from a shared
 * temporary directory, and one planted by another user would be the picture of every HDR title.
 */
export async function ownLutDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const s = await lstat(dir);
  const uid = process.getuid?.();
  if (!s.isDirectory() || (uid !== undefined && s.uid !== uid) || (s.mode & 0o022) !== 0)
    throw new ToneMapLutError(
      `${dir} is not a directory only this user (uid ${String(uid)}) can write; tone-map LUTs are not read from it`,
    );
}

/** Every tone-map LUT `args` name exists before they run: built once, shared by concurrent callers. */
export async function ensureToneMapLuts(args: readonly string[], run: FfmpegRunner, dir = TONE_MAP_LUT_DIR): Promise<void> {
  const named = toneMapLutsNamed(args, dir);
  if (named.size === 0) return;
  await ownLutDir(dir);
  await Promise.all([...named].map(([file, curve]) => ensureLut(file, curve, run)));
}
