import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArtworkOptionError } from '../../../artwork/errors.ts';
import type { Candidate, RawPixels } from '../../../artwork/frame.ts';
import { hammingDistance } from '../../../artwork/hash.ts';
import type { ArtworkSelection, UsableArtwork } from '../../../artwork/select.ts';
import { selectArtwork } from '../../../artwork/select.ts';
import { blend, blurred, creditsFrame, detailed, encoded, faded, motionBlurred, nudged, solid } from './images.ts';

/**
 * A generated title: good shots with known bad stretches injected between them (black, a
 * fade-out, a dissolve, a blurred stretch, motion smear, credits), sampled ~0.3 s apart within
 * each moment so every frame has neighbours.
 */
interface Title {
  candidates: Candidate[];
  bad: Set<number>;
}

async function buildTitle(): Promise<Title> {
  const shots = await Promise.all([21, 22, 23, 24, 25, 26, 27].map((seed) => detailed(seed)));
  const candidates: Candidate[] = [];
  const bad = new Set<number>();
  const add = (atS: number, sceneIndex: number, image: RawPixels | Buffer, isBad = false) => {
    candidates.push({ atS, sceneIndex, image });
    if (isBad) bad.add(atS);
  };
  const [a, b, c, d, e, f, g] = shots as [RawPixels, RawPixels, RawPixels, RawPixels, RawPixels, RawPixels, RawPixels];
  for (const t of [0, 0.3, 0.6]) add(t, 0, solid(0, 0, 0), true); // opening black
  for (const [i, t] of [5, 5.3, 5.6].entries()) add(t, 1, nudged(a, i)); // shot A, near-identical frames
  add(9.7, 1, nudged(a, 1)); // fade-out of A
  add(10.0, 1, await faded(a, 0.6), true);
  add(10.3, 1, await faded(a, 0.3), true);
  add(10.6, 1, solid(0, 0, 0), true);
  for (const t of [20, 20.3]) add(t, 2, await encoded(b)); // shot B as JPEG
  add(30.0, 2, nudged(b, 2)); // dissolve B → C
  add(30.3, 3, blend(b, c, 0.5), true);
  add(30.6, 3, c);
  add(31.0, 3, nudged(c, 3));
  for (const t of [40, 40.3, 40.6]) add(t, 4, await blurred(d, 4), true); // out-of-focus stretch
  add(45, 4, await motionBlurred(d, 21), true);
  for (const t of [50, 50.3]) add(t, 5, nudged(e, t === 50 ? 0 : 2));
  add(60, 6, f);
  add(70, 7, g);
  add(75, 7, Buffer.from('not an image at all')); // corrupt frame mid-title
  for (const [i, t] of [80, 80.3, 80.6].entries()) add(t, 8, await creditsFrame(30 + i), true);
  return { candidates, bad };
}

