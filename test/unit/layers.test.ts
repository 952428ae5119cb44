/**
 * The house's layers point down. Each folder has a floor; a file may import from its own folder
 * or from a lower floor, never from its own floor's neighbours or from above. The pure cores
 * are the ground; the shared layers sit on them; the workers and the API on top. The API
 * reaches into `workers/` only to start a worker (`workers/worker.ts`): it runs jobs, it does
 * not share their insides.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Floor of each top-level folder of the product; bin/, bench/ and test/ stand above all. */
const FLOORS: Readonly<Record<string, number>> = {
  ladder: 1,
  artwork: 1,
  'cdn-planner': 1,
  ffmpeg: 2,
  storage: 2,
  observability: 2,
  titles: 3,
  packaging: 3,
  stills: 3,
  pipeline: 4,
  // Neighbours: neither imports the other (but for the one arrow below).
  workers: 5,
  orchestrator: 5,
};

/** Imports that cross upward on purpose, each with its reason. */
const ALLOWED: ReadonlyMap<string, string> = new Map([
  ['orchestrator -> workers/worker.ts', 'the supervisor and `vodforge up` start workers in-process'],
]);

const SPECIFIER = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sources(p)));
    else if (/\.(ts|mts|mjs|js)$/.test(entry.name)) out.push(p);
  }
  return out;
}

/** Every relative import of the product as `from -> to`, paths relative to the root. */
async function importArrows(): Promise<{ from: string; to: string }[]> {
  const arrows: { from: string; to: string }[] = [];
  for (const folder of Object.keys(FLOORS)) {
    for (const file of await sources(path.join(ROOT, folder))) {
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(SPECIFIER)) {
        const spec = m[1] ?? m[2]!;
        arrows.push({ from: path.relative(ROOT, file), to: path.relative(ROOT, path.resolve(path.dirname(file), spec)) });
      }
    }
  }
  return arrows;
}

/** The arrows that break the floors, each as `from -> to`. */
function arrowsUp(arrows: readonly { from: string; to: string }[]): string[] {
  const top = (p: string): string => p.split(path.sep)[0]!;
  return arrows
    .filter(({ from, to }) => {
      const [a, b] = [top(from), top(to)];
      if (a === b) return false;
      if (ALLOWED.has(`${a} -> ${to}`)) return false;
      const [fa, fb] = [FLOORS[a], FLOORS[b]];
      return fa === undefined || fb === undefined || fb >= fa;
    })
    .map(({ from, to }) => `${from} -> ${to}`);
}

describe('layers', () => {
  it('every import of the product points to its own folder or a lower floor', async () => {
    const arrows = await importArrows();
    expect(arrows.length).toBeGreaterThan(300);
    expect(arrowsUp(arrows)).toEqual([]);
  });

  it('finds an arrow that runs back up, and one between neighbours on a floor', () => {
    expect(
      arrowsUp([
        { from: 'workers/jobs/package.ts', to: 'orchestrator/app.ts' },
        { from: 'storage/s3.ts', to: 'ffmpeg/run.ts' },
        { from: 'ladder/hull.ts', to: 'pipeline/types.ts' },
        { from: 'workers/jobs/probe.ts', to: 'ffmpeg/probe.ts' },
        { from: 'orchestrator/runtime/services.ts', to: 'workers/worker.ts' },
        { from: 'orchestrator/config.ts', to: 'workers/jobs/context.ts' },
      ]),
    ).toEqual([
      'workers/jobs/package.ts -> orchestrator/app.ts',
      'storage/s3.ts -> ffmpeg/run.ts',
      'ladder/hull.ts -> pipeline/types.ts',
      'orchestrator/config.ts -> workers/jobs/context.ts',
    ]);
  });

  it('every folder of the product has a floor', async () => {
    const dirs = (await readdir(ROOT, { withFileTypes: true }))
      .filter(
        (e) =>
          e.isDirectory() &&
          !e.name.startsWith('.') &&
          !['node_modules', 'test', 'bench', 'bin', 'scripts', 'test-output'].includes(e.name),
      )
      .map((e) => e.name)
      .sort();
    expect(dirs).toEqual(Object.keys(FLOORS).sort());
  });
});
