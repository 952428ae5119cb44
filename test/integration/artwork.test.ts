import { mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featuresOf, decodeForAnalysis, hammingDistance } from '../../artwork/index.ts';
import type { App } from '../../orchestrator/deps.ts';
import type { ArtworkViewT } from '../../orchestrator/routes/artwork-view.ts';
import { chooseFromBursts } from '../../stills/bursts.ts';
import { extractCandidates } from '../../stills/extract.ts';
import { FrameNotDecodedError } from '../../stills/errors.ts';
import { planArtworkSampling } from '../../ffmpeg/artwork-plan.ts';
import { createTitle, ingest, waitForArtwork, waitForFinal } from '../support/api.ts';
import { ARTWORK_MASTER_BAD_STRETCHES, ARTWORK_MASTER_DURATION_S, makeArtworkMaster, makeBlackMaster } from '../support/artwork-media.ts';
import { makeTextFile } from '../support/media.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

type Image = ArtworkViewT['candidates'][number]['images'][number];

/** Polls the artwork entry until the job has written it (the test's timeout bounds the wait). */
async function getImage(app: App, img: Image): Promise<{ body: Buffer; contentType: string | undefined; meta: Metadata }> {
  const res = await app.inject({ method: 'GET', url: img.url });
  expect(res.statusCode, img.url).toBe(200);
  return {
    body: res.rawPayload,
    contentType: res.headers['content-type'] as string | undefined,
    meta: await sharp(res.rawPayload).metadata(),
  };
}

const SHARP_FORMAT = { jpeg: 'jpeg', webp: 'webp', avif: 'heif' } as const;
const ASPECT = { hero: [16, 9], poster: [2, 3], tile: [1, 1] } as const;

/** Every image's declared size, content type and ratio, checked on the bytes the API serves. */
async function expectExactCrops(app: App, images: readonly Image[]): Promise<void> {
  expect(new Set(images.map((i) => i.shape))).toEqual(new Set(['hero', 'poster', 'tile']));
  expect(new Set(images.map((i) => i.format))).toEqual(new Set(['avif', 'webp', 'jpeg']));
  for (const img of images) {
    const { contentType, meta } = await getImage(app, img);
    expect(contentType).toBe(img.contentType);
    expect(meta.format).toBe(SHARP_FORMAT[img.format]);
    expect([meta.width, meta.height]).toEqual([img.widthPx, img.heightPx]);
    const [w, h] = ASPECT[img.shape];
    expect(img.widthPx * h, `${img.url} is ${img.widthPx}x${img.heightPx}`).toBe(img.heightPx * w);
  }
}

