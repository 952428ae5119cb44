import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { TitleViewT } from '../schemas.ts';
import { intOption, parse, UsageError } from './args.ts';
import { formatBytes, ProgressBar } from './progress.ts';
import { fetchArtwork, type ArtworkStatus, type ArtworkSummary } from './artwork.ts';
import { ApiCallError, callApi } from './http.ts';
import { fingerprintOf, UploadStates } from './upload-state.ts';
import { RETRY_DELAYS_MS, ResumableUploadError, uploadResumable } from './resumable.ts';
import { watchTitle } from './title-watch.ts';
import { parseAudioOption, type AudioChoiceBody } from './audio-option.ts';

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
  /** The audio renditions players are offered. */
  readonly audio: { id: string; language: string | null; name: string | null; channels: number | null }[];
  /** What did not stop the title but its owner should know (a track left out, mono tracks not joined). */
  readonly warnings: { code: string; message: string }[];
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
    audio: (t.renditions ?? [])
      .filter((r) => r.kind === 'audio')
      .map((r) => ({ id: r.id, language: r.language ?? null, name: r.name ?? null, channels: r.channels ?? null })),
    warnings: t.warnings ?? [],
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
  if (err instanceof ResumableUploadError) {
    const code = err.apiCode ?? (err.status === undefined ? 'VF_API_UNREACHABLE' : 'VF_UPLOAD_FAILED');
    return new IngestError(code, `upload failed: ${err.message}`, titleId);
  }
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

export interface IngestOptions {
  readonly name?: string;
  readonly wait: boolean;
  readonly bar?: ProgressBar;
  readonly apiKey?: string;
  /** Pick up the upload of the same file (size and both ends) a previous run left unfinished. */
  readonly resume?: boolean;
  /** Bytes per upload request. @defaultValue {@link DEFAULT_CHUNK_BYTES} */
  readonly chunkBytes?: number;
  /** Where notes go (a resumed upload's offset). @defaultValue stderr */
  readonly note?: (line: string) => void;
  /** The master's audio streams to ship and how (`--audio`); absent: every stream, labelled from its tags. */
  readonly audio?: readonly AudioChoiceBody[];
}

/** 16 MiB per request: a dropped connection costs at most that much again. */
export const DEFAULT_CHUNK_BYTES = 16 * 1024 * 1024;

/**
 * Uploads a master over the resumable (tus) path, never reading the file into memory, retrying
 * across dropped connections and API restarts; checks the master's SHA-256 against the title's;
 * with `wait`, follows the title until it is ready or failed.
 */
export async function ingestFile(api: string, file: string, opts: IngestOptions): Promise<IngestResult> {
  let titleId: string | null = null;
  try {
    return await ingestSteps(api, file, opts, (id) => (titleId = id));
  } catch (err) {
    throw asIngestError(err, api, titleId);
  }
}

async function sha256OfFile(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const part of createReadStream(file)) h.update(part as Buffer);
  return h.digest('hex');
}

