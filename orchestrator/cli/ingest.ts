import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { TitleViewT } from '../schemas.ts';
import { parse, UsageError } from './args.ts';
import { formatBytes, ProgressBar } from './progress.ts';
import { fetchArtwork, type ArtworkStatus, type ArtworkSummary } from './artwork.ts';
import { ApiCallError, callApi } from './http.ts';

export interface IngestResult {
  readonly id: string;
  readonly status: TitleViewT['state'];
  readonly error: NonNullable<TitleViewT['error']> | null;
  /** Absolute URLs a player can open. */
  readonly hls: string | null;
  readonly dash: string | null;
  readonly durationS: number | null;
  /** Per rung: size, bitrate (measured average once ready), PSNR-Y measured on the output. */
  readonly ladder: { width: number; height: number; bitrateKbps: number; psnr: number | null; predictedPsnr: number | null }[];
  /** BD-rate of the title's ladder against the fixed Apple ladder, percent; negative is a saving. */
  readonly bdRateVsFixed: number | null;
  /** Chosen artwork frames, best first, with absolute image URLs; empty when none. */
  readonly artwork: ArtworkSummary[];
  /** Whether the artwork is ready, flagged (no usable frame, with the reason) or failed; null when not waited for. */
  readonly artworkStatus: ArtworkStatus | null;
}

export function toResult(
  api: string,
  t: TitleViewT,
  artwork: { chosen: ArtworkSummary[]; status: ArtworkStatus | null } = { chosen: [], status: null },
): IngestResult {
  return {
    id: t.id,
    status: t.state,
    error: t.error ?? null,
    hls: t.hls === undefined ? null : new URL(t.hls, api).toString(),
    dash: t.dash === undefined ? null : new URL(t.dash, api).toString(),
    durationS: t.durationS ?? null,
    ladder: (t.ladder ?? []).map((r, i) => {
      const rendition = t.renditions?.filter((x) => x.kind === 'video')[i];
      return {
        width: r.width,
        height: r.height,
        bitrateKbps: rendition?.averageBitrateKbps ?? r.bitrateKbps,
        psnr: rendition?.measuredPsnrDb ?? null,
        predictedPsnr: r.predictedPsnrDb ?? null,
      };
    }),
    bdRateVsFixed: t.ladderAnalysis?.bdRateVsFixed ?? null,
    artwork: artwork.chosen,
    artworkStatus: artwork.status,
  };
}

/**
 * Why an ingest stopped before the title reached a final state: the file could not be read,
 * the API could not be reached, or it refused a call (its stable code kept). `titleId` is
 * set once the title was created, so the user can look it up or delete it.
 */
export class IngestError extends Error {
  override readonly name = 'IngestError';
  constructor(
    readonly code: string,
    message: string,
    readonly titleId: string | null,
  ) {
    super(message);
  }
}

function asIngestError(err: unknown, api: string, titleId: string | null): IngestError {
  if (err instanceof IngestError) return err;
  if (err instanceof ApiCallError) return new IngestError(err.apiCode ?? err.code, err.message, titleId);
  const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
  if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR') return new IngestError('VF_FILE_UNREADABLE', e.message, titleId);
  // undici's fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND) is its cause.
  if (e instanceof TypeError && e.cause !== undefined)
    return new IngestError(
      'VF_API_UNREACHABLE',
      `cannot reach the API at ${api}: ${e.cause.code ?? e.cause.message ?? e.message}`,
      titleId,
    );
  return new IngestError('VF_INGEST_FAILED', e.message, titleId);
}

/**
 * Uploads a master as a streamed body (the file is never read into memory) and, with
 * `wait`, follows the title until it is ready or failed.
 */
export async function ingestFile(
  api: string,
  file: string,
  opts: { name?: string; wait: boolean; bar?: ProgressBar; apiKey?: string },
): Promise<IngestResult> {
  let titleId: string | null = null;
  try {
    return await ingestSteps(api, file, opts, (id) => (titleId = id));
  } catch (err) {
    throw asIngestError(err, api, titleId);
  }
}

