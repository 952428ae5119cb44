/**
 * What the tus server answers errors with, in the API's error shape (`{ statusCode, code, error,
 * message }` with a catalogue code, as every other route): the library's own errors are plain
 * `{ status_code, body }` objects, mapped here by identity.
 */
import { STATUS_CODES } from 'node:http';
import { ERRORS } from '@tus/utils';
import { HttpErrors } from '../errors.ts';
import { LOCKED } from './redis-locker.ts';

/** 460 is the checksum extension's own status; the tracked store throws this on a mismatch. */
export const CHECKSUM_MISMATCH = { status_code: 460, body: 'Checksum Mismatch\n' } as const;

export interface ErrorJson {
  readonly statusCode: number;
  readonly code: string;
  readonly error: string;
  readonly message: string;
}

type Catalogued = Error & { readonly code: string; readonly statusCode?: number };

/** The catalogue's error for each error object of the library (and of vodforge's lock and checksum layers). */
function catalogued(expiryS: number): Map<object, () => Catalogued> {
  return new Map<object, () => Catalogued>([
    [ERRORS.MISSING_OFFSET, () => new HttpErrors.InvalidRequest('Upload-Offset header required')],
    [ERRORS.INVALID_CONTENT_TYPE, () => new HttpErrors.UnsupportedMediaType('other than application/offset+octet-stream')],
    [ERRORS.INVALID_LENGTH, () => new HttpErrors.InvalidRequest('Upload-Length header required (Upload-Defer-Length is not supported)')],
    [ERRORS.INVALID_METADATA, () => new HttpErrors.UploadMetadataInvalid('Upload-Metadata is not comma-separated "key base64" pairs')],
    [ERRORS.ABORTED, () => new HttpErrors.UploadAborted()],
    [ERRORS.INVALID_TERMINATION, () => new HttpErrors.UploadComplete()],
    [ERRORS.FILE_NOT_FOUND, () => new HttpErrors.UploadNotFound()],
    [ERRORS.INVALID_OFFSET, () => new HttpErrors.UploadOffsetMismatch()],
    [ERRORS.FILE_NO_LONGER_EXISTS, () => new HttpErrors.UploadExpired(expiryS)],
    [ERRORS.ERR_SIZE_EXCEEDED, () => new HttpErrors.InvalidRequest('The body goes past the Upload-Length declared at creation')],
    [ERRORS.ERR_LOCK_TIMEOUT, () => new HttpErrors.UploadLocked()],
    [LOCKED, () => new HttpErrors.UploadLocked()],
    [CHECKSUM_MISMATCH, () => new HttpErrors.UploadChecksumMismatch()],
    [
      ERRORS.UNSUPPORTED_CONCATENATION_EXTENSION,
      () => new HttpErrors.TusExtensionUnsupported('Upload-Concat (parallel uploads) is not supported'),
    ],
    [
      ERRORS.UNSUPPORTED_CREATION_DEFER_LENGTH_EXTENSION,
      () => new HttpErrors.TusExtensionUnsupported('Upload-Defer-Length is not supported: declare Upload-Length'),
    ],
  ]);
}

const isCatalogued = (e: unknown): e is Catalogued =>
  e instanceof Error &&
  typeof (e as { code?: unknown }).code === 'string' &&
  typeof (e as { statusCode?: unknown }).statusCode === 'number';

export function errorJson(e: Catalogued): ErrorJson {
  const status = e.statusCode ?? 500;
  return { statusCode: status, code: e.code, error: reason(status), message: e.message };
}

const reason = (status: number): string => (status === 460 ? 'Checksum Mismatch' : (STATUS_CODES[status] ?? 'Error'));

/**
 * Maps whatever a tus request failed with to the API's error: the catalogue's own errors as they
 * are, the library's by identity (and the max-size error to the upload limit's), anything else a
 * 500 that says no more (it may carry a storage path), for the caller to log.
 */
export function tusErrorMapper(limits: {
  readonly expiryS: number;
  readonly maxUploadBytes: number;
}): (err: unknown) => { json: ErrorJson; unexpected: boolean } {
  const known = catalogued(limits.expiryS);
  known.set(ERRORS.ERR_MAX_SIZE_EXCEEDED, () => new HttpErrors.UploadTooLarge(limits.maxUploadBytes));
  return (err) => {
    if (isCatalogued(err)) return { json: errorJson(err), unexpected: false };
    const make = typeof err === 'object' && err !== null ? known.get(err) : undefined;
    if (make !== undefined) return { json: errorJson(make()), unexpected: false };
    return { json: { statusCode: 500, code: 'VF_INTERNAL', error: reason(500), message: 'Internal error' }, unexpected: true };
  };
}

/** An error the tus server answered without throwing (a missing Tus-Resumable, a header it refused), by its status. */
export function plainTusError(status: number, text: string): ErrorJson {
  const e =
    status === 412
      ? new HttpErrors.TusVersionUnsupported()
      : status === 404
        ? new HttpErrors.UploadNotFound()
        : new HttpErrors.InvalidRequest(text.trim() === '' ? 'Refused by the tus protocol' : text.trim());
  return { ...errorJson(e), statusCode: status, error: reason(status) };
}
