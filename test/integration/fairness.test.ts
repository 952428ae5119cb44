import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { makeMaster } from '../support/media.ts';
import { getTitle, ingest, waitForFinal } from '../support/api.ts';
import { waitUntil } from '../support/wait.ts';
import { tempDir } from '../support/temp-dirs.ts';

/**
 * A short title uploaded just after a long one, on a fleet of one worker: with first in,
 * first out it waited for every chunk of the long one. Chunks now take turns by their round
 * in their title (the 30 s stretch they start in), and a title's short steps go before any chunk, so the short title is ready
 * while the long one still has most of its chunks to go.
 */
describe('fair to every title', () => {
  let stack: TestStack;
  let dir: string;

  beforeAll(async () => {
    // 6 s chunks: the long title is 10 of them.
    stack = await startTestStack({ storage: 'local', workers: 1, settings: { chunkSegments: 1 } });
    dir = await tempDir('vf-fair-');
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('a short title uploaded behind a long one is ready before it', async () => {
    const long = path.join(dir, 'long.mp4');
    const short = path.join(dir, 'short.mp4');
    // The long title is silent: its sound is one job of its whole length (its picture is
    // split in chunks), which holds a one-worker fleet's only express slot for several chunks'
    // time, as many as the machine's load makes it (66% done in one run of the suite). That is
    // the sound's cost, not the chunks' turns this test is about.
    await makeMaster(long, { width: 640, height: 360, fps: 25, durationS: 60, audio: false });
    await makeMaster(short, { width: 640, height: 360, fps: 25, durationS: 5 });
    const longId = await ingest(stack.api.app, long);
    const shortId = await ingest(stack.api.app, short);
    const shortDone = await waitForFinal(stack.api.app, shortId);
    expect(shortDone.state).toBe('ready');
    const longThen = await getTitle(stack.api.app, longId);
    expect(longThen.state).not.toBe('ready');
    // Most of the long title's chunks were still to come when the short one was published.
    expect(longThen.progress).toBeLessThan(60);
    // Its place in the queue: its chunks wait, and nothing of another title is ahead of them.
    expect(longThen.queue).toEqual({ jobsAhead: 0, jobsWaiting: expect.any(Number) });
    expect(longThen.queue?.jobsWaiting).toBeGreaterThanOrEqual(1);
    const listed = (await stack.api.app.inject({ method: 'GET', url: '/v1/titles' })).json<{ titles: { id: string; queue?: unknown }[] }>();
    const place = (id: string) => listed.titles.find((t) => t.id === id)?.queue as { jobsAhead: number; jobsWaiting: number } | undefined;
    expect(place(longId)).toMatchObject({ jobsAhead: 0 });
    // What the short title still has to do once ready (its rungs' measurement, its artwork)
    // waits behind every chunk of the long one.
    const shortPlace = place(shortId);
    if (shortPlace !== undefined) expect(shortPlace.jobsAhead).toBeGreaterThanOrEqual(place(longId)?.jobsWaiting ?? 0);
    const longDone = await waitForFinal(stack.api.app, longId);
    expect(longDone.state).toBe('ready');
    // Where the time went, as the API tells it (the package's run is recorded as its job ends).
    const timeline = await waitUntil('the package run in the timeline', async () => {
      const t = (await getTitle(stack.api.app, longId)).timeline;
      return t?.phases.some((p) => p.job === 'package') === true ? t : undefined;
    });
    const phase = (job: string) => timeline.phases.find((p) => p.job === job);
    expect(phase('encode-chunk')?.runs).toBeGreaterThanOrEqual(10);
    expect(phase('probe')?.runs).toBe(1);
    // With unlimited workers the title takes at least its probe and its longest chunk, and no
    // more than it took here, where one worker ran every job one after another.
    expect(timeline.criticalPathS).toBeGreaterThanOrEqual((phase('probe')?.longestS ?? 0) + (phase('encode-chunk')?.longestS ?? 0));
    expect(timeline.criticalPathS).toBeLessThanOrEqual(phase('package')?.lastEndS ?? 0);
  }, 600_000);

  it("takes a title's class at upload and changes it later; the view says which", async () => {
    const created = await stack.api.app.inject({ method: 'POST', url: '/v1/titles', payload: { name: 'urgent', priority: 'high' } });
    expect(created.json()).toMatchObject({ priority: 'high' });
    const id = created.json<{ id: string }>().id;
    const lowered = await stack.api.app.inject({ method: 'PUT', url: `/v1/titles/${id}/priority`, payload: { priority: 'low' } });
    expect(lowered.statusCode).toBe(200);
    expect(lowered.json()).toMatchObject({ priority: 'low' });
    const bad = await stack.api.app.inject({ method: 'PUT', url: `/v1/titles/${id}/priority`, payload: { priority: 'urgent' } });
    expect(bad.statusCode).toBe(400);
    const missing = await stack.api.app.inject({ method: 'PUT', url: '/v1/titles/nope/priority', payload: { priority: 'high' } });
    expect(missing.statusCode).toBe(404);
  });
});
