import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { verifyMasterJob } from '../../pipeline/graph.ts';
import { partBytes, planParts, S3_MAX_OBJECT_BYTES } from '../../storage/part-plan.ts';
import type { DirectUploads } from '../../storage/port.ts';
import { DEFAULT_MAX_UPLOAD_BYTES } from '../config.ts';
import type { RouteDeps } from '../deps.ts';
import { HttpErrors } from '../errors.ts';
import { ErrorBody, IdParams, TitleView } from '../schemas.ts';
import { directKey, directMember, type DirectUploadRecord } from '../uploads/direct.ts';
import {
  CompleteDirectUploadBody,
  CreateDirectUploadBody,
  DirectUploadParams,
  DirectUploadView,
  type DirectUploadViewT,
  PartUrlsQuery,
  PartUrlsView,
} from '../uploads/schemas.ts';
import type { UploadService } from '../uploads/service.ts';
import { titleView } from './titles.ts';

/** How long a presigned part URL works (within the upload's own expiry). */
const PART_URL_TTL_S = 6 * 3600;

/** S3 errors that mean the client's part list is wrong (a part missing, an ETag that is not the part's, a part too small). */
const BAD_PARTS = new Set(['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall', 'MalformedXML']);

const view = (r: DirectUploadRecord, expiryS: number): DirectUploadViewT => ({
  id: r.uploadId,
  titleId: r.titleId,
  sizeBytes: r.sizeBytes,
  partSizeBytes: r.partSizeBytes,
  partCount: r.partCount,
  expiresAt: new Date(r.createdAtMs + expiryS * 1000).toISOString(),
});

/**
 * Direct-to-bucket uploads (S3 storage only): the API starts a multipart upload of the title's
 * master, hands out presigned part URLs, and on completion checks the size (HeadObject) and
 * queues `verify-master`, which hashes the object on a worker against the declared SHA-256
 * before the title is queued. The API never carries the bytes.
 */