describe('selectArtwork on a title with bad stretches injected', () => {
  let title: Title;
  let result: ArtworkSelection;
  beforeAll(async () => {
    title = await buildTitle();
    result = await selectArtwork(title.candidates, { shortlist: { count: 6 } });
  });

  it('finds usable artwork', () => {
    expect(result.usable).toBe(true);
  });

  it('chooses no frame from a black, fade, dissolve, blurred, smeared or credits stretch', () => {
    const { shortlist } = result as UsableArtwork;
    expect(shortlist.length).toBe(6);
    for (const chosen of shortlist) expect(title.bad.has(chosen.atS), `chose bad frame at ${chosen.atS}s`).toBe(false);
  });

  it('rejects each injected stretch for the right reason', () => {
    const reasonAt = new Map(result.candidates.map((c) => [c.atS, c.rejected?.reason]));
    expect(reasonAt.get(0)).toBe('black');
    expect(reasonAt.get(10.0)).toBe('fade');
    expect(reasonAt.get(10.3)).toBe('fade');
    expect(reasonAt.get(30.3)).toBe('transition');
    expect(reasonAt.get(40.3)).toBe('blur');
    expect(reasonAt.get(45)).toBe('motion-blur');
    expect(reasonAt.get(80.3)).toBe('text');
    expect(reasonAt.get(75)).toBe('undecodable');
    expect(reasonAt.get(9.7)).toBeUndefined(); // last clean frame before the fade
  });

  it('keeps chosen frames pairwise distinct by perceptual hash', () => {
    const { shortlist } = result as UsableArtwork;
    for (let i = 0; i < shortlist.length; i++) {
      for (let j = i + 1; j < shortlist.length; j++) {
        const a = shortlist[i]!.hashes!,
          b = shortlist[j]!.hashes!;
        expect(hammingDistance(BigInt(`0x${a.dHash}`), BigInt(`0x${b.dHash}`))).toBeGreaterThan(10);
        expect(hammingDistance(BigInt(`0x${a.pHash}`), BigInt(`0x${b.pHash}`))).toBeGreaterThan(8);
      }
    }
  });

  it('spreads the shortlist over the timeline and scenes', () => {
    const { shortlist } = result as UsableArtwork;
    const times = shortlist.map((s) => s.atS).sort((x, y) => x - y);
    expect(new Set(shortlist.map((s) => s.sceneIndex)).size).toBe(shortlist.length);
    expect(times[times.length - 1]! - times[0]!).toBeGreaterThanOrEqual(50);
  });

  it('reports near-identical frames of one shot as duplicates of the chosen one', () => {
    const { duplicates } = result as UsableArtwork;
    const shotA = new Set(result.candidates.filter((c) => c.sceneIndex === 1 && !c.rejected).map((c) => c.index));
    expect(duplicates.filter((d) => shotA.has(d.index)).length).toBe(shotA.size - 1);
  });

  it('is plain JSON (no bigint, no Infinity), ready for the API and `ingest --json`', () => {
    const json = JSON.stringify(result);
    expect(JSON.parse(json)).toEqual(result);
  });

  it('returns every candidate in input order with its score parts', () => {
    expect(result.candidates.map((c) => c.index)).toEqual(title.candidates.map((_, i) => i));
    const chosen = (result as UsableArtwork).shortlist[0]!;
    expect(chosen.score?.parts.sharpness).toBeGreaterThan(0);
    expect(chosen.total).toBe(chosen.score?.total);
  });
});

describe('titles with no usable frame', () => {
  it('flags an all-black title with a reason instead of throwing', async () => {
    const candidates = [0, 1, 2, 3].map((t) => ({ atS: t, sceneIndex: 0, image: solid(2, 2, 2) }));
    const result = await selectArtwork(candidates);
    expect(result).toMatchObject({ usable: false, flag: 'no-usable-frame', rejections: { black: 4 } });
    if (!result.usable) expect(result.reason).toBe('all 4 candidate frames were rejected (black 4)');
  });

  it('flags a single-colour title, counting reasons', async () => {
    const candidates = [
      { atS: 0, sceneIndex: 0, image: solid(20, 120, 200) },
      { atS: 5, sceneIndex: 0, image: solid(20, 120, 200) },
      { atS: 9, sceneIndex: 0, image: solid(250, 250, 250) },
    ];
    const result = await selectArtwork(candidates);
    expect(result.usable).toBe(false);
    if (!result.usable) expect(result.reason).toBe('all 3 candidate frames were rejected (near-uniform 2, white 1)');
  });

  it('flags a title with no candidates at all', async () => {
    const result = await selectArtwork([]);
    expect(result).toMatchObject({ usable: false, flag: 'no-usable-frame', reason: 'no candidate frames were provided' });
  });

  it('flags a title whose every frame is corrupt', async () => {
    const result = await selectArtwork([{ atS: 1, sceneIndex: 0, image: Buffer.from([0xff, 0xd8, 0xff, 0x00]) }]);
    expect(result).toMatchObject({ usable: false, rejections: { undecodable: 1 } });
  });

  it('still rejects the call on invalid options (those are caller bugs, not bad titles)', async () => {
    await expect(selectArtwork([], { scoring: { weights: { sharpness: -1 } } })).rejects.toThrow(
      'Expected `weights.sharpness` to be a finite number >= 0, got -1',
    );
    await expect(selectArtwork([], { analysisWidthPx: 10 })).rejects.toBeInstanceOf(InvalidArtworkOptionError);
    await expect(selectArtwork([{ atS: Number.NaN, sceneIndex: 0, image: solid(1, 1, 1) }])).rejects.toThrow(
      'Expected `candidates[0].atS` to be a finite number >= 0, got NaN',
    );
  });
});
