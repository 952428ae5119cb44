import type { CatalogTitle } from '../../cdn-planner/index.ts';
import { HttpErrors } from '../errors.ts';
import { HelperCrashedError, HelperProcess } from '../runtime/helper-process.ts';
import { WorkGate } from '../work-gate.ts';
import type { FillPlanInputError } from './compute.ts';
import type { PlanReply, PlanRequestMessage } from './plan-child.ts';
import type { SerializedFillPlan } from './store.ts';

export interface PlanRunnerOptions {
  /** Plan requests that may wait for the one running; past it, 503 `VF_BUSY`. @defaultValue 4 */
  readonly maxWaiting?: number;
  /** Heap the planning helper may use, MB; past it the plan fails with 422, the API lives on. @defaultValue 1024 */
  readonly maxHeapMb?: number;
}

/**
 * Computes fill plans in a helper process (plan-child.ts) under `nice -n 19`, one at a time:
 * parsing megabytes of views and planning over them never stalls the event loop that serves
 * manifests, never takes a core from it when both want one, and never grows the API's memory.
 * The helper ends after 2 s idle; a burst of plans shares one.
 */
export class PlanRunner {
  private readonly gate: WorkGate;
  private readonly helper: HelperProcess<PlanRequestMessage, PlanReply>;
  private readonly maxHeapMb: number;

  constructor(
    private readonly applianceOrigins: readonly string[],
    options: PlanRunnerOptions = {},
  ) {
    this.gate = new WorkGate({ name: 'fill plan computations', concurrency: 1, maxWaiting: options.maxWaiting ?? 4, retryAfterS: 30 });
    this.maxHeapMb = options.maxHeapMb ?? 1024;
    this.helper = new HelperProcess({
      name: 'planning',
      entry: new URL('./plan-child.mjs', import.meta.url),
      nodeArgs: [`--max-old-space-size=${this.maxHeapMb}`],
      background: true,
      idleExitMs: 2000,
    });
  }

  /**
   * Plans from a request's raw JSON body. `exportCatalog` is called when the body has no
   * catalog. Throws the API's errors: 400 for bad input (naming the field), 422 past the heap
   * limit, 503 when too many plans wait.
   */
  run(raw: Buffer, exportCatalog: () => Promise<readonly CatalogTitle[]>): Promise<SerializedFillPlan> {
    return this.gate.run(async () => {
      const request = { raw, now: new Date().toISOString(), applianceOrigins: this.applianceOrigins };
      let reply = await this.ask(request);
      if (reply.kind === 'need-catalog') reply = await this.ask({ ...request, catalog: await exportCatalog() });
      if (reply.kind === 'done') return reply.plan;
      if (reply.kind === 'error') throw inputError(reply.code, reply.message);
      throw new Error('the planning helper asked for the catalog twice');
    });
  }

  close(): Promise<void> {
    return this.helper.close();
  }

  private async ask(request: PlanRequestMessage): Promise<PlanReply> {
    try {
      return await this.helper.request(request);
    } catch (err) {
      // V8 aborts a process past its heap limit.
      if (err instanceof HelperCrashedError && (err.signal === 'SIGABRT' || err.exitCode === 134))
        throw new HttpErrors.FillPlanTooLarge(this.maxHeapMb);
      throw err;
    }
  }
}

function inputError(code: FillPlanInputError['code'], message: string): Error {
  if (code === 'VF_FILL_PLAN_INVALID') return new HttpErrors.FillPlanInvalid(message);
  if (code === 'VF_INVALID_JSON') return new HttpErrors.InvalidJson(message.replace(/^The request body is not valid JSON: /, ''));
  return new HttpErrors.InvalidRequest(message);
}
