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
 * Reads the text/event-stream at `path` until it ends, calling `onMessage` for each message it
 * completes, keep-alive comments included. What a message says is not parsed: the caller reads
 * the resource again, which stays the one source of truth. Rejects with ApiError when the API
 * refuses the stream, and with fetch's errors when the connection fails or `signal` aborts.
 * @param {string} path
 * @param {() => void} onMessage
 * @param {AbortSignal} signal
 */
async function followStream(path, onMessage, signal) {
  const res = await fetch(path, { headers: { 'x-api-key': getKey(), accept: 'text/event-stream' }, signal });
  if (!res.ok || res.body === null) throw new ApiError(res.status, undefined, res.statusText || 'event stream refused');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    // The API ends lines with LF alone; a blank line ends a message.
    buffered += value;
    const end = buffered.lastIndexOf('\n\n');
    if (end >= 0) {
      buffered = buffered.slice(end + 2);
      onMessage();
    }
  }
}

/** Longest wait before a dropped event stream is opened again. */
const MAX_STREAM_RETRY_MS = 30_000;

/**
 * An event stream `useApi` follows instead of polling: `events`, read again on each message,
 * while `open` holds for what was read last (the resource can still change in ways the stream
 * tells of; a title until it is ready or failed).
 * @template T
 * @typedef {{ events: string, open: (data: T) => boolean }} Live
 */

/**
 * GETs `path`, again every `intervalMs` when given (0: once), and again when the key changes.
 * With `live`, while `live.open` holds for the body it read, it reads `path` again on each
 * message of `live.events` instead of polling, and opens a stream that ended or failed again
 * after 1, 2, 4 ... 30 s (from 1 s again once a message gets through).
 * Keeps the last good body while a refresh fails, so a blip does not blank the page.
 * `T` is the body's shape, named by the caller's annotation (see `api`).
 * @template T
 * @param {string} path
 * @param {number} [intervalMs]
 * @param {Live<T>} [live]
 * @returns {ApiState<T>}
 */
export function useApi(path, intervalMs = 0, live) {
  const key = useKey();
  const [state, setState] = useState(
    /** @type {FetchState<T>} */ ({ data: undefined, status: undefined, error: undefined, loading: true }),
  );
  const alive = useRef(true);
  const open = useRef(live?.open);
  open.current = live?.open;
  const events = live?.events;
  /** @type {() => Promise<T | undefined>} the body read, or undefined when the read failed */
  const load = useCallback(async () => {
    try {
      /** @type {ApiResponse<T>} */
      const { status, body } = await api(path);
      if (alive.current) setState({ data: body, status, error: undefined, loading: false });
      return body;
    } catch (err) {
      if (alive.current) setState((s) => ({ ...s, error: err, loading: false }));
      return undefined;
    }
  }, [path, key]);
  useEffect(() => {
    alive.current = true;
    setState({ data: undefined, status: undefined, error: undefined, loading: true });
    const stop = new AbortController();
    const streams = events === undefined ? undefined : { events, open: (/** @type {T} */ data) => open.current?.(data) === true };
    refresh(load, intervalMs, streams, stop.signal);
    return () => {
      alive.current = false;
      stop.abort();
    };
  }, [load, intervalMs, events]);
  return { ...state, reload: async () => void (await load()), setData: (data) => setState((s) => ({ ...s, data })) };
}

/**
 * Resolves after `ms`, or at once when `signal` aborts.
 * @param {number} ms
 * @param {AbortSignal} signal
 */
function sleep(ms, signal) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve(undefined);
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Reads the resource, then again: on each message of its event stream while the stream is
 * `open` for what was read (a stream that ends or fails is opened again after a back-off), or
 * every `intervalMs` otherwise (0: no more), until `signal` aborts.
 * @template T
 * @param {() => Promise<T | undefined>} load
 * @param {number} intervalMs
 * @param {Live<T> | undefined} live
 * @param {AbortSignal} signal
 */
async function refresh(load, intervalMs, live, signal) {
  let failures = 0;
  while (!signal.aborted) {
    const data = await load();
    if (signal.aborted) return;
    let waitMs = intervalMs;
    if (live !== undefined && data !== undefined && live.open(data)) {
      try {
        await followStream(
          live.events,
          () => {
            failures = 0;
            void load();
          },
          signal,
        );
      } catch {
        // Refused, dropped or aborted: read again after the back-off, unless aborted.
      }
      waitMs = Math.min(MAX_STREAM_RETRY_MS, 1000 * 2 ** failures++);
    }
    if (waitMs <= 0 || signal.aborted) return;
    await sleep(waitMs, signal);
  }
}