export const directUploadRoutes: FastifyPluginAsyncTypebox<RouteDeps & { uploads: UploadService }> = async (app, deps) => {
  const { titles, store, jobs, uploads } = deps;
  const records = uploads.directRecords;
  const maxUpload = Math.min(deps.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES, S3_MAX_OBJECT_BYTES);
  const direct = (): DirectUploads => {
    if (store.directUploads === undefined) throw new HttpErrors.DirectUploadNeedsS3();
    return store.directUploads;
  };
  const recordOf = async (id: string, uploadId: string): Promise<DirectUploadRecord> => {
    const r = await records.get(id, uploadId);
    if (r === undefined) throw new HttpErrors.DirectUploadNotFound(id, uploadId);
    return r;
  };

  app.post(
    '/v1/titles/:id/direct-uploads',
    {
      schema: {
        tags: ['titles'],
        summary: 'Start a direct upload of the master to the bucket (S3 storage): then fetch part URLs, PUT the parts, complete',
        params: IdParams,
        body: CreateDirectUploadBody,
        response: { 201: DirectUploadView, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 501: ErrorBody },
      },
    },
    async (req, reply) => {
      const uploadsOnBucket = direct();
      const { id } = req.params;
      const t = await titles.get(id);
      if (t === undefined) throw new HttpErrors.TitleNotFound(id);
      if (t.state !== 'uploading' || t.source !== undefined) throw new HttpErrors.MasterAlreadyUploaded(id, t.state);
      const { sizeBytes, sha256, contentType } = req.body;
      if (sizeBytes > maxUpload) throw new HttpErrors.UploadTooLarge(maxUpload);
      const plan = planParts(sizeBytes);
      const uploadId = randomBytes(16).toString('hex');
      const key = directKey(id, uploadId);
      const s3UploadId = await uploadsOnBucket.create(key, contentType);
      const record: DirectUploadRecord = { titleId: id, uploadId, s3UploadId, key, sizeBytes, sha256, ...plan, createdAtMs: Date.now() };
      await records.save(record);
      await uploads.registry.touch(directMember(id, uploadId), record.createdAtMs);
      return reply.status(201).send(view(record, uploads.expiryS));
    },
  );

  app.get(
    '/v1/titles/:id/direct-uploads/:uploadId/part-urls',
    {
      schema: {
        tags: ['titles'],
        summary: 'Presigned URLs of `count` parts from part `first`',
        params: DirectUploadParams,
        querystring: PartUrlsQuery,
        response: { 200: PartUrlsView, 400: ErrorBody, 404: ErrorBody, 501: ErrorBody },
      },
    },
    async (req) => {
      const uploadsOnBucket = direct();
      const r = await recordOf(req.params.id, req.params.uploadId);
      const { first, count } = req.query;
      if (first > r.partCount) throw new HttpErrors.DirectUploadInvalid(`first: the upload has ${r.partCount} parts, got ${first}`);
      const expiresInS = Math.max(1, Math.min(PART_URL_TTL_S, Math.floor((r.createdAtMs + uploads.expiryS * 1000 - Date.now()) / 1000)));
      const numbers = Array.from({ length: Math.min(count, r.partCount - first + 1) }, (_, i) => first + i);
      const urls = await Promise.all(
        numbers.map(async (partNumber) => ({
          partNumber,
          sizeBytes: partBytes(r, r.sizeBytes, partNumber),
          url: await uploadsOnBucket.partUrl(r.key, r.s3UploadId, partNumber, expiresInS),
        })),
      );
      return { urls, expiresAt: new Date(Date.now() + expiresInS * 1000).toISOString() };
    },
  );

  app.post(
    '/v1/titles/:id/direct-uploads/:uploadId/complete',
    {
      schema: {
        tags: ['titles'],
        summary: 'Complete a direct upload: its size is checked, then its SHA-256 on a worker, and the title is queued',
        params: DirectUploadParams,
        body: CompleteDirectUploadBody,
        response: { 202: TitleView, 400: ErrorBody, 404: ErrorBody, 422: ErrorBody, 501: ErrorBody },
      },
    },
    async (req, reply) => {
      const uploadsOnBucket = direct();
      const { id, uploadId } = req.params;
      const r = await recordOf(id, uploadId);
      const numbers = req.body.parts.map((p) => p.partNumber).sort((a, b) => a - b);
      if (numbers.length !== r.partCount || numbers.some((n, i) => n !== i + 1)) {
        throw new HttpErrors.DirectUploadInvalid(`parts: expected each of parts 1 to ${r.partCount} once, got ${numbers.length} parts`);
      }
      try {
        await uploadsOnBucket.complete(r.key, r.s3UploadId, req.body.parts);
      } catch (err) {
        const name = (err as { name?: string }).name ?? '';
        if (BAD_PARTS.has(name)) throw new HttpErrors.DirectUploadInvalid(`parts: the bucket refused them (${name})`);
        if (name === 'NoSuchUpload') throw new HttpErrors.DirectUploadNotFound(id, uploadId);
        throw err;
      }
      // Completed once: a second completion of the same upload finds no record.
      if (!(await records.delete(id, uploadId))) throw new HttpErrors.DirectUploadNotFound(id, uploadId);
      await uploads.registry.forget(directMember(id, uploadId));
      const head = await store.head(r.key);
      if (head?.sizeBytes !== r.sizeBytes) {
        await store.delete(r.key).catch(() => undefined);
        throw new HttpErrors.MasterSizeMismatch(head?.sizeBytes ?? 0, r.sizeBytes);
      }
      await titles.setUploadProgress(id, { receivedBytes: r.sizeBytes, totalBytes: r.sizeBytes, status: 'verifying' });
      const job = verifyMasterJob({ titleId: id, uploadId, key: r.key, sizeBytes: r.sizeBytes, sha256: r.sha256 });
      await jobs.add(job.name, job.data, job.opts);
      const t = await titles.get(id);
      if (t === undefined) throw new HttpErrors.TitleNotFound(id);
      return reply.status(202).send(await titleView(titles, t));
    },
  );

  app.delete(
    '/v1/titles/:id/direct-uploads/:uploadId',
    {
      schema: {
        tags: ['titles'],
        summary: 'Abort a direct upload: its parts are deleted from the bucket',
        params: DirectUploadParams,
        response: { 204: Type.Null(), 404: ErrorBody, 501: ErrorBody },
      },
    },
    async (req, reply) => {
      const uploadsOnBucket = direct();
      const { id, uploadId } = req.params;
      const r = await recordOf(id, uploadId);
      if (!(await records.delete(id, uploadId))) throw new HttpErrors.DirectUploadNotFound(id, uploadId);
      await uploads.registry.forget(directMember(id, uploadId));
      await uploadsOnBucket.abort(r.key, r.s3UploadId).catch(() => undefined);
      return reply.status(204).send(null);
    },
  );
};
