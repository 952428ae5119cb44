/**
 * No line of a tracked source file is longer than 160 characters. Biome wraps code at 140, but
 * it cannot break a long string, template literal or comment: those are split by hand (a string
 * split with `+`, a template's parts moved into named consts, a comment rewrapped).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAX_LINE = 160;

/** `name:line (length)` for each line of `text` over MAX_LINE characters (code points, not UTF-16 units). */
function longLines(name: string, text: string): string[] {
  const over: string[] = [];
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    const length = [...line].length;
    if (length > MAX_LINE) over.push(`${name}:${i + 1} (${length})`);
  }
  return over;
}

/** The tracked .ts, .js and .mjs files, relative to the repository root. */
function trackedSources(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--', '*.ts', '*.js', '*.mjs'], { cwd: ROOT, encoding: 'utf8' });
  return out.split('\0').filter((f) => f !== '');
}

describe('line length', () => {
  it(`no line of a tracked .ts, .js or .mjs file is over ${MAX_LINE} characters`, () => {
    const files = trackedSources();
    expect(files.length).toBeGreaterThan(0);
    // A tracked file deleted in the working tree has no lines to check.
    const present = files.filter((f) => existsSync(path.join(ROOT, f)));
    expect(present.flatMap((f) => longLines(f, readFileSync(path.join(ROOT, f), 'utf8')))).toEqual([]);
  });

  it('the check reports a line over the limit, and not one at it', () => {
    const text = ['short', 'x'.repeat(MAX_LINE), '×'.repeat(MAX_LINE), `${'y'.repeat(MAX_LINE + 1)}\r`, ''].join('\n');
    expect(longLines('synthetic.ts', text)).toEqual([`synthetic.ts:4 (${MAX_LINE + 1})`]);
  });
});
