import { createHash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DefaultHttpStack, type DetailedError, type HttpRequest, type HttpResponse, type HttpStack, Upload } from 'tus-js-client';

/**
 * Waits between retries when a request fails (a dropped connection, the API restarting, the
 * upload locked by the request a dropped connection left behind): about four minutes in all,
 * started again whenever bytes get through.
 */
export const RETRY_DELAYS_MS = [0, 500, 1000, 2000, 4000, 8000, 15_000, 30_000, 30_000, 30_000, 30_000, 30_000, 30_000];

/** Statuses worth a retry: the API restarting or shedding load, a lock, a checksum mismatch (the part is sent again). */
const RETRY_STATUSES = new Set([408, 423, 429, 460, 500, 502, 503, 504]);

export interface ResumableUploadOptions {
  /** Base URL of the API. */
  readonly api: string;
  readonly file: string;
  readonly titleId: string;
  readonly apiKey?: string;
  /** The upload to resume; without it a new one is created. */
  readonly uploadUrl?: string;
  /** Bytes per PATCH request: each is checksummed, and what a dropped connection costs is at most one. */
  readonly chunkBytes: number;
  /** Bytes the API holds, and the total, as they move (from the resumed offset on). */
  readonly onProgress?: (bytesSent: number, bytesTotal: number) => void;
  /** The upload's URL once it is created (or found), to be remembered for `--resume`. */
  readonly onUploadUrl?: (url: string) => void;
  /** Where the upload stood when this run found it. */
  readonly onResumed?: (offsetBytes: number) => void;
}

/** A PATCH body as tus-js-client reads a file: a ranged read stream (`end` inclusive). */
type RangeStream = ReadStream & { start?: number; end?: number };

/** The SHA-256 of bytes [start, end] of a file, base64. */
async function rangeSha256(file: string, start: number, end: number): Promise<string> {
  const h = createHash('sha256');
  for await (const part of createReadStream(file, { start, end })) h.update(part as Buffer);
  return h.digest('base64');
}

/**
 * tus-js-client's Node stack with the checksum extension: every PATCH carries
 * `Upload-Checksum: sha256 ...` of its body, so a part damaged on the way is refused (460) and
 * sent again rather than stored. While a chunk is sent, the next one is hashed, so the checksum
 * adds no wait between chunks.
 */
class ChecksummedHttpStack implements HttpStack {
  private readonly inner = new DefaultHttpStack({});
  private ahead: { readonly range: string; readonly digest: Promise<string> } | undefined;

  constructor(
    private readonly fileSize: number,
    private readonly onHead: (res: HttpResponse) => void,
  ) {}

  private digestOf(file: string, start: number, end: number): Promise<string> {
    const range = `${start}-${end}`;
    const digest = this.ahead?.range === range ? this.ahead.digest : rangeSha256(file, start, end);
    const nextStart = end + 1;
    if (nextStart < this.fileSize) {
      const nextEnd = Math.min(this.fileSize - 1, nextStart + (end - start));
      const next = rangeSha256(file, nextStart, nextEnd);
      next.catch(() => undefined);
      this.ahead = { range: `${nextStart}-${nextEnd}`, digest: next };
    }
    return digest;
  }

  createRequest(method: string, url: string): HttpRequest {
    const req = this.inner.createRequest(method, url);
    const send = req.send.bind(req);
    if (method === 'HEAD') {
      req.send = async (body: unknown) => {
        const res = await send(body);
        this.onHead(res);
        return res;
      };
    }
    if (method === 'PATCH') {
      req.send = async (body: unknown) => {
        if (body !== null && typeof body === 'object' && 'path' in body) {
          const b = body as RangeStream;
          const start = b.start ?? 0;
          req.setHeader('Upload-Checksum', `sha256 ${await this.digestOf(String(b.path), start, b.end ?? this.fileSize - 1)}`);
        }
        return send(body);
      };
    }
    return req;
  }

  getName(): string {
    return 'vodforge-checksummed-node';
  }
}

function statusOf(err: DetailedError): number | undefined {
  return err.originalResponse?.getStatus();
}

/** Why the upload stopped for good: the API's answer when it gave one. */
export class ResumableUploadError extends Error {
  override readonly name = 'ResumableUploadError';
  constructor(
    readonly status: number | undefined,
    readonly apiCode: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

function apiCodeOf(err: DetailedError): string | undefined {
  try {
    return (JSON.parse(err.originalResponse?.getBody() ?? '') as { code?: string }).code;
  } catch {
    return undefined;
  }
}

/**
 * Uploads a file to a title over the tus protocol (tus-js-client), resuming across dropped
 * connections and API restarts: each failure is retried after {@link RETRY_DELAYS_MS}, from the
 * offset the API reports. Resolves once the API holds every byte and has published the master.
 */
export async function uploadResumable(o: ResumableUploadOptions): Promise<void> {
  const fileSize = (await stat(o.file)).size;
  return new Promise((resolve, reject) => {
    let resumedReported = false;
    const upload: Upload = new Upload(createReadStream(o.file), {
      endpoint: new URL('/v1/uploads', o.api).toString(),
      ...(o.uploadUrl === undefined ? {} : { uploadUrl: o.uploadUrl }),
      metadata: { titleId: o.titleId, filename: path.basename(o.file) },
      headers: o.apiKey === undefined ? {} : { 'x-api-key': o.apiKey },
      chunkSize: o.chunkBytes,
      retryDelays: RETRY_DELAYS_MS,
      // The CLI keeps its own state (upload-state.ts): keyed by both ends of the file, not its name.
      storeFingerprintForResuming: false,
      httpStack: new ChecksummedHttpStack(fileSize, (res) => {
        const offset = Number(res.getHeader('Upload-Offset'));
        if (!resumedReported && res.getStatus() === 200 && Number.isFinite(offset)) {
          resumedReported = true;
          o.onResumed?.(offset);
        }
      }),
      onProgress: (sent, total) => o.onProgress?.(sent, total),
      onUploadUrlAvailable: () => {
        if (upload.url !== null) o.onUploadUrl?.(upload.url);
      },
      onShouldRetry: (err) => {
        const status = statusOf(err);
        // No answer at all (connection refused or dropped): the API may be restarting. An offset
        // conflict (the API kept fewer bytes than were sent) is resumed from the offset it reports.
        return status === undefined || RETRY_STATUSES.has(status) || (status === 409 && apiCodeOf(err) === 'VF_UPLOAD_OFFSET_MISMATCH');
      },
      onSuccess: () => resolve(),
      onError: (err) => {
        const e = err as DetailedError;
        const status = e.originalResponse === undefined || e.originalResponse === null ? undefined : statusOf(e);
        reject(new ResumableUploadError(status, apiCodeOf(e), e.message));
      },
    });
    upload.start();
  });
}
