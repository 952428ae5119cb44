import { Redis, type RedisOptions } from 'ioredis';
import { FlowProducer, Queue, type DefaultJobOptions, type Job } from 'bullmq';

/** The encode lane's queue name, and the base of the other lanes' (`laneQueueName`); the job name selects the handler. */
export const QUEUE_NAME = 'vodforge';

/**
 * The queues a title's jobs run in. `express` carries the short steps (probe, analysis, audio,
 * package), `encode` the chunks and what runs after `ready`. Every worker process takes one
 * job of each at a time, so a short step never waits for a chunk of another title to end.
 */
export const LANES = ['express', 'encode'] as const;
export type Lane = (typeof LANES)[number];

/** The BullMQ queue name of `lane` for the base name `base` (`QUEUE_NAME` unless a test picks another). */
export function laneQueueName(base: string, lane: Lane): string {
  return lane === 'encode' ? base : `${base}-express`;
}

export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 4,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export interface QueueConnectionOptions {
  readonly redisUrl: string;
  /** Key prefix of the queue and of vodforge's own keys; tests use a random one. @defaultValue 'vf' */
  readonly prefix: string;
}

/**
 * A connection for producers (the API): no offline queue, so a command fails at once when
 * Redis is down and the API answers 503 instead of hanging on a request.
 */
export function producerConnection(redisUrl: string, extra: RedisOptions = {}): Redis {
  return quiet(
    new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: false, ...extra }),
  );
}

/**
 * A producer connection once it is ready, for a one-off piece of work (a recovery step, a
 * benchmark's reads): with no offline queue, a command sent before the connection is up fails.
 */
export async function connectedProducer(redisUrl: string): Promise<Redis> {
  const redis = producerConnection(redisUrl);
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return redis;
}

/** A connection for workers: BullMQ's blocking commands require `maxRetriesPerRequest: null`. */
export function workerConnection(redisUrl: string, extra: RedisOptions = {}): Redis {
  return quiet(new Redis(redisUrl, { maxRetriesPerRequest: null, ...extra }));
}

/**
 * ioredis reconnects by itself; without a listener its connection errors would be reported
 * as unhandled 'error' events. Callers that care (health checks) see failures on commands.
 */
function quiet(redis: Redis): Redis {
  redis.on('error', () => undefined);
  return redis;
}

/** The queue of `lane` (the encode lane unless said). */
export function createQueue(connection: Redis, prefix: string, lane: Lane = 'encode'): Queue {
  return new Queue(laneQueueName(QUEUE_NAME, lane), { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
}

/** The queue of every lane, on one connection. */
export function createQueues(connection: Redis, prefix: string): Record<Lane, Queue> {
  return { express: createQueue(connection, prefix, 'express'), encode: createQueue(connection, prefix, 'encode') };
}

/** The completed jobs of every lane still kept (at most `count` per lane). */
export async function completedJobs(queues: Readonly<Record<Lane, Queue>>, count = 10_000): Promise<Job[]> {
  return (await Promise.all(LANES.map((lane) => queues[lane].getCompleted(0, count - 1)))).flat();
}

/** Closes every lane's queue. */
export async function closeQueues(queues: Readonly<Record<Lane, Queue>>): Promise<void> {
  await Promise.all(LANES.map((lane) => queues[lane].close()));
}

export function createFlowProducer(connection: Redis, prefix: string): FlowProducer {
  return new FlowProducer({ connection, prefix });
}
