import { mkdir } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import { Server } from '@tus/server';
import { EVENTS, IoRedisKvStore, type Upload } from '@tus/utils';
import type { ObjectStore } from '../../storage/port.ts';
import { sha256OfObject } from '../../storage/transfer.ts';
import type { TitleStore } from '../../titles/store.ts';
import type { JobQueue } from '../deps.ts';
import { HttpErrors } from '../errors.ts';
import type { ExpectedChecksum } from './checksum.ts';
import { DirectUploadRecords, directMember, sweepDirectUploads } from './direct.ts';
import { UploadHashes } from './hashes.ts';
import { isTitleId, keyOfToken, newTusKey, titleOfKey, tokenOfKey } from './ids.ts';
import { publishMaster } from './publish.ts';
import { RedisLocker } from './redis-locker.ts';
import { UploadRegistry } from './registry.ts';
import { requestChecksum, TrackedStore, tusMember } from './tracked-store.ts';
import { tusErrorMapper, type ErrorJson } from './tus-errors.ts';

/** Where the tus endpoint is mounted: `POST /v1/uploads` creates, `/v1/uploads/<token>` is an upload. */
export const TUS_PATH = '/v1/uploads';

/** An unfinished upload left alone this long expires (`VF_UPLOAD_EXPIRY_S`): a day. */
export const DEFAULT_UPLOAD_EXPIRY_S = 86_400;

/** How long a completing upload holds its title's claim while it publishes the master. */
const PUBLISH_LEASE_MS = 60_000;

export interface UploadServiceDeps {
  readonly redis: Redis;
  readonly titles: TitleStore;
  readonly store: ObjectStore;
  readonly jobs: JobQueue;
  readonly maxUploadBytes: number;
  /** @defaultValue {@link DEFAULT_UPLOAD_EXPIRY_S} */
  readonly expiryS?: number;
  /** Scratch space: a body waits there while its checksum is verified. */
  readonly spoolDir: string;
  readonly log: FastifyBaseLogger;
}

export interface UploadService {
  /** Serves one tus request; `checksum` is its parsed `Upload-Checksum`. */
  handle(req: Request, checksum: ExpectedChecksum | undefined): Promise<Response>;
  /** The API's error body for whatever a tus request failed with (unexpected ones are logged). */
  errorOf(err: unknown): ErrorJson;
  /** Deletes the parts of unfinished uploads idle past the expiry; returns how many. */
  sweep(): Promise<number>;
  /** Removes the unfinished uploads of a title, resumable and direct (its deletion). */
  dropUploadsOf(titleId: string): Promise<void>;
  readonly registry: UploadRegistry;
  /** Direct uploads in progress (routes/direct-uploads.ts). */
  readonly directRecords: DirectUploadRecords;
  readonly expiryS: number;
  /** Stops the sweep and releases the upload locks this process holds. */
  close(): Promise<void>;
}

/**
 * Resumable uploads on the tus 1.0 protocol (core, creation, termination, checksum, expiration),
 * served by tus's own server library on the storage adapter's DataStore. A tus upload belongs to
 * a title created with `POST /v1/titles` (its id in `Upload-Metadata: titleId`); when its last
 * byte is stored, the master is published as the single PUT publishes it and its probe queued.
 */