/** A GET the API may not answer for a while (it is restarting): retried on no answer or 503. */
async function getTitle(api: string, id: string, auth: Record<string, string>): Promise<TitleViewT> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await callApi<TitleViewT>(new URL(`/v1/titles/${id}`, api).toString(), { method: 'GET', headers: auth });
    } catch (err) {
      const retry = err instanceof TypeError || (err instanceof ApiCallError && err.status === 503);
      const delay = RETRY_DELAYS_MS[attempt];
      if (!retry || delay === undefined) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** The title a previous run left waiting for this file's master, if any (`--resume`). */
async function resumable(api: string, titleId: string, auth: Record<string, string>): Promise<TitleViewT | undefined> {
  try {
    const t = await getTitle(api, titleId, auth);
    return t.state === 'uploading' || t.source?.sha256 !== undefined ? t : undefined;
  } catch (err) {
    if (err instanceof ApiCallError && err.status === 404) return undefined;
    throw err;
  }
}

async function ingestSteps(api: string, file: string, opts: IngestOptions, created: (id: string) => void): Promise<IngestResult> {
  const { sizeBytes: size, fingerprint } = await fingerprintOf(file);
  const auth: Record<string, string> = opts.apiKey === undefined ? {} : { 'x-api-key': opts.apiKey };
  const bar = opts.bar ?? new ProgressBar();
  const note = opts.note ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const states = new UploadStates();
  const saved = opts.resume === true ? await states.load(api, fingerprint) : undefined;
  const previous = saved?.sizeBytes === size ? await resumable(api, saved.titleId, auth) : undefined;
  if (opts.resume === true && previous === undefined) note(`no unfinished upload of ${path.basename(file)} to resume: starting one`);
  const id =
    previous?.id ??
    (
      await callApi<TitleViewT>(new URL('/v1/titles', api).toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ name: opts.name ?? path.basename(file), ...(opts.audio === undefined ? {} : { audio: opts.audio }) }),
      })
    ).id;
  created(id);
  const state = {
    api,
    titleId: id,
    sizeBytes: size,
    ...(saved?.uploadUrl === undefined || previous === undefined ? {} : { uploadUrl: saved.uploadUrl }),
  };
  await states.save(fingerprint, { ...state, updatedAt: new Date().toISOString() });
  // Read alongside the upload: the check at the end waits for the slower of the two.
  const localSha = sha256OfFile(file);
  localSha.catch(() => undefined);
  let saving: Promise<void> = Promise.resolve();
  if (previous === undefined || previous.state === 'uploading') {
    await uploadResumable({
      api,
      file,
      titleId: id,
      ...(opts.apiKey === undefined ? {} : { apiKey: opts.apiKey }),
      ...(state.uploadUrl === undefined ? {} : { uploadUrl: state.uploadUrl }),
      chunkBytes: opts.chunkBytes ?? DEFAULT_CHUNK_BYTES,
      onProgress: (sent, total) => bar.update('upload', total === 0 ? 1 : sent / total, `${formatBytes(sent)} / ${formatBytes(total)}`),
      onUploadUrl: (uploadUrl) => {
        // In order, and waited for before the state is removed: a save still writing when the
        // upload ends would otherwise put back the state of a finished upload.
        saving = saving
          .then(() => states.save(fingerprint, { ...state, uploadUrl, updatedAt: new Date().toISOString() }))
          .catch(() => undefined);
      },
      onResumed: (offset) => {
        if (offset > 0) note(`upload of title ${id} resumed at ${formatBytes(offset)} of ${formatBytes(size)}`);
        bar.update('upload', size === 0 ? 1 : offset / size, `${formatBytes(offset)} / ${formatBytes(size)}`);
      },
    });
  }
  bar.done();
  let title = await getTitle(api, id, auth);
  const expected = await localSha;
  if (title.source?.sha256 !== expected) {
    throw new IngestError(
      'VF_MASTER_CHECKSUM_MISMATCH',
      `the master the API stored has SHA-256 ${title.source?.sha256 ?? 'none'}, the file ${expected}: was the file changed during the upload?`,
      id,
    );
  }
  await saving;
  await states.remove(api, fingerprint);
  if (opts.wait && title.state !== 'ready' && title.state !== 'failed') {
    // Told of each change by the API, not asking twice a second.
    await watchTitle(api, id, auth, (s) => bar.update(s.state, s.progress / 100, id));
    title = await getTitle(api, id, auth);
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
    audio: [],
    warnings: [],
  };
}

/**
 * `vodforge ingest FILE [--api URL] [--api-key KEY (or VODFORGE_API_KEY)] [--name NAME]
 * [--audio STREAMS[:LANGUAGE[:NAME]]]... [--resume] [--chunk-mib N] [--wait] [--json]`
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    'ingest',
    argv,
    {
      api: { type: 'string', default: process.env.VODFORGE_API ?? 'http://127.0.0.1:8080' },
      name: { type: 'string' },
      wait: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      resume: { type: 'boolean', default: false },
      'chunk-mib': { type: 'string' },
      'api-key': { type: 'string', default: process.env.VODFORGE_API_KEY },
      audio: { type: 'string', multiple: true },
    },
    true,
  );
  const file = positionals[0];
  if (file === undefined || positionals.length > 1)
    throw new UsageError(
      'usage: vodforge ingest FILE [--api URL] [--api-key KEY] [--name NAME] [--audio STREAMS[:LANGUAGE[:NAME]]]... ' +
        '[--resume] [--chunk-mib N] [--wait] [--json]',
    );
  const chunkMib = intOption('chunk-mib', values['chunk-mib'], DEFAULT_CHUNK_BYTES / (1024 * 1024), 1);
  const audio = values.audio?.map(parseAudioOption);
  let result: IngestResult;
  try {
    result = await ingestFile(values.api ?? 'http://127.0.0.1:8080', file, {
      ...(values.name === undefined ? {} : { name: values.name }),
      wait: values.wait === true || values.json === true,
      resume: values.resume === true,
      chunkBytes: chunkMib * 1024 * 1024,
      ...(values['api-key'] === undefined ? {} : { apiKey: values['api-key'] }),
      ...(audio === undefined ? {} : { audio }),
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
    for (const w of result.warnings) process.stdout.write(`warning: ${w.code}: ${w.message}\n`);
  }
  return result.status === 'failed' ? 1 : 0;
}
