import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** @typedef {import('./types.js').ErrorBody} ErrorBody */

/**
 * A 2xx answer: its status and parsed JSON body (`undefined` when empty).
 * @template T
 * @typedef {{ status: number, body: T }} ApiResponse
 */

/**
 * What `useApi` holds: the last good body and its status, the last error (whatever was thrown:
 * an ApiError, or fetch's own TypeError when the API cannot be reached), and whether the first
 * load is still running.
 * @template T
 * @typedef {{ data: T | undefined, status: number | undefined, error: unknown, loading: boolean }} FetchState
 */

/**
 * @template T
 * @typedef {FetchState<T> & { reload: () => Promise<void>, setData: (data: T) => void }} ApiState
 */

/**
 * Every call to the API goes through here: it adds the operator's key (kept in localStorage)
 * as `x-api-key`, and turns a 401/403 into an error the page can explain.
 */
const KEY_ITEM = 'vodforge.apiKey';
/** @type {Set<(key: string) => void>} */
const listeners = new Set();

export function getKey() {
  return localStorage.getItem(KEY_ITEM) ?? '';
}

/** @param {string} key */
export function setKey(key) {
  if (key === '') localStorage.removeItem(KEY_ITEM);
  else localStorage.setItem(KEY_ITEM, key);
  for (const l of listeners) l(key);
}

/** Re-renders the caller when the key changes (sign in, sign out). */
export function useKey() {
  const [key, set] = useState(getKey());
  useEffect(() => {
    listeners.add(set);
    return () => listeners.delete(set);
  }, []);
  return key;
}

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string | undefined} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/**
 * What an operator should read for an error, with access errors spelled out.
 * @param {unknown} err whatever was thrown
 */
export function describeError(err) {
  if (err instanceof ApiError) {
    if (err.status === 401) return 'Not signed in, or the API key is not valid (401). Enter a key above.';
    if (err.status === 403) return `This API key's role may not do this (403): ${err.message}`;
    return `${err.message} (${err.status}${err.code ? ` ${err.code}` : ''})`;
  }
  // Usually an Error; any other value has no `message` and is shown as it is.
  const thrown = /** @type {{ message?: unknown } | null | undefined} */ (err);
  return `Cannot reach the API: ${thrown?.message ?? err}`;
}

/**
 * fetch with the key; resolves to `{ status, body }` for 2xx, throws ApiError otherwise.
 * `T` is the body's shape as the route's response schema declares it, named by the caller's
 * annotation; it is not checked at run time.
 * @template T
 * @param {string} path
 * @param {{ method?: string, body?: unknown }} [options]
 * @returns {Promise<ApiResponse<T>>}
 */
export async function api(path, { method = 'GET', body } = {}) {
  /** @type {Record<string, string>} */
  const headers = { 'x-api-key': getKey() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  /** @type {unknown} */
  let json;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  // A failure's body is the API's ErrorBody when it has one (a proxy's page does not: then undefined).
  const failure = /** @type {Partial<ErrorBody> | undefined} */ (json);
  if (!res.ok) throw new ApiError(res.status, failure?.code, failure?.message ?? (res.statusText || 'request failed'));
  return { status: res.status, body: /** @type {T} */ (json) };
}

/**
 * GETs `path`, again every `intervalMs` when given (0: once), and again when the key changes.
 * Keeps the last good body while a refresh fails, so a blip does not blank the page.
 * `T` is the body's shape, named by the caller's annotation (see `api`).
 * @template T
 * @param {string} path
 * @returns {ApiState<T>}
 */
export function useApi(path, intervalMs = 0) {
  const key = useKey();
  const [state, setState] = useState(
    /** @type {FetchState<T>} */ ({ data: undefined, status: undefined, error: undefined, loading: true }),
  );
  const alive = useRef(true);
  const load = useCallback(async () => {
    try {
      /** @type {ApiResponse<T>} */
      const { status, body } = await api(path);
      if (alive.current) setState({ data: body, status, error: undefined, loading: false });
    } catch (err) {
      if (alive.current) setState((s) => ({ ...s, error: err, loading: false }));
    }
  }, [path, key]);
  useEffect(() => {
    alive.current = true;
    setState({ data: undefined, status: undefined, error: undefined, loading: true });
    load();
    const timer = intervalMs > 0 ? setInterval(load, intervalMs) : undefined;
    return () => {
      alive.current = false;
      if (timer !== undefined) clearInterval(timer);
    };
  }, [load, intervalMs]);
  return { ...state, reload: load, setData: (data) => setState((s) => ({ ...s, data })) };
}