async function ingestSteps(
  api: string,
  file: string,
  opts: { name?: string; wait: boolean; bar?: ProgressBar; apiKey?: string },
  created: (id: string) => void,
): Promise<IngestResult> {
  const size = (await stat(file)).size;
  const auth: Record<string, string> = opts.apiKey === undefined ? {} : { 'x-api-key': opts.apiKey };
  const bar = opts.bar ?? new ProgressBar();
  const { id } = await callApi<TitleViewT>(new URL('/v1/titles', api).toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify({ name: opts.name ?? path.basename(file) }),
  });
  created(id);
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _e, cb) {
      sent += chunk.length;
      bar.update('upload', size === 0 ? 1 : sent / size, `${formatBytes(sent)} / ${formatBytes(size)}`);
      cb(null, chunk);
    },
  });
  const body = Readable.toWeb(createReadStream(file).pipe(counter)) as ReadableStream<Uint8Array>;
  let title = await callApi<TitleViewT>(new URL(`/v1/titles/${id}/master`, api).toString(), {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size), ...auth },
    body,
    duplex: 'half',
  });
  bar.done();
  while (opts.wait && title.state !== 'ready' && title.state !== 'failed') {
    await new Promise((r) => setTimeout(r, 500));
    title = await callApi<TitleViewT>(new URL(`/v1/titles/${id}`, api).toString(), { method: 'GET', headers: auth });
    bar.update(title.state, title.progress / 100, title.id);
  }
  bar.done();
  if (opts.wait && title.state === 'ready') title = await withRungQuality(api, title, auth);
  return toResult(api, title, opts.wait && title.state === 'ready' ? await fetchArtwork(api, title.id, auth) : undefined);
}

/**
 * The ready title once its rungs' quality is measured (that runs after `ready`), so
 * `ladder[].psnr` is filled; after `timeoutMs` the title as it is, with `psnr` null.
 */
async function withRungQuality(api: string, ready: TitleViewT, auth: Record<string, string>, timeoutMs = 300_000): Promise<TitleViewT> {
  const deadline = Date.now() + timeoutMs;
  let title = ready;
  while (title.rungQuality?.status === 'pending' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    title = await callApi<TitleViewT>(new URL(`/v1/titles/${ready.id}`, api).toString(), { method: 'GET', headers: auth });
  }
  return title;
}

/** The `--json` object of an ingest that stopped on an error: same shape, status `failed`. */
function errorResult(err: IngestError): Omit<IngestResult, 'id'> & { id: string | null } {
  return {
    id: err.titleId,
    status: 'failed',
    error: { code: err.code, message: err.message },
    hls: null,
    dash: null,
    durationS: null,
    ladder: [],
    bdRateVsFixed: null,
    artwork: [],
    artworkStatus: null,
  };
}

/** `vodforge ingest FILE [--api URL] [--api-key KEY (or VODFORGE_API_KEY)] [--name NAME] [--wait] [--json]` */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    'ingest',
    argv,
    {
      api: { type: 'string', default: process.env.VODFORGE_API ?? 'http://127.0.0.1:8080' },
      name: { type: 'string' },
      wait: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'api-key': { type: 'string', default: process.env.VODFORGE_API_KEY },
    },
    true,
  );
  const file = positionals[0];
  if (file === undefined || positionals.length > 1)
    throw new UsageError('usage: vodforge ingest FILE [--api URL] [--api-key KEY] [--name NAME] [--wait] [--json]');
  let result: IngestResult;
  try {
    result = await ingestFile(values.api ?? 'http://127.0.0.1:8080', file, {
      ...(values.name === undefined ? {} : { name: values.name }),
      wait: values.wait === true || values.json === true,
      ...(values['api-key'] === undefined ? {} : { apiKey: values['api-key'] }),
    });
  } catch (err) {
    if (!(err instanceof IngestError)) throw err;
    // `--json` promises one object on stdout whatever happened, so scripts never parse a stack trace.
    if (values.json === true) process.stdout.write(`${JSON.stringify(errorResult(err))}\n`);
    else process.stderr.write(`vodforge ingest: ${err.code}: ${err.message}${err.titleId === null ? '' : ` (title ${err.titleId})`}\n`);
    return 1;
  }
  if (values.json === true) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(`title ${result.id}: ${result.status}\n`);
    if (result.hls !== null) process.stdout.write(`HLS:  ${result.hls}\nDASH: ${result.dash ?? ''}\n`);
    if (result.error !== null) process.stdout.write(`error: ${result.error.code}: ${result.error.message}\n`);
  }
  return result.status === 'failed' ? 1 : 0;
}
