/**
 * Secrets and internal paths out of every message a user or log can see: error texts from
 * ffmpeg, the SDK or Node carry presigned URLs (valid for hours: anyone holding one reads the
 * master), credentials in connection URLs, and absolute paths of the storage root and scratch
 * space (a map of the machine). Applied where an error leaves a process: a title's error, a
 * job's failed reason, a log line, an API error body.
 */

export interface RedactionRoot {
  /** An absolute directory, e.g. the local storage root. */
  readonly path: string;
  /** What replaces it, e.g. `<storage>`. */
  readonly label: string;
}

/** `https://host/key?X-Amz-Signature=…` keeps its host and key; the query is what grants access. */
const PRESIGNED = /(\bhttps?:\/\/[^\s?"'<>]*)\?[^\s"'<>]*\bX-Amz-[^\s"'<>]*/gi;
/** `scheme://user:password@host`: the password goes. */
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/[^:@/\s]*):[^@/\s]+@/gi;

export type Redact = (text: string) => string;

/** A redactor for this process' roots (longest first, so a nested root keeps its own label). */
export function redactor(roots: readonly RedactionRoot[]): Redact {
  const sorted = roots
    .filter((r) => r.path.length > 1)
    .map((r) => ({ ...r, path: r.path.replace(/\/+$/, '') }))
    .sort((a, b) => b.path.length - a.path.length);
  return (text) => {
    let out = text.replace(PRESIGNED, '$1?<presigned query redacted>').replace(USERINFO, '$1:<redacted>@');
    for (const r of sorted) out = out.split(r.path).join(r.label);
    return out;
  };
}

/** The roots a store and scratch dir expose: a local store's directory (`file://…`) and the scratch dir. */
export function storageRoots(storeDescribe: string, tmpDir: string): RedactionRoot[] {
  const roots: RedactionRoot[] = [{ path: tmpDir, label: '<scratch>' }];
  if (storeDescribe.startsWith('file://')) roots.push({ path: storeDescribe.slice('file://'.length), label: '<storage>' });
  return roots;
}

/** The same error with its message (and the message inside its stack) redacted. */
export function redactError<E extends Error>(error: E, redact: Redact): E {
  const message = redact(error.message);
  if (message === error.message) return error;
  error.message = message;
  if (typeof error.stack === 'string') error.stack = redact(error.stack);
  return error;
}
