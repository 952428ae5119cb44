import type { TitleViewT } from '../schemas.ts';
import { EventStreamParser } from './event-stream.ts';
import { ApiCallError } from './http.ts';
import { RETRY_DELAYS_MS } from './resumable.ts';

/** What a `state` event of `GET /v1/titles/:id/events` says. */
export interface TitleState {
  readonly state: TitleViewT['state'];
  readonly progress: number;
}

const isFinal = (s: TitleState['state']): boolean => s === 'ready' || s === 'failed';

/**
 * Follows a title on its event stream until it is ready or failed, calling `onState` with each
 * state the API sends (the current one first, then every change of state or progress), once
 * per change across reconnections. A
 * stream that drops or ends early (the API restarting) is opened again after the retry
 * schedule's delays, which start over whenever an event gets through: a new stream starts
 * with the current state, so nothing is missed. A title deleted meanwhile is a 404
 * {@link ApiCallError}, as the read that would have followed.
 */
export async function watchTitle(
  api: string,
  id: string,
  auth: Record<string, string>,
  onState: (s: TitleState) => void,
  delaysMs: readonly number[] = RETRY_DELAYS_MS,
): Promise<TitleState> {
  const url = new URL(`/v1/titles/${id}/events`, api).toString();
  let failures = 0;
  // What `onState` was last told: a stream opened again repeats the state it starts with.
  let told: TitleState | undefined;
  for (;;) {
    try {
      const res = await fetch(url, { headers: { ...auth, accept: 'text/event-stream' } });
      if (!res.ok || res.body === null) {
        const text = await res.text();
        const code = parseCode(text);
        const error = new ApiCallError(res.status, code, `GET ${url} failed with ${res.status} ${code ?? text}`);
        if (res.status !== 503) throw error;
        throw new RetryableStreamError(error.message);
      }
      const parser = new EventStreamParser();
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        for (const e of parser.push(decoder.decode(chunk, { stream: true }))) {
          if (e.event === 'deleted') throw new ApiCallError(404, 'VF_TITLE_NOT_FOUND', `title ${id} was deleted while it was watched`);
          if (e.event !== 'state') continue;
          const now: TitleState = { state: e.data.state as TitleState['state'], progress: Number(e.data.progress ?? 0) };
          failures = 0;
          if (now.state !== told?.state || now.progress !== told.progress) onState(now);
          told = now;
          if (isFinal(now.state)) return now;
        }
      }
    } catch (err) {
      // A refusal (401, 404, ...) is final; no answer, a dropped stream or a 503 is worth another try.
      if (err instanceof ApiCallError) throw err;
      if (!(err instanceof TypeError || err instanceof RetryableStreamError)) throw err;
    }
    const delay = delaysMs[failures++];
    if (delay === undefined)
      throw new ApiCallError(503, undefined, `GET ${url}: the title's event stream kept ending before the title did`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

class RetryableStreamError extends Error {
  override readonly name = 'RetryableStreamError';
}

function parseCode(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { code?: string }).code;
  } catch {
    return undefined;
  }
}
