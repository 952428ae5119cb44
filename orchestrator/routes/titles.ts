import { randomUUID, createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteDeps } from '../deps.ts';
import { HttpErrors } from '../errors.ts';
import {
  CreateTitleBody,
  type CreateTitleBodyT,
  ErrorBody,
  IdParams,
  PriorityBody,
  ListQuery,
  TitleView,
  type TitleViewT,
} from '../schemas.ts';
import { titlePrefix, type AudioTrackChoice, type Title } from '../../titles/model.ts';
import { timelineOf, type JobSpan } from '../../titles/timeline.ts';
import { canonicalTag } from '../../packaging/language.ts';
import type { TitleStore } from '../../titles/store.ts';
import { assertValidKey, StorageKeyError } from '../../storage/port.ts';
import { ANONYMOUS_UPLOADER, reprioritizeChunks, shareTurns } from '../../pipeline/turns.ts';
import { encodeLayout } from '../../pipeline/types.ts';
import { lanePlaces, type QueuePlace } from '../../pipeline/queue-place.ts';
import { scavengeYoungGeneration } from '../runtime/scavenge.ts';
import { bindTitle } from './request-log.ts';
import { sourceVideoView } from '../source-video.ts';
import { acceptRawBodies } from './raw-body.ts';
import { DEFAULT_MAX_UPLOAD_BYTES } from '../config.ts';
import { enqueueProbe, publishMaster } from '../uploads/publish.ts';

/** An upload's claim on its title: renewed every third of it while the body streams, so an API that died mid-upload frees the title within this. */
const UPLOAD_LEASE_MS = 60_000;

function timelineView(spans: readonly JobSpan[], createdAt: string): NonNullable<TitleViewT['timeline']> {
  const t = timelineOf(spans, Date.parse(createdAt));
  return { phases: [...t.phases], criticalPathS: t.criticalPathS };
}

export async function titleView(
  titles: TitleStore,
  t: Title,
  options: { timeline?: boolean; queue?: ReadonlyMap<string, QueuePlace> } = {},
): Promise<TitleViewT> {
  const place = options.queue?.get(t.id);
  const cpu = await titles.cpu(t.id);
  const base = `/v1/titles/${t.id}`;
  return {
    id: t.id,
    name: t.name,
    state: t.state,
    priority: t.priority ?? 'normal',
    progress: await titles.progress(t),
    cpuS: cpu.byJob,
    ...(Object.keys(cpu.byStep).length === 0 ? {} : { cpuStepsS: cpu.byStep }),
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    ...(t.probe === undefined ? {} : { durationS: t.probe.durationS, video: sourceVideoView(t.probe.video) }),
    ...(t.source === undefined ? {} : { source: t.source }),
    ...(t.ladder === undefined ? {} : { ladder: [...t.ladder] }),
    ...(t.ladderAnalysis === undefined ? {} : { ladderAnalysis: t.ladderAnalysis as TitleViewT['ladderAnalysis'] }),
    ...(t.renditions === undefined ? {} : { renditions: [...t.renditions] }),
    ...(t.rungQuality === undefined ? {} : { rungQuality: t.rungQuality }),
    ...(t.error === undefined ? {} : { error: t.error }),
    ...(t.state === 'uploading' ? await uploadView(titles, t.id) : {}),
    ...(t.warnings === undefined || t.warnings.length === 0 ? {} : { warnings: [...t.warnings] }),
    ...(options.timeline === true ? { timeline: timelineView(await titles.spans(t.id), t.createdAt) } : {}),
    ...(place === undefined ? {} : { queue: { ...place } }),
    ...(t.state === 'ready' ? { hls: `${base}/master.m3u8`, dash: `${base}/manifest.mpd` } : {}),
  };
}

/** An upload's progress while the title waits for its master (resumable and direct uploads record it). */
async function uploadView(titles: TitleStore, id: string): Promise<Pick<TitleViewT, 'upload'>> {
  const upload = await titles.uploadProgress(id);
  return upload === undefined ? {} : { upload };
}

