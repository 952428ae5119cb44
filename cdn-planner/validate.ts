import { PlannerDuplicateError, PlannerInputError, PlannerReferenceError } from './errors.ts';
import type { Appliance, ApplianceState, CatalogFile, CatalogTitle, FillWindow, Holdings, ViewRecord } from './types.ts';

/**
 * Validation of the planner's inputs where they enter. Each check throws a typed
 * {@link PlannerInputError} naming the dotted field and the value received, so a bad file
 * reads like "Expected `appliances[3].fillWindow.tz` to be an IANA time zone, got "Mars/Base"".
 */

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const STATES: readonly ApplianceState[] = ['active', 'draining', 'down'];

export function expectObject(field: string, value: unknown): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PlannerInputError(field, 'an object', value);
  return value as Readonly<Record<string, unknown>>;
}

export function expectArray(field: string, value: unknown): readonly unknown[] {
  if (!Array.isArray(value)) throw new PlannerInputError(field, 'an array', value);
  return value;
}

export function expectString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new PlannerInputError(field, 'a non-empty string', value);
  return value;
}

export function expectNumber(field: string, value: unknown, min: number, opts: { integer?: boolean; above?: boolean } = {}): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (opts.integer !== true || Number.isInteger(value)) &&
    (opts.above === true ? value > min : value >= min);
  if (!ok)
    throw new PlannerInputError(
      field,
      `${opts.integer === true ? 'an integer' : 'a finite number'} ${opts.above === true ? '>' : '>='} ${min}`,
      value,
    );
  return value;
}

/** Parses an ISO-8601 instant with an explicit offset (`Z` or `±HH:MM`) to UTC ms. */
export function expectInstant(field: string, value: unknown): number {
  const ms = typeof value === 'string' && ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw new PlannerInputError(field, 'an ISO-8601 instant with offset, e.g. "2025-03-09T08:00:00Z"', value);
  return ms;
}

export function expectTimeZone(field: string, value: unknown): string {
  const tz = expectString(field, value);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new PlannerInputError(field, 'an IANA time zone such as "America/Chicago"', value);
  }
  return tz;
}

/** An absolute http(s) URL without query or fragment, returned without a trailing slash. */
export function expectHttpUrl(field: string, value: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (
    url === undefined ||
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== ''
  ) {
    throw new PlannerInputError(field, 'an http(s) URL without query, fragment or credentials, e.g. "https://edge-1.isp.example"', value);
  }
  return (value as string).replace(/\/+$/, '');
}

function expectFillWindow(field: string, value: unknown): FillWindow {
  const o = expectObject(field, value);
  const start = o.start;
  const end = o.end;
  if (typeof start !== 'string' || !HHMM.test(start)) throw new PlannerInputError(`${field}.start`, 'a local time "HH:MM"', start);
  if (typeof end !== 'string' || !HHMM.test(end)) throw new PlannerInputError(`${field}.end`, 'a local time "HH:MM"', end);
  if (start === end) throw new PlannerInputError(`${field}.end`, `different from start (${start})`, end);
  return { start, end, tz: expectTimeZone(`${field}.tz`, o.tz) };
}

export function validateAppliances(value: unknown, field = 'appliances'): Appliance[] {
  const list = expectArray(field, value);
  const seen = new Map<string, string>();
  const clusterRegion = new Map<string, string>();
  return list.map((raw, i) => {
    const at = `${field}[${i}]`;
    const o = expectObject(at, raw);
    const id = expectString(`${at}.id`, o.id);
    const first = seen.get(id);
    if (first !== undefined) throw new PlannerDuplicateError(`${at}.id`, id, first);
    seen.set(id, `${at}.id`);
    const cluster = expectString(`${at}.cluster`, o.cluster);
    const region = expectString(`${at}.region`, o.region);
    // A cluster is planned against one region's demand; mixing regions would double count it.
    const clusterAt = clusterRegion.get(cluster);
    if (clusterAt !== undefined && clusterAt !== region) {
      throw new PlannerInputError(`${at}.region`, `"${clusterAt}" like the rest of cluster "${cluster}"`, region);
    }
    clusterRegion.set(cluster, region);
    const state = o.state;
    if (typeof state !== 'string' || !(STATES as readonly string[]).includes(state)) {
      throw new PlannerInputError(`${at}.state`, 'one of "active", "draining", "down"', state);
    }
    const appliance: Appliance = {
      id,
      cluster,
      region,
      capacityBytes: expectNumber(`${at}.capacityBytes`, o.capacityBytes, 0, { integer: true }),
      fillGbps: expectNumber(`${at}.fillGbps`, o.fillGbps, 0, { above: true }),
      fillWindow: expectFillWindow(`${at}.fillWindow`, o.fillWindow),
      state: state as ApplianceState,
    };
    const serving =
      o.serveGbps === undefined ? appliance : { ...appliance, serveGbps: expectNumber(`${at}.serveGbps`, o.serveGbps, 0, { above: true }) };
    return o.baseUrl === undefined ? serving : { ...serving, baseUrl: expectHttpUrl(`${at}.baseUrl`, o.baseUrl) };
  });
}