export async function createUploadService(deps: UploadServiceDeps): Promise<UploadService> {
  const expiryS = deps.expiryS ?? DEFAULT_UPLOAD_EXPIRY_S;
  const { titles, store, log } = deps;
  const prefix = titles.prefix;
  await mkdir(deps.spoolDir, { recursive: true });
  const registry = new UploadRegistry(deps.redis, prefix);
  const hashes = new UploadHashes();
  const locker = new RedisLocker(deps.redis, { prefix: `${prefix}:upload-lock:` });
  const inner = await store.resumableUploads({ metadataCache: () => new IoRedisKvStore(deps.redis, `${prefix}:uploads:info:`) });
  /** Records bytes received on the title (its total from the upload, or from what creation recorded). */
  const progress = (key: string, receivedBytes: number, totalBytes?: number): void => {
    const titleId = titleOfKey(key);
    if (titleId === undefined) return;
    const total = totalBytes === undefined ? titles.uploadProgress(titleId).then((p) => p?.totalBytes) : Promise.resolve(totalBytes);
    total
      .then((t) => (t === undefined ? false : titles.setUploadProgress(titleId, { receivedBytes, totalBytes: t, status: 'receiving' })))
      .catch(() => undefined);
  };
  const datastore = new TrackedStore(inner, registry, hashes, {
    expiryMs: expiryS * 1000,
    spoolDir: deps.spoolDir,
    locker,
    onStored: (key, offset) => progress(key, offset),
  });
  const mapError = tusErrorMapper({ expiryS, maxUploadBytes: deps.maxUploadBytes });

  /**
   * Publishes a complete upload's master, once: called when its last byte is stored, and again
   * on a HEAD, so an upload whose publication failed (Redis away, another upload holding the
   * title) is published when its client comes back rather than never.
   */
  const publish = async (upload: Upload): Promise<void> => {
    const key = upload.id;
    const titleId = titleOfKey(key) ?? '';
    const claimId = tokenOfKey(key) ?? key;
    await registry.forget(tusMember(key));
    const t = await titles.get(titleId);
    if (t?.source?.key === key) return;
    const discard = async (): Promise<void> => {
      hashes.drop(key);
      await inner.remove(key).catch(() => undefined);
    };
    if (t === undefined) {
      await discard();
      throw new HttpErrors.TitleNotFound(titleId);
    }
    if (t.state !== 'uploading' || t.source !== undefined) {
      await discard();
      throw new HttpErrors.MasterAlreadyUploaded(titleId, t.state);
    }
    const sizeBytes = upload.size ?? upload.offset;
    // Hashed as the bytes came in when this process saw them all; else read back once.
    const sha256 = hashes.digestAt(key, sizeBytes) ?? (await sha256OfObject(store, key));
    const claim = await titles.claimUpload(titleId, claimId, PUBLISH_LEASE_MS);
    if (claim.kind === 'missing') throw new HttpErrors.TitleNotFound(titleId);
    if (claim.kind === 'not-uploading') {
      if ((await titles.get(titleId))?.source?.key === key) return;
      throw new HttpErrors.MasterAlreadyUploaded(titleId, t.state);
    }
    // Another upload of the master is publishing or streaming: 423, which tus clients retry.
    if (claim.kind === 'busy') throw new HttpErrors.UploadLocked();
    await publishMaster(deps, titleId, claimId, { key, sizeBytes, sha256 }, discard);
    hashes.drop(key);
  };

  const server = new Server({
    path: TUS_PATH,
    datastore,
    locker,
    maxSize: deps.maxUploadBytes,
    // A completed upload is a title's master: DELETE on it is refused (400, answered as 409 VF_UPLOAD_COMPLETE).
    disableTerminationForFinishedUploads: true,
    postReceiveInterval: 1000,
    namingFunction: (_req, metadata) => {
      const titleId = metadata?.titleId;
      if (typeof titleId !== 'string' || !isTitleId(titleId)) {
        throw new HttpErrors.UploadMetadataInvalid('Upload-Metadata must name the title: titleId <base64 of the id from POST /v1/titles>');
      }
      return newTusKey(titleId);
    },
    getFileIdFromRequest: (_req, lastPath) => (lastPath === undefined ? undefined : keyOfToken(lastPath)),
    generateUrl: (_req, { path, id }) => `${path}/${tokenOfKey(id) ?? ''}`,
    onUploadCreate: async (_req, upload) => {
      const titleId = titleOfKey(upload.id) ?? '';
      const t = await titles.get(titleId);
      if (t === undefined) throw new HttpErrors.TitleNotFound(titleId);
      if (t.state !== 'uploading' || t.source !== undefined) throw new HttpErrors.MasterAlreadyUploaded(titleId, t.state);
      if (upload.size !== undefined)
        await titles.setUploadProgress(titleId, { receivedBytes: 0, totalBytes: upload.size, status: 'receiving' });
      return {};
    },
    onUploadFinish: async (_req, upload) => {
      await publish(upload);
      return {};
    },
    onIncomingRequest: async (req, key) => {
      if (req.method !== 'HEAD') return;
      const upload = await datastore.getUpload(key).catch(() => undefined);
      if (upload?.size !== undefined && upload.offset === upload.size) await publish(upload);
    },
    onResponseError: (_req, err) => {
      const { json, unexpected } = mapError(err);
      if (unexpected) log.error({ err }, 'resumable upload request failed');
      return { status_code: json.statusCode, body: JSON.stringify(json) };
    },
  });
  server.on(EVENTS.POST_RECEIVE, (_req: unknown, upload: Upload) => progress(upload.id, upload.offset, upload.size));

  const directRecords = new DirectUploadRecords(deps.redis, prefix, expiryS + 86_400);
  const sweepEveryMs = Math.min(60_000, Math.max(250, (expiryS * 1000) / 4));
  let sweeping: Promise<number> | undefined;
  const sweepBoth = async (): Promise<number> => {
    const direct = store.directUploads;
    const aborted = direct === undefined ? 0 : await sweepDirectUploads(registry, directRecords, direct, Date.now() - expiryS * 1000);
    // The library's expiration extension: TrackedStore.deleteExpired.
    return aborted + (await server.cleanUpExpiredUploads());
  };
  const sweep = (): Promise<number> => {
    sweeping ??= sweepBoth()
      .catch((err: unknown) => {
        log.warn({ err }, 'expired uploads not swept');
        return 0;
      })
      .finally(() => (sweeping = undefined));
    return sweeping;
  };
  const timer = setInterval(() => void sweep(), sweepEveryMs);
  timer.unref();

  return {
    handle: (req, checksum) =>
      checksum === undefined ? server.handleWeb(req) : requestChecksum.run(checksum, () => server.handleWeb(req)),
    errorOf: (err) => {
      const { json, unexpected } = mapError(err);
      if (unexpected) log.error({ err }, 'resumable upload request failed');
      return json;
    },
    sweep,
    dropUploadsOf: async (titleId) => {
      for (const member of await registry.startingWith(tusMember(`titles/${titleId}/`))) {
        const key = member.slice('tus:'.length);
        await datastore.remove(key).catch(() => registry.forget(member));
      }
      for (const member of await registry.startingWith(directMember(titleId, ''))) {
        const r = await directRecords.get(titleId, member.split(':')[2] ?? '');
        if (r !== undefined) await store.directUploads?.abort(r.key, r.s3UploadId).catch(() => undefined);
        await registry.forget(member);
      }
    },
    registry,
    directRecords,
    expiryS,
    close: async () => {
      clearInterval(timer);
      await locker.releaseAll();
    },
  };
}
