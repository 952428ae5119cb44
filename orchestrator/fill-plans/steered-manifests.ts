import { dashManifest } from '../../packaging/dash.ts';
import { hlsMediaPlaylist } from '../../packaging/hls.ts';
import type { Presentation, Track } from '../../packaging/model.ts';
import type { ObjectStore } from '../../storage/port.ts';
import { presentationTracks, trackFiles } from './catalog.ts';
import { readPresentation } from '../../pipeline/publish.ts';
import { encodeKey, type Steering } from './steering.ts';

/** One steered manifest request: which title, which region's player, and where the origin is. */
export interface SteerRequest {
  /** The app's cache of published presentations (see {@link PresentationCache}). */
  readonly presentations: PresentationCache;
  /** The approved plan's steering, or undefined when no plan is approved (everything from the origin). */
  readonly steering: Steering | undefined;
  readonly titleId: string;
  /** The title's published prefix, ending in `/`. */
  readonly prefix: string;
  /** Its manifests' revision (see pipeline/publish.ts). */
  readonly revision: number;
  readonly region: string;
  /** Spreads players over the copies of a file; stable per player. */
  readonly clientHint: string;
  /** Absolute origin of the API, e.g. `https://api.example`, for files no appliance holds. */
  readonly origin: string;
}

/** The origin URL of a title's track file: the API's own media route. */
const originUrl = (r: SteerRequest, dir: string, name: string): string => `${r.origin}/v1/titles/${r.titleId}/${dir}/${name}`;

/**
 * The stored multivariant playlist with `?region=` carried onto every URI it names (variant
 * lines and `URI="..."` attributes), so that the media playlists a player fetches next are
 * steered too: relative URIs do not inherit the query of the playlist they come from.
 */
export function carryQuery(playlist: string, query: string): string {
  const add = (uri: string): string => `${uri}${uri.includes('?') ? '&' : '?'}${query}`;
  return playlist
    .split('\n')
    .map((line) => {
      if (line === '') return line;
      if (!line.startsWith('#')) return add(line);
      return line.replace(/URI="([^"]*)"/g, (_m, uri: string) => `URI="${add(uri)}"`);
    })
    .join('\n');
}

/**
 * A media playlist whose init and segment URIs are absolute: each file at an appliance of the
 * player's region that holds it per the approved plan, else at the origin. Rendered with the
 * packager's own writer over renamed files, never by editing its output. Undefined when the
 * title has no such track.
 */
export async function steeredMediaPlaylist(r: SteerRequest, dir: string): Promise<string | undefined> {
  const track = presentationTracks(await r.presentations.get(r.prefix, r.revision)).find((t) => t.dir === dir);
  if (track === undefined) return undefined;
  const url = (name: string): string => r.steering?.urlFor(r.region, `${r.prefix}${dir}/${name}`, r.clientHint) ?? originUrl(r, dir, name);
  const steered: Track = { ...track, initName: url(track.initName), segments: track.segments.map((s) => ({ ...s, name: url(s.name) })) };
  return hlsMediaPlaylist(steered, '');
}

/**
 * The MPD with absolute templates per representation. A representation has one template, so
 * it goes to an appliance only when one appliance of the region holds all of its files (init
 * and every segment); otherwise to the origin.
 */
export async function steeredMpd(r: SteerRequest): Promise<string> {
  const p = await r.presentations.get(r.prefix, r.revision);
  return dashManifest(p, '', (track) => {
    const base = r.steering?.baseHoldingAll(
      r.region,
      trackFiles(r.prefix, track).map((f) => f.key),
      r.clientHint,
    );
    return base === undefined ? `${r.origin}/v1/titles/${r.titleId}/` : `${base}/${encodeKey(r.prefix)}`;
  });
}

/**
 * Published presentations by prefix, read once from the store. They never change (a new encode
 * publishes under a new prefix), so only the oldest are dropped past `keep`. One per app,
 * created with the app's store: nothing is shared between apps of one process.
 */
export class PresentationCache {
  private readonly byPrefix = new Map<string, Presentation>();

  constructor(
    private readonly store: ObjectStore,
    /** @defaultValue 256 presentations */
    private readonly keep = 256,
  ) {}

  async get(prefix: string, revision: number): Promise<Presentation> {
    const key = `${prefix}#${revision}`;
    const hit = this.byPrefix.get(key);
    if (hit !== undefined) return hit;
    const p = await readPresentation(this.store, prefix, revision);
    if (this.byPrefix.size >= this.keep) this.byPrefix.delete(this.byPrefix.keys().next().value!);
    this.byPrefix.set(key, p);
    return p;
  }
}
