import { describe, expect, it } from 'vitest';
import { lanePlaces, queuePlaces, titleOfJobId } from '../../../pipeline/queue-place.ts';
import { encodeLayout, jobIds } from '../../../pipeline/types.ts';

const A = '0b8e4a4e-1f0a-4c1e-9d55-6f1f2a3b4c5d';
const B = 'f3c2d1e0-aaaa-4bbb-8ccc-0123456789ab';

describe('titleOfJobId', () => {
  it('reads the title from every kind of job id the pipeline makes', () => {
    const layout = encodeLayout(A, 'titles/x/source/master', 'v1');
    const source = { titleId: A, sourceKey: 'k', sha256: 'ab'.repeat(32) };
    const ids = [
      jobIds.probe(A),
      jobIds.chunk(layout, 3),
      jobIds.audio(layout, 0),
      jobIds.package(layout),
      jobIds.sample(source, 2),
      jobIds.buildLadder(source),
      jobIds.artwork(source, 'v'),
    ];
    expect(ids.map(titleOfJobId)).toEqual(ids.map(() => A));
  });

  it('is undefined for an id of no title', () => {
    expect(titleOfJobId('repeat:cleanup')).toBeUndefined();
  });
});

describe('queuePlaces', () => {
  it("counts the other titles' jobs before each title's first waiting job", () => {
    const order = [`probe-${B}`, `chunk-${A}-v1-1`, `chunk-${B}-v2-0`, `chunk-${A}-v1-2`, `chunk-${B}-v2-1`];
    const places = queuePlaces(order);
    expect(places.get(B)).toEqual({ jobsAhead: 0, jobsWaiting: 3 });
    expect(places.get(A)).toEqual({ jobsAhead: 1, jobsWaiting: 2 });
  });

  it('has no place for a title with nothing waiting', () => {
    expect(queuePlaces([`chunk-${A}-v1-0`]).has(B)).toBe(false);
  });
});

describe('lanePlaces', () => {
  it('places a title with a short step waiting in the express lane, and counts its jobs in both lanes', () => {
    const C = '11111111-2222-4333-8444-555555555555';
    const places = lanePlaces({
      express: [`probe-${B}`, `package-${C}-v1`],
      encode: [`chunk-${A}-v1-0`, `chunk-${C}-v1-3`, `chunk-${B}-v2-0`],
    });
    // B's probe runs first in its lane, whatever waits ahead of its chunks in the other.
    expect(places.get(B)).toEqual({ jobsAhead: 0, jobsWaiting: 2 });
    expect(places.get(C)).toEqual({ jobsAhead: 1, jobsWaiting: 2 });
    // A has only chunks waiting: its place is in the encode lane.
    expect(places.get(A)).toEqual({ jobsAhead: 0, jobsWaiting: 1 });
  });
});
