import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page, Request } from 'playwright-core';
import { launchChromium } from '../support/browser.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { makeMaster } from '../support/media.ts';
import { createTitle, ingest, uploadMaster, waitForFinal } from '../support/api.ts';
import type { TitleViewT } from '../../orchestrator/schemas.ts';

/**
 * The operator console in Debian's Chromium, headless, against a real stack: sign in with an
 * API key, see a per-title title reach `ready`, read its ladder and rate-quality chart, open a
 * fill plan's timeline and approve it. Every wait polls for a condition in the page, bounded
 * only by generous timeouts; a screenshot of each page goes to test-output/console-*.png.
 */
const OUTPUT = path.resolve('test-output');
const WAIT = { timeout: 60_000, interval: 200 };
const fillWindow = { start: '02:00', end: '06:00', tz: 'UTC' };
const appliances = [
  { id: 'edge-1', cluster: 'eu-1', region: 'eu', capacityBytes: 3e9, fillGbps: 1, fillWindow, state: 'active' },
  { id: 'edge-2', cluster: 'eu-1', region: 'eu', capacityBytes: 1e9, fillGbps: 1, fillWindow, state: 'active' },
];

describe('operator console in headless Chromium', () => {
  let stack: TestStack;
  let dir: string;
  let browser: Browser;
  let page: Page;
  let base: string;
  let title: TitleViewT;
  let planId: string;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 2, ladderPolicy: 'per-title' });
    // The browser needs a real socket, not inject.
    base = await stack.listen();
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-console-'));
    const master = path.join(dir, 'master.mp4');
    await makeMaster(master, { width: 640, height: 360, fps: 30, durationS: 12 });
    const id = await ingest(stack.api.app, master, 'console test pattern');
    title = await waitForFinal(stack.api.app, id);
    if (title.state !== 'ready') throw new Error(`title failed: ${JSON.stringify(title.error)}`);

    // A plan three days ahead, from the ready title in storage (as steering.test.ts builds one):
    // nothing is held, so every placement is a fill in the appliances' night window.
    const at = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const views = Array.from({ length: 3 }, (_, d) => ({
      ts: new Date(Date.now() + d * 86_400_000 + 3_600_000).toISOString(),
      titleId: id,
      region: 'eu',
      bytes: 5_000_000,
    }));
    const created = await stack.api.app.inject({ method: 'POST', url: '/v1/fill-plans', payload: { appliances, views, at } });
    if (created.statusCode !== 201) throw new Error(`plan: ${created.statusCode} ${created.body}`);
    planId = created.json<{ id: string }>().id;

    await mkdir(OUTPUT, { recursive: true });
    browser = await launchChromium();
    // A fresh context is a fresh profile: no key in localStorage until the test signs in.
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const count = (selector: string) => page.locator(selector).count();

  it('serves the shell, its modules and the vendor builds with their types, and nothing else', async () => {
    const get = (url: string, headers: Record<string, string> = {}) => stack.api.app.inject({ method: 'GET', url, headers });
    for (const url of ['/console', '/console/']) {
      const res = await get(url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('"importmap"');
    }
    const app = await get('/console/app.js');
    expect(app.statusCode).toBe(200);
    expect(app.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(app.headers['cache-control']).toBe('no-cache');
    expect((await get('/console/console.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const again = await get('/console/app.js', { 'if-none-match': String(app.headers.etag) });
    expect(again.statusCode).toBe(304);
    for (const file of ['preact.mjs', 'hooks.mjs', 'htm.mjs']) {
      const res = await get(`/console/vendor/${file}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(res.headers['cache-control']).toMatch(/max-age=\d+/);
      // ES modules, not UMD: the browser imports them through the import map.
      expect(res.body).toMatch(/\bexport\s*(\{|default\b)/);
    }
    for (const url of [
      '/console/../app.ts',
      '/console/..%2Froutes%2Fconsole.ts',
      '/console/%2e%2e%2fapp.ts',
      '/console/vendor/..%2F..%2Fpackage.json',
      '/console/secret.js',
      '/console/vendor/preact.js',
    ]) {
      const res = await get(url);
      expect([400, 404], url).toContain(res.statusCode);
      expect(res.body).not.toContain('buildApp');
    }
  });

  it('signs in with an API key and lists the title as ready', async () => {
    await page.goto(`${base}/console/`);
    await page.locator('[data-test="signed-out"]').waitFor({ timeout: 30_000 });
    await page.fill('#api-key', stack.adminKey);
    await page.click('form.signin button[type="submit"]');
    await page.locator(`tr[data-title="${title.id}"] [data-state="ready"]`).waitFor({ timeout: 30_000 });
    // The project compiles without the DOM library: the one browser global used here is typed inline.
    const stored = await page.evaluate(() =>
      (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('vodforge.apiKey'),
    );
    expect(stored).toBe(stack.adminKey);
    await page.screenshot({ path: path.join(OUTPUT, 'console-titles.png'), fullPage: true });
  }, 120_000);

  it("shows the title's ladder table and a rate-quality chart of every sampled point, the hull and the rungs", async () => {
    const analysis = title.ladderAnalysis;
    const ladder = title.ladder ?? [];
    expect(analysis?.policy).toBe('per-title');
    const points = analysis?.points ?? [];
    expect(points.length).toBeGreaterThan(0);
    expect(ladder.length).toBeGreaterThan(0);

    await page.click(`tr[data-title="${title.id}"] a`);
    await expect.poll(() => count('[data-test="rd-chart"] svg circle.rd-point'), WAIT).toBeGreaterThanOrEqual(points.length);
    expect(await count('[data-test="rd-chart"] svg path.rd-hull')).toBeGreaterThanOrEqual(1);
    const predicted = ladder.filter((r) => r.predictedPsnrDb !== undefined).length;
    expect(await count('[data-test="rd-chart"] svg .rd-rungs circle.rd-rung')).toBe(predicted);
    expect(await count('[data-test="ladder"] tbody tr')).toBe(ladder.length);
    // The first rung's size as the API reports it, in the table.
    const firstRung = (): Promise<string> =>
      // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText() is the text a viewer sees, which is what is checked.
      page.locator('[data-test="ladder"] tbody tr').first().innerText();
    await expect.poll(firstRung, WAIT).toContain(`${ladder[0]!.width}×${ladder[0]!.height}`);
    expect(await count(`iframe.player[src*="${encodeURIComponent(title.hls ?? '')}"]`)).toBe(1);

    // The shortlist: the artwork job runs behind the encode, so wait for it, then every chosen
    // frame's image is in the page, decoded.
    const artwork = async (): Promise<number> => {
      const art = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${title.id}/artwork` });
      return art.statusCode === 200
        ? art.json<{ candidates: { chosen: boolean; images: unknown[] }[] }>().candidates.filter((c) => c.chosen && c.images.length > 0)
            .length
        : -1;
    };
    await expect.poll(artwork, { timeout: 120_000, interval: 500 }).toBeGreaterThan(0);
    const chosen = await artwork();
    await page.reload();
    await expect
      .poll(
        () =>
          page
            .locator('[data-test="artwork"] img')
            .evaluateAll((imgs) => imgs.filter((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0).length),
        WAIT,
      )
      .toBe(chosen);
    await page.screenshot({ path: path.join(OUTPUT, 'console-title.png'), fullPage: true });
  }, 120_000);

  it('follows a title on its event stream, sending the key, not by polling it', async () => {
    // With the workers paused, an uploaded title stays queued: the page can only learn of that
    // from the stream (it does not poll a title on its way), and the stream stays open.
    const lanes = stack.workers.flatMap((w) => Object.values(w.lanes));
    await Promise.all(lanes.map((lane) => lane.pause()));
    const created = await createTitle(stack.api.app, 'followed live');
    const streamKeys: (string | undefined)[] = [];
    const onRequest = (req: Request): void => {
      if (new URL(req.url()).pathname === `/v1/titles/${created.id}/events`) streamKeys.push(req.headers()['x-api-key']);
    };
    page.on('request', onRequest);
    // Signed in whether or not an earlier test did: the key is in the origin's storage.
    await page.goto(`${base}/console/#/titles/${created.id}`);
    await page.evaluate(
      (key) =>
        (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('vodforge.apiKey', key),
      stack.adminKey,
    );
    await page.reload();
    await page.locator('h1 [data-state="uploading"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => streamKeys.length, WAIT).toBeGreaterThan(0);
    expect(streamKeys[0]).toBe(stack.adminKey);

    const master = path.join(dir, 'followed.mp4');
    await makeMaster(master, { width: 320, height: 240, fps: 25, durationS: 4 });
    expect((await uploadMaster(stack.api.app, created.id, master)).statusCode).toBe(202);
    await page.locator('h1 [data-state="queued"]').waitFor({ timeout: 30_000 });

    await Promise.all(lanes.map((lane) => lane.resume()));
    await page.locator('h1 [data-state="ready"]').waitFor({ timeout: 120_000 });
    page.off('request', onRequest);
  }, 240_000);

  it('lists the fill plan, draws its per-appliance timeline, and approving it changes its state', async () => {
    await page.click('header nav a[href="#/plans"]');
    await page.locator(`tr[data-plan="${planId}"] [data-state="proposed"]`).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(OUTPUT, 'console-plans.png'), fullPage: true });

    await page.click(`tr[data-plan="${planId}"] a`);
    await expect.poll(() => count('svg.gantt rect.fill-bar'), WAIT).toBeGreaterThanOrEqual(1);
    expect(await count('section.cluster[data-cluster="eu-1"]')).toBe(1);
    expect(await count('svg.gantt .gantt-row')).toBeGreaterThanOrEqual(1);
    // Each appliance's row shades its real fill window (02:00-06:00 UTC), as the API converted it.
    const view = (await stack.api.app.inject({ method: 'GET', url: `/v1/fill-plans/${planId}` })).json<{
      appliances: { id: string; windowOccurrences: { startAt: string }[] }[];
    }>();
    expect(view.appliances.map((a) => a.id)).toEqual(['edge-1', 'edge-2']);
    for (const a of view.appliances) {
      const shaded = page.locator(`svg.gantt .gantt-row[data-appliance="${a.id}"] rect.fill-window`);
      await expect.poll(() => shaded.count(), WAIT).toBeGreaterThanOrEqual(1);
      const starts = await shaded.evaluateAll((rects) => rects.map((r) => r.getAttribute('data-start')));
      for (const start of starts) {
        expect(start, a.id).toMatch(/T02:00:00\.000Z$/);
        expect(
          a.windowOccurrences.map((o) => o.startAt),
          a.id,
        ).toContain(start);
      }
    }
    // The cluster's cards: bytes to fill, one night's window capacity (2 appliances x 1 Gbit/s
    // x 4 h), predicted offload, placed bytes of the 3 + 1 GB of disk, fills and (none held) evictions.
    const cards = await page.locator('section.cluster[data-cluster="eu-1"] .card').evaluateAll((els) =>
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text (CSS applied) is what a viewer reads.
      els.map((e) => (e as unknown as { innerText: string }).innerText.replace(/\s+/g, ' ').trim()),
    );
    expect(cards).toHaveLength(5);
    expect(cards[0]).toMatch(/^Bytes to fill \d/);
    expect(cards[1]).toMatch(/^Window capacity \(per night\) 3\.6\d* TB/);
    expect(cards[2]).toMatch(/^Predicted offload \d+(\.\d+)?\s?%/);
    expect(cards[3]).toMatch(/^Placed \/ storage \d.* \/ 4\.00 GB/);
    expect(cards[4]).toMatch(/^Fills \/ evictions [1-9]\d* \/ 0 /);
    await page.screenshot({ path: path.join(OUTPUT, 'console-plan.png'), fullPage: true });

    await page.click('button[data-action="approve"]');
    await page.locator('h1 [data-state="approved"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('button[data-action="approve"]').isDisabled()).toBe(true);
    const res = await stack.api.app.inject({ method: 'GET', url: `/v1/fill-plans/${planId}` });
    expect(res.json<{ state: string }>().state).toBe('approved');
    await page.screenshot({ path: path.join(OUTPUT, 'console-plan-approved.png'), fullPage: true });
  }, 120_000);

  it('rejecting a proposed plan changes its state and disables both buttons', async () => {
    const created = await stack.api.app.inject({ method: 'POST', url: '/v1/fill-plans', payload: { appliances, views: [] } });
    expect(created.statusCode).toBe(201);
    const id = created.json<{ id: string }>().id;
    await page.goto(`${base}/console/#/plans/${id}`);
    await page.locator(`section.plan-page[data-plan="${id}"] h1 [data-state="proposed"]`).waitFor({ timeout: 30_000 });
    await page.click('button[data-action="reject"]');
    await page.locator(`section.plan-page[data-plan="${id}"] h1 [data-state="rejected"]`).waitFor({ timeout: 30_000 });
    expect(await page.locator('button[data-action="approve"]').isDisabled()).toBe(true);
    expect(await page.locator('button[data-action="reject"]').isDisabled()).toBe(true);
    const res = await stack.api.app.inject({ method: 'GET', url: `/v1/fill-plans/${id}` });
    expect(res.json<{ state: string }>().state).toBe('rejected');
  }, 120_000);

  it('draws the timeline of a plan stored without its appliances over its fills, unshaded', async () => {
    const views = [0, 1, 2].map((d) => ({
      ts: new Date(Date.now() - d * 86_400_000 - 3_600_000).toISOString(),
      titleId: title.id,
      region: 'eu',
      bytes: 5_000_000,
    }));
    const created = await stack.api.app.inject({ method: 'POST', url: '/v1/fill-plans', payload: { appliances, views } });
    expect(created.statusCode).toBe(201);
    const id = created.json<{ id: string }>().id;
    await stack.api.store.delete(`fill-plans/${id}/appliances.json`);

    // Only the hash changes: until the new plan renders, the page still shows the previous
    // (shaded) one, so wait for this plan's page, then for the whole expected picture at once.
    await page.goto(`${base}/console/#/plans/${id}`);
    await expect.poll(() => count(`section.plan-page[data-plan="${id}"] svg.gantt`), WAIT).toBeGreaterThanOrEqual(1);
    const picture = async (): Promise<[boolean, boolean, number]> => [
      (await count('svg.gantt rect.fill-bar')) >= 1,
      (await count('svg.gantt .gantt-row')) >= 1,
      await count('svg.gantt rect.fill-window'),
    ];
    await expect.poll(picture, WAIT).toEqual([true, true, 0]);
    await page.screenshot({ path: path.join(OUTPUT, 'console-plan-without-appliances.png'), fullPage: true });
  }, 120_000);
});
