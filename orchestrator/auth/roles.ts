/**
 * Who may call what. Every route the API serves is matched by exactly one rule here; a route
 * that matches none stops the API at start-up (fail closed), so a new route cannot ship
 * without a decision about who may call it.
 */
export const ROLES = ['ops', 'operator', 'admin'] as const;
/** A key's role. `admin` may do everything; the others only their own routes. */
export type Role = (typeof ROLES)[number];
/** A route's audience: one of the roles, or `player`/`public` (no key needed). */
export type RouteAudience = Role | 'player' | 'public';

interface Rule {
  readonly methods: readonly string[] | '*';
  /** Exact route URL as registered (`/v1/titles/:id`), or a prefix ending in `*`. */
  readonly url: string;
  readonly audience: RouteAudience;
}

const rule = (methods: readonly string[] | '*', url: string, audience: RouteAudience): Rule => ({ methods, url, audience });

export const ROUTE_RULES: readonly Rule[] = [
  // Anyone: health, API docs, the player pages and the operator console shell (it asks for a key).
  rule(['GET', 'HEAD'], '/health', 'public'),
  rule('*', '/docs*', 'public'),
  rule(['GET', 'HEAD'], '/player/*', 'public'),
  rule(['GET', 'HEAD'], '/console*', 'public'),
  // Players: manifests and media.
  rule(['GET', 'HEAD'], '/v1/titles/:id/master.m3u8', 'player'),
  rule(['GET', 'HEAD'], '/v1/titles/:id/manifest.mpd', 'player'),
  rule(['GET', 'HEAD'], '/v1/titles/:id/:track/:file', 'player'),
  rule(['GET', 'HEAD'], '/v1/titles/:id/artwork/images/:file', 'player'),
  // Content ops: titles and artwork.
  rule(['POST'], '/v1/titles', 'ops'),
  rule(['GET', 'HEAD'], '/v1/titles', 'ops'),
  rule(['GET', 'HEAD'], '/v1/titles/:id', 'ops'),
  rule(['GET'], '/v1/titles/:id/events', 'ops'),
  rule(['PUT'], '/v1/titles/:id/master', 'ops'),
  rule('*', '/v1/titles/:id/direct-uploads*', 'ops'),
  // Resumable uploads (tus): OPTIONS says what the server supports, and nothing else.
  rule(['OPTIONS'], '/v1/uploads*', 'public'),
  rule(['POST'], '/v1/uploads', 'ops'),
  rule(['HEAD', 'PATCH', 'DELETE'], '/v1/uploads/:token', 'ops'),
  rule(['PUT', 'DELETE'], '/v1/titles/:id/subtitles/:language', 'ops'),
  rule(['PUT'], '/v1/titles/:id/priority', 'ops'),
  rule(['DELETE'], '/v1/titles/:id', 'ops'),
  rule(['GET', 'HEAD'], '/v1/titles/:id/artwork', 'ops'),
  rule(['POST'], '/v1/titles/:id/artwork/pin', 'ops'),
  rule(['PUT'], '/v1/titles/:id/artwork/custom', 'ops'),
  // CDN operators: fill plans.
  rule('*', '/v1/fill-plans*', 'operator'),
  // Admins: keys, queues, metrics.
  rule('*', '/v1/keys*', 'admin'),
  rule('*', '/admin/*', 'admin'),
  rule(['GET', 'HEAD'], '/metrics', 'admin'),
];

export class UnclassifiedRouteError extends Error {
  override readonly name = 'UnclassifiedRouteError';
  readonly code = 'VF_ROUTE_WITHOUT_ROLE';
  constructor(method: string, url: string) {
    super(`${method} ${url} has no rule in orchestrator/auth/roles.ts: decide who may call it before serving it`);
  }
}

function matches(r: Rule, method: string, url: string): boolean {
  if (r.methods !== '*' && !r.methods.includes(method)) return false;
  return r.url.endsWith('*') ? url.startsWith(r.url.slice(0, -1)) : url === r.url;
}

/** The audience of a registered route; throws for a route no rule covers. */
export function audienceOf(method: string, url: string): RouteAudience {
  const found = ROUTE_RULES.find((r) => matches(r, method, url));
  if (found === undefined) throw new UnclassifiedRouteError(method, url);
  return found.audience;
}

/** Whether a key with `role` may call a route meant for `audience`. */
export function allows(role: Role | undefined, audience: RouteAudience): boolean {
  if (audience === 'public' || audience === 'player') return true;
  if (role === undefined) return false;
  return role === 'admin' || role === audience;
}
