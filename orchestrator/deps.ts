import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyServerOptions,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { JobsOptions, Queue } from 'bullmq';
import type { ChunkQueue, TurnQueue } from '../pipeline/turns.ts';
import type { Lane } from '../pipeline/queue.ts';
import type { JobName } from '../pipeline/types.ts';
import type { Redis } from 'ioredis';
import type { ObjectStore } from '../storage/port.ts';
import type { TitleStore } from '../titles/store.ts';
import type { ApiKeyStore } from './auth/keys.ts';
import type { FillPlanServices } from './fill-plans/steering.ts';
import type { PlanRunnerOptions } from './fill-plans/plan-runner.ts';
import type { ProtectionOptions } from './protection.ts';
import type { Page } from './pages.ts';
import type { UploadService } from './uploads/service.ts';

/**
 * What the API is built from (`buildApp(deps)`) and what its routes are registered with. Types
 * only: routes import them from here, and app.ts imports the routes, so no circle runs through
 * the app's factory.
 */
/**
 * The lanes' queues as routes use them (`laneJobs`): the upload queues a title's first job in
 * its lane (see pipeline/graph.ts), a title's chunks are found and moved in the encode lane.
 */
export interface JobQueue extends ChunkQueue, TurnQueue {
  add(name: JobName, data: unknown, opts?: JobsOptions): Promise<unknown>;
  /** Ids of the jobs waiting in each lane, in the order workers take them: the titles' places in the queue. */
  waitingOrder(): Promise<Record<Lane, string[]>>;
}

/** A backing service that /health asks whether it answers. */
export interface Pingable {
  ping(): Promise<unknown>;
}

export interface AppDeps {
  /**
   * Whole clients, for the plugins buildApp installs on the app: rate limits share their counts
   * through @fastify/rate-limit's Redis store, /metrics reads BullMQ's lists and the workers'
   * job metrics, bull-board shows the queues. Routes see them only as {@link RouteDeps}' small
   * interfaces.
   */
  readonly redis: Redis;
  /** The queue of each lane (pipeline/queue.ts). */
  readonly queues: Readonly<Record<Lane, Queue>>;
  readonly titles: TitleStore;
  readonly store: ObjectStore;
  /** API keys: every route but players' and public ones needs one (see auth/roles.ts). */
  readonly keys: ApiKeyStore;
  /** Largest master accepted by upload, in bytes. @defaultValue 50 GiB */
  readonly maxUploadBytes?: number;
  /** An unfinished upload left alone this long expires and its parts are deleted, in seconds. @defaultValue 86400 */
  readonly uploadExpiryS?: number;
  /** Scratch space (a still re-extracted when a frame off the shortlist is pinned). @defaultValue os.tmpdir() */
  readonly tmpDir?: string;
  readonly logger?: FastifyServerOptions['logger'];
  /** Absolute URL players reach the API at (steered manifests); undefined: the address a request arrived on, never its Host header. */
  readonly publicUrl?: string;
  /** Origins fill plans may steer players to (https). @defaultValue none: plans with a `baseUrl` are refused */
  readonly applianceOrigins?: readonly string[];
  /** Fill plans are computed in a helper process: how many may wait, and its heap. */
  readonly planner?: PlanRunnerOptions;
  /** The browser pages this API serves (see pages.ts). @defaultValue all three */
  readonly pages?: readonly Page[];
  /** Different keys that must approve a fill plan before it steers players. @defaultValue 1 */
  readonly planApprovals?: number;
  /** Rate limits and load shedding (see protection.ts). */
  readonly protection?: ProtectionOptions;
}

/** What the routes are registered with: the deps, with the clients narrowed to what routes do, plus the services built once per app. */
export interface RouteDeps extends Omit<AppDeps, 'redis' | 'queues'> {
  readonly fillPlans: FillPlanServices;
  /** Resumable and direct uploads (orchestrator/uploads/). */
  readonly uploads: UploadService;
  readonly jobs: JobQueue;
  readonly redis: Pingable;
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;
