/**
 * Names of uploads. A resumable upload's bytes end at the storage key of the master it makes
 * (`titles/<title>/source/tus-<hex>/master`, beside the single-PUT path's masters), and its URL
 * names it by a token that carries the same two parts (`<title>.<hex>`): no lookup between the
 * two, and nothing a client sends can point outside its title's `source/` prefix. Pure.
 */
import { randomBytes } from 'node:crypto';
import { titlePrefix } from '../../titles/model.ts';

/** A title id, as the API accepts one (orchestrator/schemas.ts `TitleId`). */
const TITLE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const TUS_TOKEN = /^([A-Za-z0-9_-]{1,64})\.([0-9a-f]{32})$/;
const TUS_KEY = /^titles\/([A-Za-z0-9_-]{1,64})\/source\/tus-([0-9a-f]{32})\/master$/;

export const isTitleId = (s: string): boolean => TITLE_ID.test(s);

/** The storage key a new resumable upload of `titleId`'s master writes to. */
export function newTusKey(titleId: string): string {
  if (!isTitleId(titleId)) throw new RangeError(`Expected a title id, got ${JSON.stringify(titleId)}`);
  return `${titlePrefix(titleId)}source/tus-${randomBytes(16).toString('hex')}/master`;
}

/** The URL token of the upload at `key`, or `undefined` for a key no resumable upload has. */
export function tokenOfKey(key: string): string | undefined {
  const m = TUS_KEY.exec(key);
  return m === null ? undefined : `${m[1]}.${m[2]}`;
}

/** The storage key a URL token names, or `undefined` for anything that is not a token. */
export function keyOfToken(token: string): string | undefined {
  const m = TUS_TOKEN.exec(token);
  return m === null ? undefined : `${titlePrefix(m[1] ?? '')}source/tus-${m[2]}/master`;
}

/** The title a resumable upload's key belongs to. */
export function titleOfKey(key: string): string | undefined {
  return TUS_KEY.exec(key)?.[1];
}
