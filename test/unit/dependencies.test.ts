/**
 * What the production image installs is what the running code needs. The Dockerfile runs
 * `npm ci --omit=dev`, so a package the API or a worker loads at run time but that sits in
 * devDependencies crashes the container at start (it happened: the player pages resolve
 * hls.js and dash.js when the API starts). And every installed package must run on the Node
 * release our machines run: the lock file once held cookie@2 and content-disposition@3,
 * which declare `node >= 22`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
};
/** Folders whose code runs in production (tests and benches run from a full install). */
const RUNTIME_DIRS = ['orchestrator', 'workers', 'ladder', 'artwork', 'cdn-planner', 'bin'];
const SPECIFIER = /(?:\bfrom\s+|\bimport\(\s*|\brequire(?:\.resolve)?\(\s*)'([^'.][^']*)'/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|mts|js|mjs)$/.test(e.name) ? [p] : [];
  });
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

describe('dependencies', () => {
  it('every package the runtime code loads is a production dependency', () => {
    const used = new Map<string, string>();
    for (const file of RUNTIME_DIRS.flatMap((d) => sourceFiles(path.join(root, d)))) {
      for (const m of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
        const spec = m[1] ?? '';
        if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
        used.set(packageOf(spec), path.relative(root, file));
      }
    }
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used].filter(([name]) => pkg.dependencies[name] === undefined).map(([name, file]) => `${name} (${file})`);
    expect(missing).toEqual([]);
  });

  it('every package in the lock file supports the Node.js release package.json declares', () => {
    const lowest = semver.minVersion(pkg.engines.node)?.version ?? '';
    expect(lowest).toBe('20.19.0');
    const refused = Object.entries(lock.packages)
      .filter(([where, p]) => where !== '' && p.engines !== undefined && !Array.isArray(p.engines) && typeof p.engines.node === 'string')
      .filter(([, p]) => {
        const range = (p.engines as { node: string }).node;
        return semver.validRange(range, { loose: true }) !== null && !semver.satisfies(lowest, range, { loose: true });
      })
      .map(([where, p]) => `${where}@${p.version ?? '?'} wants node ${(p.engines as { node: string }).node}`);
    expect(refused).toEqual([]);
  });
});
