import type { Queue } from 'bullmq';
import { PIPELINE } from '../pipeline/graph.ts';
import type { Lane } from '../pipeline/queue.ts';
import { readQueueOrder } from '../pipeline/queue-place.ts';
import type { JobQueue } from './deps.ts';

/** The routes' view of the lanes' queues: a job is queued in its step's lane, chunks live in the encode lane. */
export function laneJobs(queues: Readonly<Record<Lane, Queue>>): JobQueue {
  return {
    add: (name, data, opts) => queues[PIPELINE[name].lane].add(name, data, opts),
    getJob: (id) => queues.encode.getJob(id),
    getPrioritized: (start, end) => queues.encode.getPrioritized(start, end),
    waitingOrder: async () => {
      const [express, encode] = await Promise.all([readQueueOrder(queues.express), readQueueOrder(queues.encode)]);
      return { express, encode };
    },
  };
}
