import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { AppDeps } from '../app.ts';
import { HttpErrors } from '../errors.ts';
import { ErrorBody, IdParams, MediaParams } from '../schemas.ts';
import { ObjectNotFoundError } from '../../workers/storage/port.ts';
import { contentTypeOf } from '../../workers/storage/transfer.ts';

/** Parses a single `bytes=a-b` / `bytes=a-` range; anything else is served whole. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const m = header === undefined ? null : /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (m === null) return undefined;
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start <= end && start < size ? { start, end } : undefined;
}

/**
 * Manifests and media are streamed through the API from storage. The playlists use relative
 * URIs, so the same files also play straight from a bucket or a CDN in front of it.
 */
export const playbackRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  const { titles, store } = deps;

  const publishedPrefix = async (id: string): Promise<string> => {
    const t = await titles.get(id);
    if (t === undefined) throw new HttpErrors.TitleNotFound(id);
    if (t.state !== 'ready' || t.outputPrefix === undefined) throw new HttpErrors.TitleNotReady(id, t.state);
    return t.outputPrefix;
  };

  const serve = async (reply: FastifyReply, key: string, rangeHeader: string | undefined, immutable: boolean): Promise<FastifyReply> => {
    const head = await store.head(key);
    if (head === undefined) throw new HttpErrors.MediaNotFound(key.split('/').slice(-2).join('/'));
    const range = parseRange(rangeHeader, head.sizeBytes);
    reply
      .header('content-type', contentTypeOf(key))
      .header('accept-ranges', 'bytes')
      .header('access-control-allow-origin', '*')
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=10');
    try {
      if (range === undefined) {
        reply.header('content-length', head.sizeBytes);
        return await reply.send(await store.stream(key));
      }
      reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${head.sizeBytes}`).header('content-length', range.end - range.start + 1);
      return await reply.send(await store.stream(key, range));
    } catch (err) {
      if (err instanceof ObjectNotFoundError) throw new HttpErrors.MediaNotFound(key);
      throw err;
    }
  };

  const manifestSchema = (summary: string) => ({ tags: ['playback'], summary, params: IdParams, response: { 404: ErrorBody, 409: ErrorBody } });

  app.get('/v1/titles/:id/master.m3u8', { schema: manifestSchema('HLS multivariant playlist (CMAF)') }, async (req, reply) =>
    serve(reply, `${await publishedPrefix(req.params.id)}master.m3u8`, undefined, false),
  );
  app.get('/v1/titles/:id/manifest.mpd', { schema: manifestSchema('DASH MPD over the same CMAF segments') }, async (req, reply) =>
    serve(reply, `${await publishedPrefix(req.params.id)}manifest.mpd`, undefined, false),
  );
  app.get('/v1/titles/:id/:track/:file', {
    schema: { tags: ['playback'], summary: 'Media playlist, init segment or media segment', params: MediaParams, response: { 404: ErrorBody, 409: ErrorBody } },
  }, async (req, reply) => {
    const { id, track, file } = req.params;
    return serve(reply, `${await publishedPrefix(id)}${track}/${file}`, req.headers.range, file !== 'playlist.m3u8');
  });
};
