/**
 * The API's absolute origin, as written into steered manifests (URLs of files no appliance
 * holds). Never taken from the request's `Host` header, which the client chooses: a player
 * that sends `Host: evil.example` must not get, or poison a cache with, URLs to that host.
 */

export class PublicUrlError extends Error {
  override readonly name = 'PublicUrlError';
}

/** Parses `VF_PUBLIC_URL`: an http(s) URL without credentials, query or fragment; no trailing slash. */
export function parsePublicUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw.trim());
  } catch {
    url = undefined;
  }
  if (
    url === undefined ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username !== '' ||
    url.password !== '' ||
    url.search !== '' ||
    url.hash !== ''
  ) {
    throw new PublicUrlError(`Expected VF_PUBLIC_URL to be an http(s) URL such as https://vod.example.com, got ${JSON.stringify(raw)}`);
  }
  return url.href.replace(/\/+$/, '');
}

/** What a request's socket says about where it arrived (no header involved). */
export interface ArrivalSocket {
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
}

/**
 * The configured public URL; without one, the address and port the request arrived on (the
 * server's own socket, e.g. `http://127.0.0.1:8080` for `vodforge up` on loopback).
 */
export function publicOrigin(configured: string | undefined, socket: ArrivalSocket): string {
  if (configured !== undefined) return configured;
  // An IPv4 client of a dual-stack socket arrives on `::ffff:a.b.c.d`.
  const address = (socket.localAddress ?? '127.0.0.1').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  const host = address.includes(':') ? `[${address}]` : address;
  return socket.localPort === undefined ? `http://${host}` : `http://${host}:${socket.localPort}`;
}