/**
 * Body bytes between the scavenges an upload asks for (see scavengeYoungGeneration): bounds
 * the dead chunks it leaves in memory to about this much (V8 alone lets 32 MiB pile up).
 * bench:api, 2 GiB upload: RSS +34 MB with none, +7 to +10 MB at 8 MiB, +5 to +7 MB at 4 MiB,
 * throughput unchanged within noise; at 1 MiB throughput started to drop.
 */
const SCAVENGE_EVERY_BYTES = 4 * 1024 * 1024;

/**
 * Counts bytes as they pass and hashes them, failing the stream once the limit is crossed,
 * so an upload is never buffered and never grows past the limit in storage.
 */
function meter(limit: number): Transform & { bytes: number; sha256: () => string } {
  const hash = createHash('sha256');
  let scavengedAt = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      m.bytes += chunk.length;
      if (m.bytes > limit) {
        cb(new HttpErrors.UploadTooLarge(limit));
        return;
      }
      hash.update(chunk);
      if (m.bytes - scavengedAt >= SCAVENGE_EVERY_BYTES) {
        scavengedAt = m.bytes;
        scavengeYoungGeneration();
      }
      cb(null, chunk);
    },
  });
  const m = Object.assign(t, { bytes: 0, sha256: () => hash.digest('hex') });
  return m;
}

/** Audio choices as the title keeps them: languages canonical BCP-47, each stream once, at most one default. */
function audioChoicesOf(raw: CreateTitleBodyT['audio']): AudioTrackChoice[] | undefined {
  if (raw === undefined) return undefined;
  const seen = new Set<number>();
  const choices = raw.map((c, i): AudioTrackChoice => {
    for (const [field, index] of [['index', c.index] as const, ...(c.joinWith ?? []).map((j, k) => [`joinWith[${k}]`, j] as const)]) {
      if (seen.has(index)) throw new HttpErrors.InvalidRequest(`audio[${i}].${field}: stream ${index} is listed twice`);
      seen.add(index);
    }
    if (c.channels !== undefined && c.joinWith !== undefined)
      throw new HttpErrors.InvalidRequest(
        `audio[${i}]: channels pick from one stream, joinWith joins whole streams; give one or the other`,
      );
    if (c.channels !== undefined && ![1, 2, 6].includes(c.channels.length))
      throw new HttpErrors.InvalidRequest(
        `audio[${i}].channels: ${c.channels.length} channels; a mix is 1 (mono), 2 (L R) or 6 (L R C LFE Ls Rs)`,
      );
    const language = c.language === undefined ? undefined : canonicalTag(c.language);
    if (c.language !== undefined && language === undefined) {
      throw new HttpErrors.InvalidRequest(`audio[${i}].language: ${JSON.stringify(c.language)} is not a BCP-47 language tag`);
    }
    return {
      index: c.index,
      ...(c.joinWith === undefined ? {} : { joinWith: c.joinWith }),
      ...(c.channels === undefined ? {} : { channels: c.channels }),
      ...(language === undefined ? {} : { language }),
      ...(c.name === undefined ? {} : { name: c.name }),
      ...(c.isDefault === undefined ? {} : { isDefault: c.isDefault }),
    };
  });
  if (choices.filter((c) => c.isDefault === true).length > 1)
    throw new HttpErrors.InvalidRequest('audio: at most one stream may be isDefault');
  return choices;
}

