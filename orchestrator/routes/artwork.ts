/**
 * Artwork of a title: the candidates the artwork job scored, their crops, and what content ops
 * change (pin a chosen frame, upload their own image).
 *
 * `GET /v1/titles/:id/artwork` answers 200 once the job has written the title's entry (status
 * `ready`, `no-usable-frame` with `flag` and `reason`, or `failed` with `error`), 202
 * `{ status: 'pending' }` while it has not, and 409 `VF_ARTWORK_NOT_READY` when the title failed
 * before its artwork was computed (it never will be). Pinning and uploads need the entry too
 * (409 before it exists).
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import {
  artworkVersionPrefix,
  customArtworkPrefix,
  customStem,
  frameStem,
  manifestImages,
  readArtworkManifest,
  storeCrops,
  writeArtworkManifest,
  type ArtworkImage,
  type ArtworkManifest,
} from '../../stills/manifest.ts';
import { ObjectNotFoundError } from '../../storage/port.ts';
import type { RouteDeps } from '../deps.ts';
import { HttpErrors } from '../errors.ts';
import { WorkGate } from '../work-gate.ts';
import { HelperCrashedError, HelperProcess } from '../runtime/helper-process.ts';
import type { ImagingReply, ImagingRequest } from '../imaging/child.ts';
import { ErrorBody, IdParams } from '../schemas.ts';
import { acceptRawBodies } from './raw-body.ts';
import { ArtworkPending, ArtworkView, artworkView, ImageParams, PinBody, SAME_FRAME_S } from './artwork-view.ts';

/** Largest custom image accepted, bytes. */
export const MAX_CUSTOM_ARTWORK_BYTES = 25 * 1024 * 1024;

/** Streams an upload to `file`, refusing it past `limit` bytes (nothing of it is kept). */
async function writeLimited(body: Readable, file: string, limit: number): Promise<void> {
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      done(bytes > limit ? new HttpErrors.ArtworkImageTooLarge(limit) : null, chunk);
    },
  });
  await pipeline(body, count, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
}

