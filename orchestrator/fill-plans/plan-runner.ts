import { Worker } from 'node:worker_threads';
import type { CatalogTitle } from '../../cdn-planner/index.ts';
import { HttpErrors } from '../errors.ts';
import { WorkGate } from '../work-gate.ts';
import type { FillPlanInputError } from './compute.ts';
import type { FromPlanThread, PlanThreadData, ToPlanThread } from './plan-thread.ts';
import type { SerializedFillPlan } from './store.ts';

export interface PlanRunnerOptions {
  /** Plans computed at once, each in its own thread. @defaultValue 1 (the API keeps a core for players) */
  readonly concurrency?: number;
  /** Plan requests that may wait; past it, 503 `VF_BUSY`. @defaultValue 4 */
  readonly maxWaiting?: number;
  /** Heap one planning thread may use, MB; past it the plan fails with 422, the API lives on. @defaultValue 1024 */
  readonly maxHeapMb?: number;
}

const THREAD = new URL('./plan-thread.mjs', import.meta.url);
/** An idle planning thread ends after this: a burst of plans shares one, and none keeps its heap. */
const IDLE_THREAD_MS = 2000;

/**
 * Computes fill plans in worker threads, so parsing megabytes of views and planning over them
 * never stalls the event loop that serves manifests. At most `concurrency` run, at the lowest
 * CPU priority; a thread serves the plans that follow within IDLE_THREAD_MS and is replaced
 * when it dies (its heap limit makes an oversized request fail alone).
 */
export class PlanRunner {
  private readonly gate: WorkGate;
  private readonly maxHeapMb: number;
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();

  constructor(private readonly applianceOrigins: readonly string[], options: PlanRunnerOptions = {}) {
    this.gate = new WorkGate({ name: 'fill plan computations', concurrency: options.concurrency ?? 1, maxWaiting: options.maxWaiting ?? 4, retryAfterS: 30 });
    this.maxHeapMb = options.maxHeapMb ?? 1024;
  }

  /**
   * Plans from a request's raw JSON body. `exportCatalog` is called when the body has no
   * catalog. Throws the API's errors: 400 for bad input (naming the field), 422 past the heap
   * limit, 503 when too many plans wait.
   */
  run(raw: Buffer, exportCatalog: () => Promise<readonly CatalogTitle[]>): Promise<SerializedFillPlan> {
    return this.gate.run(() => this.inThread(raw, exportCatalog));
  }

  async close(): Promise<void> {
    await Promise.all([...this.all].map((w) => w.terminate()));
  }

  private thread(): Worker {
    const ready = this.idle.pop();
    if (ready !== undefined) return ready;
    const data: PlanThreadData = { applianceOrigins: this.applianceOrigins };
    const worker = new Worker(THREAD, { workerData: data, resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb } });
    // An idle thread must not keep the process alive.
    worker.unref();
    this.all.add(worker);
    worker.once('exit', () => {
      this.all.delete(worker);
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
    });
    return worker;
  }

  private inThread(raw: Buffer, exportCatalog: () => Promise<readonly CatalogTitle[]>): Promise<SerializedFillPlan> {
    const worker = this.thread();
    return new Promise<SerializedFillPlan>((resolve, reject) => {
      const onMessage = (m: FromPlanThread): void => {
        if (m.kind === 'done') finish(() => resolve(m.plan));
        else if (m.kind === 'error') finish(() => reject(inputError(m.code, m.message)));
        else exportCatalog().then(
          (catalog) => worker.postMessage({ kind: 'catalog', catalog } satisfies ToPlanThread),
          (err: unknown) => fail(err),
        );
      };
      const onError = (err: Error & { code?: string }): void => fail(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new HttpErrors.FillPlanTooLarge(this.maxHeapMb) : err);
      const onExit = (code: number): void => fail(new Error(`planning thread exited with code ${code} before answering`));
      const detach = (): void => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      /** Answered: the thread goes back to the idle list, and ends if no plan comes soon (its heap is the API's RSS). */
      const finish = (f: () => void): void => {
        detach();
        this.idle.push(worker);
        setTimeout(() => {
          const i = this.idle.indexOf(worker);
          if (i < 0) return;
          this.idle.splice(i, 1);
          void worker.terminate();
        }, IDLE_THREAD_MS).unref();
        f();
      };
      /** The thread is in an unknown state: it is dropped. */
      const fail = (err: unknown): void => {
        detach();
        void worker.terminate();
        reject(err);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      // Transferred, not copied, when the buffer is its own (a large body always is; a small
      // one may sit in Node's shared pool, which must not be detached).
      const own = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength;
      const bytes = own ? new Uint8Array(raw.buffer, 0, raw.byteLength) : new Uint8Array(raw);
      worker.postMessage({ kind: 'body', raw: bytes, now: new Date().toISOString() } satisfies ToPlanThread, [bytes.buffer as ArrayBuffer]);
    });
  }
}

function inputError(code: FillPlanInputError['code'], message: string): Error {
  if (code === 'VF_FILL_PLAN_INVALID') return new HttpErrors.FillPlanInvalid(message);
  if (code === 'VF_INVALID_JSON') return new HttpErrors.InvalidJson(message.replace(/^The request body is not valid JSON: /, ''));
  return new HttpErrors.InvalidRequest(message);
}
