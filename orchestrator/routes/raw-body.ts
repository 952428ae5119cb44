import type { FastifyInstance } from 'fastify';

/**
 * Hands request bodies of `types` on as the raw stream, unread: uploads are streamed to
 * storage (or a scratch file) under their own size limit, never buffered. Fastify matches a
 * string type literally ('video/*' is only itself), so a family is given as a RegExp.
 */
export function acceptRawBodies(app: FastifyInstance, types: readonly (string | RegExp)[]): void {
  for (const type of types) app.addContentTypeParser(type, (_req, payload, done) => done(null, payload));
}