export function validateCatalog(value: unknown, field = 'catalog'): CatalogTitle[] {
  const list = expectArray(field, value);
  const titles = new Map<string, string>();
  const keys = new Map<string, string>();
  return list.map((raw, i) => {
    const at = `${field}[${i}]`;
    const o = expectObject(at, raw);
    const titleId = expectString(`${at}.titleId`, o.titleId);
    const first = titles.get(titleId);
    if (first !== undefined) throw new PlannerDuplicateError(`${at}.titleId`, titleId, first);
    titles.set(titleId, `${at}.titleId`);
    const releasedAtField = `${at}.releasedAt`;
    expectInstant(releasedAtField, o.releasedAt);
    const files = expectArray(`${at}.files`, o.files).map((f, j): CatalogFile => {
      const fat = `${at}.files[${j}]`;
      const fo = expectObject(fat, f);
      const key = expectString(`${fat}.key`, fo.key);
      const prev = keys.get(key);
      if (prev !== undefined) throw new PlannerDuplicateError(`${fat}.key`, key, prev);
      keys.set(key, `${fat}.key`);
      return { key, bytes: expectNumber(`${fat}.bytes`, fo.bytes, 0, { integer: true, above: true }) };
    });
    return { titleId, releasedAt: o.releasedAt as string, files };
  });
}

/** Validates one parsed view-history line; `field` names it, e.g. `views:12`. */
export function validateViewRecord(value: unknown, field: string): ViewRecord {
  const o = expectObject(field, value);
  const ts = o.ts;
  expectInstant(`${field}.ts`, ts);
  const record = {
    ts: ts as string,
    titleId: expectString(`${field}.titleId`, o.titleId),
    region: expectString(`${field}.region`, o.region),
    bytes: expectNumber(`${field}.bytes`, o.bytes, 0),
  };
  const key = o.key;
  return key === undefined ? record : { ...record, key: expectString(`${field}.key`, key) };
}

/** Parses JSON-lines view history; blank lines are skipped, line numbers are 1-based. */
export function parseViewLines(text: string, field = 'views'): ViewRecord[] {
  const out: ViewRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    out.push(validateViewRecord(parseJsonLine(line, `${field}:${i + 1}`), `${field}:${i + 1}`));
  }
  return out;
}

export function parseJsonLine(line: string, field: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    throw new PlannerInputError(field, 'a JSON object on one line', line);
  }
}

/**
 * Holdings may name keys the catalog no longer has (stale content, evicted by the plan), but
 * not appliances the plan does not know: that is almost always a wrong file.
 */
export function validateHoldings(value: unknown, appliances: readonly Appliance[], field = 'holdings'): Holdings {
  const o = expectObject(field, value);
  const ids = new Set(appliances.map((a) => a.id));
  const out: Record<string, readonly string[]> = {};
  for (const [id, keys] of Object.entries(o)) {
    if (!ids.has(id)) throw new PlannerReferenceError(`${field}.${id}`, 'appliance', id);
    const list = expectArray(`${field}.${id}`, keys).map((k, i) => expectString(`${field}.${id}[${i}]`, k));
    out[id] = [...new Set(list)];
  }
  return out;
}
