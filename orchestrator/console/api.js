import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/**
 * Every call to the API goes through here: it adds the operator's key (kept in localStorage)
 * as `x-api-key`, and turns a 401/403 into an error the page can explain.
 */
const KEY_ITEM = 'vodforge.apiKey';
const listeners = new Set();

export function getKey() {
  return localStorage.getItem(KEY_ITEM) ?? '';
}

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
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** What an operator should read for an error, with access errors spelled out. */
export function describeError(err) {
  if (err instanceof ApiError) {
    if (err.status === 401) return 'Not signed in, or the API key is not valid (401). Enter a key above.';
    if (err.status === 403) return `This API key's role may not do this (403): ${err.message}`;
    return `${err.message} (${err.status}${err.code ? ` ${err.code}` : ''})`;
  }
  return `Cannot reach the API: ${err?.message ?? err}`;
}

/** fetch with the key; resolves to `{ status, body }` for 2xx, throws ApiError otherwise. */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { 'x-api-key': getKey() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  let json;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, json?.code, json?.message ?? (res.statusText || 'request failed'));
  return { status: res.status, body: json };
}

/**
 * GETs `path`, again every `intervalMs` when given (0: once), and again when the key changes.
 * Keeps the last good body while a refresh fails, so a blip does not blank the page.
 */
export function useApi(path, intervalMs = 0) {
  const key = useKey();
  const [state, setState] = useState({ data: undefined, status: undefined, error: undefined, loading: true });
  const alive = useRef(true);
  const load = useCallback(async () => {
    try {
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
