import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RouteDeps } from '../deps.ts';
import { HttpErrors } from '../errors.ts';
import { ErrorBody, IdParams, MediaParams } from '../schemas.ts';
import { ObjectNotFoundError } from '../../storage/port.ts';
import { contentTypeOf } from '../../storage/transfer.ts';
import { PlaybackCache } from '../playback-cache.ts';
import { SteerQuery } from '../fill-plans/schemas.ts';
import { carryQuery, PresentationCache, steeredMediaPlaylist, steeredMpd, type SteerRequest } from '../fill-plans/steered-manifests.ts';
import { publicOrigin } from '../public-url.ts';
import { manifestName, type ManifestName } from '../../pipeline/publish.ts';
import type { PublishedTitle } from '../playback-cache.ts';

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
export const playbackRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { titles, store } = deps;
  // The hot path: manifests are requested by every player every few seconds (see playback-cache.ts).
  const cache = new PlaybackCache();
  const presentations = new PresentationCache(store);
  const { steering } = deps.fillPlans;

  /** A manifest rendered for one player's region (see fill-plans/steered-manifests.ts): never shared between players. */
  const sendSteered = (reply: FastifyReply, name: string, body: string): FastifyReply =>
    reply
      .header('content-type', contentTypeOf(name))
      .header('access-control-allow-origin', '*')
      .header('cache-control', 'private, max-age=10')
      .send(body);
  const steerRequest = async (req: FastifyRequest, id: string, region: string, session: string | undefined): Promise<SteerRequest> => ({
    presentations,
    steering: await steering.current(),
    titleId: id,
    ...(await published(id)),
    region,
    clientHint: session ?? req.ip,
    origin: publicOrigin(deps.publicUrl, req.socket),
  });

  /** A ready title's published prefix and manifest revision (a sidecar added after `ready` makes a new revision). */
  const published = (id: string): Promise<PublishedTitle> =>
    cache.publishedPrefix(id, async () => {
      const t = await titles.get(id);
      if (t === undefined) throw new HttpErrors.TitleNotFound(id);
      if (t.state !== 'ready' || t.outputPrefix === undefined) throw new HttpErrors.TitleNotReady(id, t.state);
      return { prefix: t.outputPrefix, revision: t.manifestRevision ?? 0 };
    });
  const publishedPrefix = async (id: string): Promise<string> => (await published(id)).prefix;
  /** The storage key of a title's manifest at its current revision. */
  const manifestKey = async (id: string, name: ManifestName): Promise<string> => {
    const p = await published(id);
    return `${p.prefix}${manifestName(name, p.revision)}`;
  };

  /** A manifest from memory, with an ETag; a player that already has it gets a 304. */
  const serveManifest = async (reply: FastifyReply, key: string, ifNoneMatch: string | undefined): Promise<FastifyReply> => {
    const m = await cache
      .manifest(key, () => store.get(key))
      .catch((err: unknown) => {
        throw err instanceof ObjectNotFoundError ? new HttpErrors.MediaNotFound(key.split('/').slice(-2).join('/')) : err;
      });
    reply
      .header('content-type', contentTypeOf(key))
      .header('access-control-allow-origin', '*')
      .header('cache-control', 'public, max-age=10')
      .header('etag', m.etag);
    if (ifNoneMatch === m.etag) return reply.status(304).send();
    return reply.send(m.body);
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
      reply
        .status(206)
        .header('content-range', `bytes ${range.start}-${range.end}/${head.sizeBytes}`)
        .header('content-length', range.end - range.start + 1);
      return await reply.send(await store.stream(key, range));
    } catch (err) {
      if (err instanceof ObjectNotFoundError) throw new HttpErrors.MediaNotFound(key);
      throw err;
    }
  };

  const manifestSchema = (summary: string) => ({
    tags: ['playback'],
    summary,
    params: IdParams,
    querystring: SteerQuery,
    response: { 404: ErrorBody, 409: ErrorBody },
  });

  app.get('/v1/titles/:id/master.m3u8', { schema: manifestSchema('HLS multivariant playlist (CMAF)') }, async (req, reply) => {
    const { region, session } = req.query;
    const key = await manifestKey(req.params.id, 'master.m3u8');
    if (region === undefined) return serveManifest(reply, key, req.headers['if-none-match']);
    const query = new URLSearchParams({ region, ...(session === undefined ? {} : { session }) }).toString();
    return sendSteered(reply, 'master.m3u8', carryQuery((await store.get(key)).toString('utf8'), query));
  });
  app.get('/v1/titles/:id/manifest.mpd', { schema: manifestSchema('DASH MPD over the same CMAF segments') }, async (req, reply) => {
    const { region, session } = req.query;
    if (region === undefined) return serveManifest(reply, await manifestKey(req.params.id, 'manifest.mpd'), req.headers['if-none-match']);
    return sendSteered(reply, 'manifest.mpd', await steeredMpd(await steerRequest(req, req.params.id, region, session)));
  });
  app.get(
    '/v1/titles/:id/:track/:file',
    {
      schema: {
        tags: ['playback'],
        summary: 'Media playlist, init segment or media segment',
        params: MediaParams,
        querystring: SteerQuery,
        response: { 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const { id, track, file } = req.params;
      const { region, session } = req.query;
      if (region !== undefined && file === 'playlist.m3u8') {
        const body = await steeredMediaPlaylist(await steerRequest(req, id, region, session), track);
        // Subtitles are not filled onto appliances (a few kilobytes): their playlist is the origin's.
        if (body !== undefined) return sendSteered(reply, file, body);
      }
      const key = `${await publishedPrefix(id)}${track}/${file}`;
      if (file === 'playlist.m3u8' && req.headers.range === undefined) return serveManifest(reply, key, req.headers['if-none-match']);
      return serve(reply, key, req.headers.range, file !== 'playlist.m3u8');
    },
  );
};
