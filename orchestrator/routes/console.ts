import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RouteDeps } from '../deps.ts';
import { pageCsp } from './page-csp.ts';

/**
 * The operator console: a page of ES modules (Preact + htm, no build step) served by the API
 * itself. The shell and its modules are public (orchestrator/auth/roles.ts: `/console*`); the
 * data they show comes from the API with the key the operator signs in with.
 *
 * Only the files named here are served: the URL picks an entry of a table, never a path on
 * disk, so no request can reach anything else (`..`, encoded or not, fails the params schema).
 */
const require = createRequire(import.meta.url);
const CONSOLE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'console');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
} as const;

/** The console's own files, in orchestrator/console/. */
const CONSOLE_FILES = [
  'index.html',
  'console.css',
  'app.js',
  'html.js',
  'api.js',
  'format.js',
  'signin.js',
  'titles.js',
  'title.js',
  'rd-chart.js',
  'plans.js',
  'plan.js',
  'gantt.js',
] as const;

/**
 * The browser ES module builds the import map in index.html names. Each is located from its
 * package's entry (whatever condition `require` picks) and the ESM build's known place in it,
 * so a package upgrade that moves a build fails start-up, not a browser.
 */
const packageDir = (entry: string, depth: number): string => {
  let dir = path.dirname(require.resolve(entry));
  for (let i = 0; i < depth; i++) dir = path.dirname(dir);
  return dir;
};
const VENDOR_FILES = {
  'preact.mjs': path.join(packageDir('preact', 1), 'dist', 'preact.mjs'),
  'hooks.mjs': path.join(packageDir('preact', 1), 'hooks', 'dist', 'hooks.mjs'),
  'htm.mjs': path.join(packageDir('htm', 1), 'dist', 'htm.mjs'),
} as const;

interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
  readonly cacheControl: string;
}

function load(file: string, cacheControl: string): Asset {
  const ext = path.extname(file) as keyof typeof TYPES;
  const contentType = TYPES[ext];
  if (contentType === undefined) throw new Error(`console asset ${file} has no known content type`);
  // Read once, at registration: a missing file fails start-up rather than a request.
  const body = readFileSync(file);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, contentType, etag, cacheControl };
}

export const consoleRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app) => {
  // Console modules change with the API: revalidate every time (cheap, ETag). Vendor builds
  // change only with package versions, so browsers may keep them a day.
  const own = new Map(CONSOLE_FILES.map((f) => [f, load(path.join(CONSOLE_DIR, f), 'no-cache')]));
  const vendor = new Map(Object.entries(VENDOR_FILES).map(([name, resolved]) => [name, load(resolved, 'public, max-age=86400')]));

  const send = (req: FastifyRequest, reply: FastifyReply, asset: Asset) => {
    reply.header('cache-control', asset.cacheControl).header('etag', asset.etag).header('x-content-type-options', 'nosniff');
    if (req.headers['if-none-match'] === asset.etag) return reply.status(304).send();
    return reply.header('content-type', asset.contentType).send(asset.body);
  };
  const index = own.get('index.html');
  if (index === undefined) throw new Error('console index.html is missing');
  // The console holds an API key: only its own scripts run (the import map by hash), it talks
  // only to this API, and no other page may frame it (its Approve button cannot be clickjacked).
  const csp = pageCsp(index.body.toString('utf8'), {
    'default-src': "'self'",
    // Preact sets style attributes; styles cannot run code.
    'style-src': "'self' 'unsafe-inline'",
    'img-src': "'self' data: blob:",
    'connect-src': "'self'",
    'frame-src': "'self'",
  });

  for (const url of ['/console', '/console/']) {
    app.get(url, { schema: { tags: ['ops'], summary: 'The operator console (sign in with an API key)' } }, async (req, reply) =>
      send(req, reply.header('content-security-policy', csp), index),
    );
  }

  app.get(
    '/console/:file',
    {
      schema: {
        tags: ['ops'],
        summary: "The operator console's modules and stylesheet",
        params: Type.Object({ file: Type.Union(CONSOLE_FILES.map((f) => Type.Literal(f))) }, { additionalProperties: false }),
      },
    },
    async (req, reply) => send(req, reply, own.get(req.params.file as (typeof CONSOLE_FILES)[number])!),
  );

  app.get(
    '/console/vendor/:file',
    {
      schema: {
        tags: ['ops'],
        summary: 'Preact, Preact hooks and htm as browser ES modules',
        params: Type.Object({ file: Type.Union(Object.keys(VENDOR_FILES).map((f) => Type.Literal(f))) }, { additionalProperties: false }),
      },
    },
    async (req, reply) => send(req, reply, vendor.get(req.params.file as string)!),
  );
};
