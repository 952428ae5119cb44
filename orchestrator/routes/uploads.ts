import type { IncomingMessage } from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { HttpErrors } from '../errors.ts';
import { CHECKSUM_ALGORITHMS, ChecksumHeaderError, parseUploadChecksum, type ExpectedChecksum } from '../uploads/checksum.ts';
import { TUS_PATH, type UploadService } from '../uploads/service.ts';
import { plainTusError } from '../uploads/tus-errors.ts';
import { acceptRawBodies } from './raw-body.ts';

/**
 * A connection that sends no byte of a body for this long is taken as gone (a half-open TCP
 * connection after a network drop): it is closed, the bytes that arrived are kept, and the
 * upload's lock is freed for the client's retry.
 */
const BODY_IDLE_MS = 30_000;

/**
 * The request body as the tus server reads it. A client that goes away mid-body ends it rather
 * than failing it, so the store keeps every byte that arrived, as the protocol intends: the
 * client resumes from there.
 */
function gracefulBody(raw: IncomingMessage): Readable {
  const out = new PassThrough();
  const endEarly = (): void => {
    raw.unpipe(out);
    if (!out.writableEnded) out.end();
  };
  raw.once('error', endEarly);
  raw.once('close', () => {
    if (!raw.complete) endEarly();
  });
  raw.pipe(out);
  return out;
}

function webRequest(req: FastifyRequest): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const hasBody = (req.method === 'PATCH' || req.method === 'POST') && req.headers['content-type'] === 'application/offset+octet-stream';
  return new Request(`http://${req.headers.host ?? 'localhost'}${req.raw.url ?? TUS_PATH}`, {
    method: req.method,
    headers,
    ...(hasBody ? { body: Readable.toWeb(gracefulBody(req.raw)) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
  } as RequestInit);
}

function checksumOf(req: FastifyRequest): ExpectedChecksum | undefined {
  const header = req.headers['upload-checksum'];
  try {
    return parseUploadChecksum(Array.isArray(header) ? header.join(',') : header);
  } catch (err) {
    if (err instanceof ChecksumHeaderError) throw new HttpErrors.UploadChecksumInvalid(err.message);
    throw err;
  }
}

/**
 * The tus endpoint: Fastify routes (so access control, logging and the security headers apply
 * as to every route) that hand each request to the tus server and send its answer back, errors
 * in the API's JSON shape. Bodies reach the server unread (`application/offset+octet-stream`).
 */
export const uploadRoutes: FastifyPluginAsync<{ uploads: UploadService }> = async (app, { uploads }) => {
  acceptRawBodies(app, ['application/offset+octet-stream']);

  const serve = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    if (req.method !== 'OPTIONS') reply.header('tus-resumable', '1.0.0');
    const checksum = checksumOf(req);
    const socket = req.raw.socket as IncomingMessage['socket'] | undefined;
    const onIdle = (): void => void socket?.destroy();
    if (req.method === 'PATCH' && typeof socket?.setTimeout === 'function') {
      socket.setTimeout(BODY_IDLE_MS);
      socket.once('timeout', onIdle);
    }
    let res: Response;
    try {
      res = await uploads.handle(webRequest(req), checksum);
    } finally {
      if (req.method === 'PATCH' && typeof socket?.setTimeout === 'function') {
        socket.setTimeout(0);
        socket.off('timeout', onIdle);
      }
    }
    reply.status(res.status);
    for (const [name, value] of res.headers) if (name !== 'content-length') reply.header(name, value);
    const text = res.status === 204 || req.method === 'HEAD' ? '' : await res.text();
    if (res.status >= 400) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = plainTusError(res.status, text);
      }
      if (res.status === 423) reply.header('retry-after', '1');
      return reply.type('application/json; charset=utf-8').send(body);
    }
    if (req.method === 'OPTIONS') reply.header('tus-checksum-algorithm', CHECKSUM_ALGORITHMS.join(','));
    return reply.send(text === '' ? undefined : text);
  };

  const tags = ['titles'];
  const describe = 'tus 1.0 resumable upload of a master (core, creation, termination, checksum, expiration): see the README';
  app.route({
    method: 'POST',
    url: TUS_PATH,
    schema: { tags, summary: `Create a resumable upload (Upload-Length, Upload-Metadata: titleId <base64>). ${describe}` },
    handler: serve,
  });
  app.route({ method: 'OPTIONS', url: TUS_PATH, schema: { tags, summary: 'tus capabilities (public)' }, handler: serve });
  app.route({ method: 'OPTIONS', url: `${TUS_PATH}/:token`, schema: { tags, summary: 'tus capabilities (public)' }, handler: serve });
  app.route({
    method: 'HEAD',
    url: `${TUS_PATH}/:token`,
    schema: { tags, summary: "A resumable upload's offset (Upload-Offset)" },
    handler: serve,
  });
  app.route({
    method: 'PATCH',
    url: `${TUS_PATH}/:token`,
    // Each chunk of an upload is a request: their number follows the bandwidth, not the client's manners.
    config: { rateLimit: false },
    schema: { tags, summary: 'Append bytes at Upload-Offset (Upload-Checksum: sha256|sha1 <base64> is checked: 460 on a mismatch)' },
    handler: serve,
  });
  app.route({
    method: 'DELETE',
    url: `${TUS_PATH}/:token`,
    schema: { tags, summary: 'Terminate an unfinished resumable upload' },
    handler: serve,
  });
};