export const titleRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { titles, store, jobs } = deps;
  const maxUpload = deps.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;

  acceptRawBodies(app, ['application/octet-stream', /^video\/[\w.+-]+$/]);

  app.post(
    '/v1/titles',
    {
      schema: {
        tags: ['titles'],
        summary: 'Create a title; with `sourceKey`, register a master already in the bucket and queue it',
        body: CreateTitleBody,
        response: { 201: TitleView, 400: ErrorBody, 422: ErrorBody, 503: ErrorBody },
      },
    },
    async (req, reply) => {
      const id = randomUUID();
      bindTitle(req, reply, id);
      const { name, sourceKey } = req.body;
      const audioChoices = audioChoicesOf(req.body.audio);
      const choices = {
        ...(audioChoices === undefined ? {} : { audioChoices }),
        ...(req.body.priority === undefined ? {} : { priority: req.body.priority }),
        ...(req.apiKey === undefined ? {} : { uploader: req.apiKey.id }),
      };
      if (sourceKey === undefined) {
        const t = await titles.create(id, name, 'uploading', choices);
        return reply.status(201).send(await titleView(titles, t));
      }
      try {
        assertValidKey(sourceKey);
      } catch (err) {
        if (err instanceof StorageKeyError) throw new HttpErrors.InvalidKey(JSON.stringify(sourceKey));
        throw err;
      }
      const head = await store.head(sourceKey);
      if (head === undefined) throw new HttpErrors.SourceKeyNotFound(sourceKey);
      const t = await titles.create(id, name, 'queued', { source: { key: sourceKey, sizeBytes: head.sizeBytes }, ...choices });
      await enqueueProbe(jobs, id);
      return reply.status(201).send(await titleView(titles, t));
    },
  );

  app.put(
    '/v1/titles/:id/master',
    {
      schema: {
        tags: ['titles'],
        summary: 'Upload the master as a streamed raw body (Content-Type: application/octet-stream)',
        params: IdParams,
        consumes: ['application/octet-stream'],
        response: { 202: TitleView, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 503: ErrorBody },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const t = await titles.get(id);
      if (t === undefined) throw new HttpErrors.TitleNotFound(id);
      if (t.state !== 'uploading' || t.source !== undefined) throw new HttpErrors.MasterAlreadyUploaded(id, t.state);
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxUpload) {
        // Refuse before reading; tell the client not to keep the connection for the rest.
        reply.header('connection', 'close');
        throw new HttpErrors.UploadTooLarge(maxUpload);
      }
      // One upload at a time per title: a claim (a lease renewed while the body streams) and a
      // key of its own, so a retry racing the first upload can neither overwrite its master nor
      // delete it on failure; the master is published by compare-and-set on completion.
      const uploadId = randomUUID();
      const claim = await titles.claimUpload(id, uploadId, UPLOAD_LEASE_MS);
      if (claim.kind === 'missing') throw new HttpErrors.TitleNotFound(id);
      if (claim.kind === 'not-uploading') throw new HttpErrors.MasterAlreadyUploaded(id, t.state);
      if (claim.kind === 'busy') {
        reply.header('connection', 'close');
        throw Object.assign(new HttpErrors.UploadInProgress(id), { retryAfterS: Math.max(1, Math.ceil(claim.retryAfterMs / 1000)) });
      }
      const body = req.body as Readable;
      const m = meter(maxUpload);
      const key = `${titlePrefix(id)}source/${uploadId}/master`;
      // `pipe` does not pass on a client that goes away mid-body: without this the put would wait forever.
      const onClose = (): void => {
        if (!body.readableEnded) m.destroy(new HttpErrors.UploadAborted());
      };
      body.once('close', onClose);
      const renew = setInterval(() => {
        titles.renewUpload(id, uploadId, UPLOAD_LEASE_MS).then(
          (held) => held || m.destroy(new HttpErrors.UploadClaimLost(id)),
          // Redis away for a moment: the lease has two more renewals before it runs out.
          () => undefined,
        );
      }, UPLOAD_LEASE_MS / 3);
      try {
        await store.put(key, body.pipe(m), { contentType: 'application/octet-stream' });
      } catch (err) {
        await store.delete(key).catch(() => undefined);
        await titles.releaseUpload(id, uploadId).catch(() => undefined);
        if (err instanceof HttpErrors.UploadTooLarge) {
          reply.header('connection', 'close');
          throw err;
        }
        if (err instanceof HttpErrors.UploadClaimLost || err instanceof HttpErrors.UploadAborted) throw err;
        if (body.readableAborted || (body as { aborted?: boolean }).aborted === true) throw new HttpErrors.UploadAborted();
        throw err;
      } finally {
        clearInterval(renew);
        body.off('close', onClose);
      }
      await publishMaster(deps, id, uploadId, { key, sizeBytes: m.bytes, sha256: m.sha256() }, () => store.delete(key));
      const after = await titles.get(id);
      if (after === undefined) throw new HttpErrors.TitleNotFound(id);
      return reply.status(202).send(await titleView(titles, after));
    },
  );

  app.put(
    '/v1/titles/:id/priority',
    {
      schema: {
        tags: ['titles'],
        summary: "Change how urgently the title's chunks are encoded; chunks already queued move at once",
        params: IdParams,
        body: PriorityBody,
        response: { 200: TitleView, 404: ErrorBody },
      },
    },
    async (req) => {
      const { id } = req.params;
      const { priority } = req.body;
      const t = await titles.get(id);
      if (t === undefined) throw new HttpErrors.TitleNotFound(id);
      await titles.update(id, { priority });
      // Within its class a title keeps its turns: only a new class moves its waiting chunks.
      if (t.encodeVersion !== undefined && t.chunkCount !== undefined && (t.priority ?? 'normal') !== priority) {
        const layout = encodeLayout(id, t.source?.key ?? '', t.encodeVersion);
        await titles.withTurnsLock(async () => {
          await reprioritizeChunks(jobs, layout, t.chunkCount ?? 0, priority);
          await shareTurns(jobs, t.uploader ?? ANONYMOUS_UPLOADER, priority, new Set([id]));
        });
      }
      const after = await titles.get(id);
      if (after === undefined) throw new HttpErrors.TitleNotFound(id);
      return titleView(titles, after);
    },
  );

  app.get(
    '/v1/titles/:id',
    {
      schema: {
        tags: ['titles'],
        summary: 'Title status, progress, ladder and renditions',
        params: IdParams,
        response: { 200: TitleView, 404: ErrorBody },
      },
    },
    async (req) => {
      const t = await titles.get(req.params.id);
      if (t === undefined) throw new HttpErrors.TitleNotFound(req.params.id);
      return titleView(titles, t, { timeline: true, queue: lanePlaces(await jobs.waitingOrder()) });
    },
  );

  app.get(
    '/v1/titles',
    {
      schema: {
        tags: ['titles'],
        summary: 'List titles, newest first',
        querystring: ListQuery,
        response: { 200: Type.Object({ total: Type.Integer(), titles: Type.Array(TitleView) }) },
      },
    },
    async (req) => {
      const { titles: rows, total } = await titles.list(req.query.offset, req.query.limit);
      const queue = lanePlaces(await jobs.waitingOrder());
      return { total, titles: await Promise.all(rows.map((t) => titleView(titles, t, { queue }))) };
    },
  );

  app.delete(
    '/v1/titles/:id',
    {
      schema: {
        tags: ['titles'],
        summary: 'Delete a title and every object it owns',
        params: IdParams,
        response: { 204: Type.Null(), 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      // Forget the title first so running jobs see it gone and stop publishing, then remove its objects.
      if (!(await titles.delete(id))) throw new HttpErrors.TitleNotFound(id);
      // Running encodes of the title stop now rather than finishing work nobody will read.
      await titles.announceCancel(id);
      // Unfinished uploads first: an S3 multipart upload's parts are not objects under the prefix.
      await deps.uploads.dropUploadsOf(id);
      await store.deletePrefix(titlePrefix(id));
      return reply.status(204).send(null);
    },
  );
};
