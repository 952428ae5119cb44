/**
 * One fill-plan computation in a worker thread: parse, schema-check, validate and plan, off
 * the API's event loop, one request after another. Messages: the API sends `{ kind: 'body', raw, now }`; the thread answers
 * `need-catalog` when the body has none (the API exports it from storage and sends
 * `{ kind: 'catalog', catalog }`), then `done` with the plan serialised, or `error`.
 */
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { CatalogTitle } from '../../cdn-planner/index.ts';
import { computeFillPlan, FillPlanInputError, parsePlanRequest } from './compute.ts';
import { serializeFillPlan, type SerializedFillPlan } from './store.ts';

export interface PlanThreadData {
  readonly applianceOrigins: readonly string[];
}
export type ToPlanThread = { readonly kind: 'body'; readonly raw: Uint8Array; readonly now: string } | { readonly kind: 'catalog'; readonly catalog: readonly CatalogTitle[] };
export type FromPlanThread =
  | { readonly kind: 'need-catalog' }
  | { readonly kind: 'done'; readonly plan: SerializedFillPlan }
  | { readonly kind: 'error'; readonly code: FillPlanInputError['code']; readonly message: string };

// Planning is background work beside the players this process serves: on Linux a nice value
// is per thread, so this one yields its core to the event loop whenever both want it.
try {
  os.setPriority(19);
} catch {
  // not permitted here: it plans at normal priority
}

const port = parentPort;
if (port === null) throw new Error('plan-thread.ts runs as a worker thread');
const data = workerData as PlanThreadData;
const send = (m: FromPlanThread): void => port.postMessage(m);

const nextMessage = (): Promise<ToPlanThread> => new Promise((resolve) => port.once('message', resolve));

/** One request: the body, maybe the catalog, then the answer. */
async function planOne(raw: Uint8Array, now: string): Promise<void> {
  try {
    const body = parsePlanRequest(raw);
    let exported: readonly CatalogTitle[] | undefined;
    if (body.catalog === undefined) {
      send({ kind: 'need-catalog' });
      const m = await nextMessage();
      if (m.kind !== 'catalog') throw new Error(`expected the catalog, got ${m.kind}`);
      exported = m.catalog;
    }
    send({ kind: 'done', plan: serializeFillPlan(computeFillPlan({ body, exported, applianceOrigins: data.applianceOrigins, now })) });
  } catch (err) {
    if (!(err instanceof FillPlanInputError)) throw err;
    send({ kind: 'error', code: err.code, message: err.message });
  }
}

// Requests one after another for the thread's life (starting a thread costs most of a second).
for (;;) {
  const m = await nextMessage();
  if (m.kind !== 'body') throw new Error(`expected a body, got ${m.kind}`);
  await planOne(m.raw, m.now);
}