describe('artwork job and API on real ffmpeg, Redis and storage', () => {
  let stack: TestStack;
  let dir: string;
  let clip: string;
  let id: string;
  let view: ArtworkViewT;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 2 });
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-artwork-'));
    clip = path.join(dir, 'scenes.mp4');
    await makeArtworkMaster(clip);
    id = await ingest(stack.api.app, clip);
    expect((await waitForFinal(stack.api.app, id)).state).toBe('ready');
    view = await waitForArtwork(stack.api.app, id);
  }, 240_000);
  afterAll(async () => {
    await stack?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('chooses no frame from the black, fading, blurred or rolling-text stretches', () => {
    expect(view.status).toBe('ready');
    const chosen = view.candidates.filter((c) => c.chosen);
    expect(chosen.length).toBeGreaterThanOrEqual(3);
    for (const c of chosen) {
      const inside = ARTWORK_MASTER_BAD_STRETCHES.find((s) => c.atS >= s.startS - 0.02 && c.atS <= s.endS + 0.02);
      expect(inside, `chosen frame at ${c.atS} s`).toBeUndefined();
    }
    // The assertion above means something only if every stretch was sampled and caught.
    for (const s of ARTWORK_MASTER_BAD_STRETCHES) {
      const inside = view.candidates.filter((c) => c.atS > s.startS + 0.05 && c.atS < s.endS - 0.05);
      expect(inside.length, `${s.kind} stretch sampled`).toBeGreaterThan(0);
      expect(
        inside.map((c) => c.rejected?.reason),
        `${s.kind} stretch`,
      ).toContain(s.kind);
      expect(
        inside.filter((c) => c.offered && c.rejected === undefined),
        `${s.kind} stretch`,
      ).toEqual([]);
    }
    // Candidates cover the whole title in time order, each with its score parts.
    const times = view.candidates.map((c) => c.atS);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times.at(-1)).toBeGreaterThan(ARTWORK_MASTER_DURATION_S - 3);
    expect(view.candidates.every((c) => c.parts !== undefined && Object.keys(c.parts).includes('sharpness'))).toBe(true);
    expect(view.primary).toMatchObject({ kind: 'candidate', pinned: false, atS: chosen.find((c) => c.rank === 0)?.atS });
  });

  it('chooses frames that are pairwise distinct by perceptual hash, measured on the served crops', async () => {
    const chosen = view.candidates.filter((c) => c.chosen);
    const hashes = [];
    for (const c of chosen) {
      // The hero crop of a 16:9 master is the whole frame.
      const hero = c.images.filter((i) => i.shape === 'hero' && i.format === 'jpeg').sort((a, b) => b.widthPx - a.widthPx)[0]!;
      const { body } = await getImage(stack.api.app, hero);
      hashes.push({ atS: c.atS, ...featuresOf(await decodeForAnalysis(body, 480)).hashes });
    }
    for (let i = 0; i < hashes.length; i++) {
      for (let j = i + 1; j < hashes.length; j++) {
        const a = hashes[i]!;
        const b = hashes[j]!;
        // The core's near-duplicate limits are pHash ≤ 8 or dHash ≤ 10 of 64 bits; JPEG may move a bit or two.
        expect(hammingDistance(a.pHash, b.pHash), `pHash ${a.atS} s vs ${b.atS} s`).toBeGreaterThan(6);
        expect(hammingDistance(a.dHash, b.dHash), `dHash ${a.atS} s vs ${b.atS} s`).toBeGreaterThan(8);
      }
    }
  });

  it('crops every chosen frame to exactly 16:9, 2:3 and 1:1 in AVIF, WebP and JPEG', async () => {
    for (const c of view.candidates.filter((x) => x.chosen)) {
      expect(c.imageError).toBeUndefined();
      await expectExactCrops(stack.api.app, c.images);
      // 640×360 master: widths larger than the crop window are skipped, never upscaled.
      expect(Math.max(...c.images.filter((i) => i.shape === 'hero').map((i) => i.widthPx))).toBe(640);
    }
    const other = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${id}/artwork/images/f99999999-hero-640.jpg` });
    expect(other.statusCode).toBe(404);
    expect(other.json()).toMatchObject({ code: 'VF_ARTWORK_IMAGE_NOT_FOUND' });
  });

  it('pins a chosen frame as primary, and refuses frames without crops or unknown times', async () => {
    const second = view.candidates.find((c) => c.rank === 1)!;
    const res = await stack.api.app.inject({ method: 'POST', url: `/v1/titles/${id}/artwork/pin`, payload: { atS: second.atS } });
    expect(res.statusCode).toBe(200);
    const pinned = res.json<ArtworkViewT>();
    expect(pinned.primary).toMatchObject({ kind: 'candidate', atS: second.atS, pinned: true });
    expect(pinned.candidates.filter((c) => c.pinned).map((c) => c.atS)).toEqual([second.atS]);
    expect((await waitForArtwork(stack.api.app, id)).primary).toMatchObject({ atS: second.atS, pinned: true });

    const rejected = view.candidates.find((c) => c.rejected !== undefined)!;
    expect(rejected).toBeDefined();
    const refused = await stack.api.app.inject({ method: 'POST', url: `/v1/titles/${id}/artwork/pin`, payload: { atS: rejected.atS } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'VF_ARTWORK_NOT_PINNABLE' });
    expect(refused.json().message).toContain(rejected.rejected!.reason);
    const unknown = await stack.api.app.inject({ method: 'POST', url: `/v1/titles/${id}/artwork/pin`, payload: { atS: 999 } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'VF_ARTWORK_CANDIDATE_NOT_FOUND' });
    const bad = await stack.api.app.inject({ method: 'POST', url: `/v1/titles/${id}/artwork/pin`, payload: { atS: 'soon' } });
    expect(bad.statusCode).toBe(400);
  });

  it('pins a usable frame the job did not shortlist: cropped from the master at full resolution, then primary', async () => {
    const offList = view.candidates.find((c) => !c.chosen && c.rejected === undefined && c.images.length === 0)!;
    expect(offList).toBeDefined();
    const res = await stack.api.app.inject({ method: 'POST', url: `/v1/titles/${id}/artwork/pin`, payload: { atS: offList.atS } });
    expect(res.statusCode).toBe(200);
    const pinned = res.json<ArtworkViewT>();
    expect(pinned.primary).toMatchObject({ kind: 'candidate', atS: offList.atS, pinned: true });
    const entry = pinned.candidates.find((c) => c.atS === offList.atS)!;
    expect([...new Set(entry.images.map((i) => i.shape))].sort()).toEqual(['hero', 'poster', 'tile']);
    expect([...new Set(entry.images.map((i) => i.format))].sort()).toEqual(['avif', 'jpeg', 'webp']);
    const ratio: Record<string, number> = { hero: 16 / 9, poster: 2 / 3, tile: 1 };
    for (const img of entry.images.filter((i) => i.format === 'jpeg')) {
      const got = await stack.api.app.inject({ method: 'GET', url: img.url });
      expect(got.statusCode).toBe(200);
      const meta = await sharp(got.rawPayload).metadata();
      expect((meta.width ?? 0) / (meta.height ?? 1)).toBeCloseTo(ratio[img.shape] ?? NaN, 6);
    }
    // The other candidates are as they were: only the pinned one gained crops.
    expect(pinned.candidates.filter((c) => c.images.length > 0).length).toBe(view.candidates.filter((c) => c.images.length > 0).length + 1);
  });

  it('takes a custom upload as primary, cropped to the exact ratios, and rejects what is not a usable image', async () => {
    const png = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#336699' } })
      .composite([
        {
          input: Buffer.from(
            '<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="800"><circle cx="700" cy="350" r="220" fill="#f4c542"/>' +
              '<rect x="100" y="500" width="300" height="200" fill="#c0392b"/></svg>',
          ),
        },
      ])
      .png()
      .toBuffer();
    const put = (payload: Buffer, contentType = 'image/png') =>
      stack.api.app.inject({ method: 'PUT', url: `/v1/titles/${id}/artwork/custom`, headers: { 'content-type': contentType }, payload });

    const res = await put(png);
    expect(res.statusCode).toBe(200);
    const after = res.json<ArtworkViewT>();
    expect(after.primary).toMatchObject({ kind: 'custom', pinned: true });
    expect(after.custom).toMatchObject({ widthPx: 1200, heightPx: 800 });
    await expectExactCrops(stack.api.app, after.custom!.images);
    // Chosen frames are still listed beside the upload.
    expect(after.candidates.filter((c) => c.chosen).length).toBe(view.candidates.filter((c) => c.chosen).length);

    const text = await put(Buffer.from('this is not an image\n'.repeat(50)), 'application/octet-stream');
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ code: 'VF_ARTWORK_NOT_AN_IMAGE' });
    const jpeg = await sharp(png).jpeg().toBuffer();
    const truncated = await put(jpeg.subarray(0, Math.floor(jpeg.length / 3)), 'image/jpeg');
    expect(truncated.statusCode).toBe(415);
    expect(truncated.json()).toMatchObject({ code: 'VF_ARTWORK_NOT_AN_IMAGE' });
    const tiny = await put(
      await sharp({ create: { width: 120, height: 90, channels: 3, background: '#808080' } })
        .png()
        .toBuffer(),
    );
    expect(tiny.statusCode).toBe(422);
    expect(tiny.json()).toMatchObject({ code: 'VF_ARTWORK_IMAGE_TOO_SMALL' });
    // Refused uploads change nothing.
    expect((await waitForArtwork(stack.api.app, id)).custom?.widthPx).toBe(1200);
  });

  it('flags an all-black 2 s title as having no usable frame, and the title still becomes ready', async () => {
    const black = path.join(dir, 'black.mp4');
    await makeBlackMaster(black);
    const blackId = await ingest(stack.api.app, black);
    expect((await waitForFinal(stack.api.app, blackId)).state).toBe('ready');
    const art = await waitForArtwork(stack.api.app, blackId);
    expect(art.status).toBe('no-usable-frame');
    expect(art.flag).toBe('no-usable-frame');
    expect(art.reason).toMatch(/black/);
    expect(art.primary).toBeNull();
    expect(art.candidates.length).toBeGreaterThan(0);
    expect(art.candidates.every((c) => !c.chosen && c.rejected?.reason === 'black')).toBe(true);
    const pin = await stack.api.app.inject({
      method: 'POST',
      url: `/v1/titles/${blackId}/artwork/pin`,
      payload: { atS: art.candidates[0]!.atS },
    });
    expect(pin.json()).toMatchObject({ code: 'VF_ARTWORK_NOT_PINNABLE' });
  });

  it('answers 404 for unknown titles, 202 while artwork is pending, 409 once the title failed without it', async () => {
    const unknown = await stack.api.app.inject({ method: 'GET', url: '/v1/titles/no-such-title/artwork' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'VF_TITLE_NOT_FOUND' });

    const waiting = await createTitle(stack.api.app, 'no master yet');
    const pending = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${waiting.id}/artwork` });
    expect(pending.statusCode).toBe(202);
    expect(pending.json()).toEqual({ titleId: waiting.id, status: 'pending', titleState: 'uploading' });
    const early = await stack.api.app.inject({ method: 'POST', url: `/v1/titles/${waiting.id}/artwork/pin`, payload: { atS: 1 } });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ code: 'VF_ARTWORK_NOT_READY' });

    const notes = path.join(dir, 'notes.txt');
    await makeTextFile(notes);
    const failedId = await ingest(stack.api.app, notes);
    expect((await waitForFinal(stack.api.app, failedId)).state).toBe('failed');
    const failed = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${failedId}/artwork` });
    expect(failed.statusCode).toBe(409);
    expect(failed.json()).toMatchObject({ code: 'VF_ARTWORK_NOT_READY' });
  });
});

describe('artwork extraction on a damaged master', () => {
  it('keeps going past corrupt bytes in the middle and still finds frames after them', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-artwork-corrupt-'));
    try {
      const clip = path.join(dir, 'scenes.mp4');
      await makeArtworkMaster(clip);
      // Overwrite 16 KiB of the media data at 60 % of the file (past the moov box: faststart).
      const size = (await stat(clip)).size;
      const fh = await open(clip, 'r+');
      await fh.write(Buffer.alloc(16 * 1024, 0xa5), 0, 16 * 1024, Math.floor(size * 0.6));
      await fh.close();
      const video = {
        durationS: ARTWORK_MASTER_DURATION_S,
        startTimeS: 0,
        frameRate: { num: 25, den: 1 },
        displayWidth: 640,
        displayHeight: 360,
      };
      const scratch = path.join(dir, 'scratch');
      await mkdir(scratch);
      const extracted = await extractCandidates(clip, video, planArtworkSampling(video), scratch);
      const times = extracted.analysed.map((a) => a.atS);
      expect(times.some((t) => t < 2)).toBe(true);
      expect(times.some((t) => t > 12)).toBe(true);
      const selection = chooseFromBursts(extracted.analysed);
      expect(selection.usable).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('says that no frame could be decoded, and why, when the media data is all garbage', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-artwork-garbage-'));
    try {
      const clip = path.join(dir, 'scenes.mp4');
      await makeArtworkMaster(clip);
      // Everything after the moov box (faststart) overwritten: the container opens, no frame decodes.
      const data = await readFile(clip);
      const mdat = data.indexOf('mdat') + 4;
      await writeFile(clip, Buffer.concat([data.subarray(0, mdat), Buffer.alloc(data.length - mdat, 0xa5)]));
      const video = {
        durationS: ARTWORK_MASTER_DURATION_S,
        startTimeS: 0,
        frameRate: { num: 25, den: 1 },
        displayWidth: 640,
        displayHeight: 360,
      };
      const scratch = path.join(dir, 'scratch');
      await mkdir(scratch);
      const failure = await extractCandidates(clip, video, planArtworkSampling(video), scratch).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(FrameNotDecodedError);
      expect(failure).toMatchObject({
        code: 'VF_ARTWORK_NO_FRAME',
        message: expect.stringMatching(/^no candidate frame could be decoded from the master/),
      });
      expect((failure as Error).message).not.toContain('exited with code 0');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
