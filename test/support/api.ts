import { createReadStream } from 'node:fs';
import { stat, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { App } from '../../orchestrator/deps.ts';
import type { TitleViewT } from '../../orchestrator/schemas.ts';
import type { ArtworkViewT } from '../../orchestrator/routes/artwork-view.ts';
import { waitUntil } from './wait.ts';
import { EventStreamParser, type StreamEvent } from '../../orchestrator/cli/event-stream.ts';

export async function createTitle(app: App, name: string): Promise<TitleViewT> {
  const res = await app.inject({ method: 'POST', url: '/v1/titles', payload: { name } });
  if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`);
  return res.json<TitleViewT>();
}

export async function uploadMaster(app: App, id: string, file: string): Promise<{ statusCode: number; body: string }> {
  const size = (await stat(file)).size;
  const res = await app.inject({
    method: 'PUT',
    url: `/v1/titles/${id}/master`,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    payload: createReadStream(file),
  });
  return { statusCode: res.statusCode, body: res.body };
}

export async function ingest(app: App, file: string, name = path.basename(file)): Promise<string> {
  const t = await createTitle(app, name);
  const up = await uploadMaster(app, t.id, file);
  if (up.statusCode !== 202) throw new Error(`upload failed: ${up.statusCode} ${up.body}`);
  return t.id;
}

export async function getTitle(app: App, id: string): Promise<TitleViewT> {
  const res = await app.inject({ method: 'GET', url: `/v1/titles/${id}` });
  if (res.statusCode !== 200) throw new Error(`status failed: ${res.statusCode} ${res.body}`);
  return res.json<TitleViewT>();
}

/** The events of a whole text/event-stream body, in order. */
export function parseEvents(text: string): StreamEvent[] {
  return new EventStreamParser().push(text);
}

/**
 * Waits on the title's event stream (`GET /v1/titles/:id/events`) until it is ready or
 * failed: the wait ends when the change is published, and nothing reads the title meanwhile
 * (a benchmark's polling takes CPU from the pipeline it times).
 */
export async function waitForFinalEvent(app: App, id: string): Promise<TitleViewT> {
  const res = await app.inject({ method: 'GET', url: `/v1/titles/${id}/events` });
  if (res.statusCode !== 200) throw new Error(`events failed: ${res.statusCode} ${res.body}`);
  const last = parseEvents(res.body).at(-1);
  if (last?.event !== 'state') throw new Error(`title ${id}: its event stream ended with ${last?.event ?? 'no event'}`);
  return getTitle(app, id);
}

/**
 * Polls the title until it is ready or failed (the test's own timeout bounds the wait). Unlike
 * `waitForFinalEvent` it rides out a Redis outage: a 503 is asked again.
 */
export async function waitForFinal(app: App, id: string, timeoutMs = 300_000): Promise<TitleViewT> {
  let last = 'nothing yet';
  return waitUntil(
    `title ${id} to be ready or failed`,
    async () => {
      // 503 means Redis is away for a moment: a client waits and asks again.
      const res = await app.inject({ method: 'GET', url: `/v1/titles/${id}` });
      if (res.statusCode !== 200 && res.statusCode !== 503) throw new Error(`status failed: ${res.statusCode} ${res.body}`);
      if (res.statusCode === 503) return undefined;
      const t = res.json<TitleViewT>();
      last = `${t.state} (${t.progress}%)`;
      return t.state === 'ready' || t.state === 'failed' ? t : undefined;
    },
    { intervalMs: 250, timeoutMs, seen: () => last },
  );
}

export interface Variant {
  readonly attrs: Record<string, string>;
  readonly uri: string;
}

/** Parses the attribute list of an HLS tag (quoted values may contain commas). */
export function parseAttrs(list: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of list.matchAll(/([A-Z0-9-]+)=("[^"]*"|[^,]*)/g)) out[m[1] ?? ''] = (m[2] ?? '').replace(/^"|"$/g, '');
  return out;
}

export function parseMultivariant(text: string): { variants: Variant[]; audio: Record<string, string> | undefined } {
  const lines = text.split('\n');
  const variants: Variant[] = [];
  let audio: Record<string, string> | undefined;
  lines.forEach((l, i) => {
    if (l.startsWith('#EXT-X-STREAM-INF:')) variants.push({ attrs: parseAttrs(l.slice(18)), uri: lines[i + 1] ?? '' });
    if (l.startsWith('#EXT-X-MEDIA:')) audio = parseAttrs(l.slice(13));
  });
  return { variants, audio };
}

export interface DownloadedTrack {
  readonly uri: string;
  readonly playlist: string;
  readonly targetDurationS: number;
  readonly segments: { name: string; durationS: number; file: string; bytes: number }[];
  readonly initFile: string;
  /** init + every segment concatenated: a playable fragmented MP4 of the whole track. */
  readonly joinedFile: string;
}

async function get(app: App, url: string): Promise<Buffer> {
  const res = await app.inject({ method: 'GET', url });
  if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
  return res.rawPayload;
}

/** Downloads a media playlist and everything it names through the API, as a player would. */
export async function downloadTrack(app: App, titleId: string, uri: string, dir: string): Promise<DownloadedTrack> {
  const base = `/v1/titles/${titleId}/${path.posix.dirname(uri)}/`;
  const playlist = (await get(app, `/v1/titles/${titleId}/${uri}`)).toString();
  const local = path.join(dir, path.posix.dirname(uri));
  await mkdir(local, { recursive: true });
  const init = /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)?.[1];
  if (init === undefined) throw new Error(`${uri} has no EXT-X-MAP`);
  const initBytes = await get(app, base + init);
  const initFile = path.join(local, init);
  await writeFile(initFile, initBytes);
  const segments: DownloadedTrack['segments'] = [];
  const lines = playlist.split('\n');
  const joined: Buffer[] = [initBytes];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (!l.startsWith('#EXTINF:')) continue;
    const name = lines[i + 1] ?? '';
    const bytes = await get(app, base + name);
    const file = path.join(local, name);
    await writeFile(file, Buffer.concat([initBytes, bytes]));
    joined.push(bytes);
    segments.push({ name, durationS: Number(l.slice(8).split(',')[0]), file, bytes: bytes.length });
  }
  const joinedFile = path.join(local, 'joined.mp4');
  await writeFile(joinedFile, Buffer.concat(joined));
  return { uri, playlist, targetDurationS: Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(playlist)?.[1]), segments, initFile, joinedFile };
}

/** The title's artwork entry once its job has written it (202 until then). */
export async function waitForArtwork(app: App, id: string, timeoutMs = 300_000): Promise<ArtworkViewT> {
  return waitUntil(
    `the artwork of title ${id}`,
    async () => {
      const res = await app.inject({ method: 'GET', url: `/v1/titles/${id}/artwork` });
      if (res.statusCode === 200) return res.json<ArtworkViewT>();
      if (res.statusCode !== 202) throw new Error(`artwork: ${res.statusCode} ${res.body}`);
      return undefined;
    },
    { intervalMs: 250, timeoutMs },
  );
}

/** The ready title once its rungs' quality measurement (queued after `ready`) has ended. */
export async function waitForRungQuality(app: App, id: string, timeoutMs = 300_000): Promise<TitleViewT> {
  return waitUntil(
    `the rung quality of title ${id}`,
    async () => {
      const t = (await app.inject({ method: 'GET', url: `/v1/titles/${id}` })).json<TitleViewT>();
      if (t.state !== 'ready') throw new Error(`title ${id} is ${t.state}, not ready`);
      return t.rungQuality?.status !== 'pending' ? t : undefined;
    },
    { intervalMs: 250, timeoutMs },
  );
}
