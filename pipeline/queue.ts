import { Redis, type RedisOptions } from 'ioredis';
import { FlowProducer, Queue, type DefaultJobOptions } from 'bullmq';

/** One queue carries every job type; the job name selects the handler. */
export const QUEUE_NAME = 'vodforge';

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

export function createQueue(connection: Redis, prefix: string): Queue {
  return new Queue(QUEUE_NAME, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
}

export function createFlowProducer(connection: Redis, prefix: string): FlowProducer {
  return new FlowProducer({ connection, prefix });
}