export const artworkRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { titles, store } = deps;
  // Decodes and crops (uploads and pinned frames) run one at a time, in a helper process (each
  // holds up to ~250 MB); the rest wait their turn with their bodies unread, and past 32
  // waiting the API answers 503. The API itself never decodes an image or runs ffmpeg.
  const imagingGate = new WorkGate({ name: 'artwork images', concurrency: 1, maxWaiting: 32, retryAfterS: 5 });
  const imaging = new HelperProcess<ImagingRequest, ImagingReply>({
    name: 'imaging',
    entry: new URL('../imaging/child.mjs', import.meta.url),
    // glibc gives each libvips thread its own malloc arena and keeps what they free: two
    // arenas hold the helper's resident set near what one decode needs.
    env: { MALLOC_ARENA_MAX: '2' },
    recycleAboveBytes: 384 * 1024 * 1024,
  });
  app.addHook('onClose', () => imaging.close());

  // Read here with their own limit (the app's JSON limit is 64 KiB).
  acceptRawBodies(app, ['application/octet-stream', /^image\/[a-z0-9.+-]+$/i]);

  /** The title's entry, or the right error for a title that has none. */
  const manifestOf = async (id: string): Promise<ArtworkManifest | { pending: string }> => {
    const t = await titles.get(id);
    if (t === undefined) throw new HttpErrors.TitleNotFound(id);
    const m = await readArtworkManifest(store, id);
    if (m !== undefined) return m;
    if (t.state === 'failed') throw new HttpErrors.ArtworkNotReady(id, t.state);
    return { pending: t.state };
  };
  const requireManifest = async (id: string): Promise<ArtworkManifest> => {
    const m = await manifestOf(id);
    if ('pending' in m) throw new HttpErrors.ArtworkNotReady(id, m.pending);
    return m;
  };

  app.get(
    '/v1/titles/:id/artwork',
    {
      schema: {
        tags: ['titles'],
        summary: 'Artwork candidates, scores, chosen frames and image URLs (202 while not yet computed)',
        params: IdParams,
        response: { 200: ArtworkView, 202: ArtworkPending, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const m = await manifestOf(req.params.id);
      if ('pending' in m) return reply.status(202).send({ titleId: req.params.id, status: 'pending' as const, titleState: m.pending });
      return reply.status(200).send(artworkView(m));
    },
  );

  app.get(
    '/v1/titles/:id/artwork/images/:file',
    {
      schema: {
        tags: ['titles'],
        summary: 'One stored artwork image (AVIF, WebP or JPEG)',
        params: ImageParams,
        response: { 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const { id, file } = req.params;
      const m = await requireManifest(id);
      const image = manifestImages(m).find((i) => i.file === file);
      if (image === undefined) throw new HttpErrors.ArtworkImageNotFound(file);
      try {
        const body = await store.stream(image.key);
        // Untyped reply: the body is a byte stream, which no response schema describes.
        return await (reply as FastifyReply)
          .header('content-type', image.contentType)
          .header('content-length', image.bytes)
          .header('access-control-allow-origin', '*')
          // Names carry the source hash and settings (or the upload's hash): the bytes never change.
          .header('cache-control', 'public, max-age=31536000, immutable')
          .send(body);
      } catch (err) {
        if (err instanceof ObjectNotFoundError) throw new HttpErrors.ArtworkImageNotFound(file);
        throw err;
      }
    },
  );

  app.post(
    '/v1/titles/:id/artwork/pin',
    {
      schema: {
        tags: ['titles'],
        summary: "Pin a candidate as the title's primary artwork (a usable frame off the shortlist is cropped first)",
        params: IdParams,
        body: PinBody,
        response: { 200: ArtworkView, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (req) => {
      const { id } = req.params;
      const { atS } = req.body;
      const m = await requireManifest(id);
      const c = m.candidates.find((x) => Math.abs(x.atS - atS) < SAME_FRAME_S);
      if (c === undefined) throw new HttpErrors.ArtworkCandidateNotFound(id, atS);
      // A hard-rejected frame (black, blurred, mid-fade…) is not artwork, whoever asks.
      if (c.rejected !== undefined) throw new HttpErrors.ArtworkNotPinnable(c.atS, c.rejected.reason);
      const images = (c.images?.length ?? 0) > 0 ? undefined : await imagingGate.run(() => cropCandidate(id, m, c.atS));
      // Re-read: the artwork job may have rewritten the entry while the frame was cropped.
      const latest = images === undefined ? m : ((await readArtworkManifest(store, id)) ?? m);
      const candidates =
        images === undefined
          ? latest.candidates
          : latest.candidates.map((x) => (Math.abs(x.atS - c.atS) < SAME_FRAME_S ? { ...x, images } : x));
      const next: ArtworkManifest = { ...latest, candidates, pin: { kind: 'candidate', atS: c.atS, pinnedAt: new Date().toISOString() } };
      await writeArtworkManifest(store, next);
      return artworkView(next);
    },
  );

  /**
   * Crops a frame the job scored but did not shortlist: the imaging helper re-extracts the one
   * still from the master at full resolution and crops it, so the pin answers at once (about a
   * second of work); the crops are stored here.
   */
  async function cropCandidate(id: string, m: ArtworkManifest, atS: number): Promise<ArtworkImage[]> {
    const t = await titles.get(id);
    if (t?.source === undefined || t.probe === undefined) throw new HttpErrors.ArtworkNotPinnable(atS, 'the master is no longer available');
    const input = await store.readableLocation(t.source.key);
    const reply = await imaging
      .request({ kind: 'frame', input, probe: t.probe, atS, tmpDir: deps.tmpDir ?? os.tmpdir() })
      .catch((err: unknown) => {
        throw err instanceof HelperCrashedError ? new HttpErrors.ArtworkNotPinnable(atS, 'the frame decoder failed on it') : err;
      });
    if (reply.kind !== 'frame') throw new Error(`imaging helper answered ${reply.kind} to a frame`);
    if ('error' in reply.cropped) throw new HttpErrors.ArtworkNotPinnable(atS, reply.cropped.error);
    return storeCrops(store, artworkVersionPrefix(id, m.version), frameStem(atS), reply.cropped.crops);
  }

  app.put(
    '/v1/titles/:id/artwork/custom',
    {
      schema: {
        tags: ['titles'],
        summary: 'Upload an image (raw body) to use as primary artwork; cropped to 16:9, 2:3 and 1:1',
        params: IdParams,
        consumes: ['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'application/octet-stream'],
        response: { 200: ArtworkView, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const m = await requireManifest(id);
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > MAX_CUSTOM_ARTWORK_BYTES) {
        reply.header('connection', 'close');
        throw new HttpErrors.ArtworkImageTooLarge(MAX_CUSTOM_ARTWORK_BYTES);
      }
      try {
        // The body is read only when its turn comes: a queue of uploads waits in the sockets.
        const next = await imagingGate.run(() => customArtwork(id, m, req.body as Readable));
        return reply.status(200).send(artworkView(next));
      } catch (err) {
        if ((err as { retryAfterS?: unknown }).retryAfterS !== undefined) reply.header('connection', 'close');
        throw err;
      }
    },
  );
  /** Checks, crops (in the imaging helper) and stores one uploaded image; returns the entry that makes it primary. */
  async function customArtwork(id: string, m: ArtworkManifest, body: Readable): Promise<ArtworkManifest> {
    const file = path.join(deps.tmpDir ?? os.tmpdir(), `vf-artwork-${randomUUID()}`);
    try {
      await writeLimited(body, file, MAX_CUSTOM_ARTWORK_BYTES);
      const reply = await imaging.request({ kind: 'upload', file }).catch((err: unknown) => {
        throw err instanceof HelperCrashedError ? new HttpErrors.ArtworkNotAnImage('the image decoder failed on it') : err;
      });
      if (reply.kind !== 'upload') throw new Error(`imaging helper answered ${reply.kind} to an upload`);
      const prepared = reply.prepared;
      if (prepared.kind === 'not-an-image') throw new HttpErrors.ArtworkNotAnImage(prepared.reason);
      if (prepared.kind === 'too-small') throw new HttpErrors.ArtworkImageTooSmall(prepared.widthPx, prepared.heightPx, prepared.minSidePx);
      const { sha256, widthPx, heightPx } = prepared;
      const images = await storeCrops(store, customArtworkPrefix(id, sha256), customStem(sha256), prepared.crops);
      // Re-read: the artwork job may have rewritten the entry while the crops were rendered.
      const latest = (await readArtworkManifest(store, id)) ?? m;
      const now = new Date().toISOString();
      const next: ArtworkManifest = {
        ...latest,
        custom: { sha256, widthPx, heightPx, uploadedAt: now, images },
        pin: { kind: 'custom', pinnedAt: now },
      };
      await writeArtworkManifest(store, next);
      return next;
    } finally {
      await rm(file, { force: true });
    }
  }
};
