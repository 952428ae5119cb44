/**
 * A title's place in the queue: how many jobs of other titles will run before its next one.
 * The order is BullMQ's own, in each lane: jobs without a priority first, oldest first, then
 * prioritised jobs by priority. Pure; `readQueueOrder` is the read at the edge.
 */
import type { Lane } from './queue.ts';

export interface QueuePlace {
  /** Jobs of other titles a free worker takes before this title's next job. */
  readonly jobsAhead: number;
  /** This title's own jobs that wait for a worker. */
  readonly jobsWaiting: number;
}

const UUID = /^[a-z]+-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-?/;

/** The title a job belongs to, from its id (`pipeline/types.ts` `jobIds`: `<step>-<title id>[-…]`). */
export function titleOfJobId(jobId: string): string | undefined {
  return UUID.exec(jobId)?.[1];
}

/** Every title with waiting jobs, and its place, from the ids of the waiting jobs in the order they will run. */
export function queuePlaces(order: readonly string[]): Map<string, QueuePlace> {
  const places = new Map<string, { jobsAhead: number; jobsWaiting: number }>();
  order.forEach((jobId, position) => {
    const title = titleOfJobId(jobId);
    if (title === undefined) return;
    const place = places.get(title);
    // Its first waiting job: every job before it is another title's.
    if (place === undefined) places.set(title, { jobsAhead: position, jobsWaiting: 1 });
    else place.jobsWaiting += 1;
  });
  return places;
}

/**
 * Places over both lanes. A title with a short step waiting is placed in the express lane,
 * where its next job runs (a worker takes one of each lane at a time); otherwise in the encode
 * lane. Its waiting jobs are counted in both.
 */
export function lanePlaces(orders: Readonly<Record<Lane, readonly string[]>>): Map<string, QueuePlace> {
  const express = queuePlaces(orders.express);
  const places = queuePlaces(orders.encode);
  for (const [title, place] of express) {
    const encode = places.get(title);
    places.set(title, { jobsAhead: place.jobsAhead, jobsWaiting: place.jobsWaiting + (encode?.jobsWaiting ?? 0) });
  }
  return places;
}

/**
 * The ids of the jobs waiting for a worker, in the order workers will take them: the wait
 * list oldest first, then the prioritised set by priority. Ids only, never the jobs' data.
 */
export async function readQueueOrder(queue: {
  getRanges(types: ('wait' | 'prioritized')[], start?: number, end?: number, asc?: boolean): Promise<string[]>;
}): Promise<string[]> {
  return queue.getRanges(['wait', 'prioritized'], 0, -1, true);
}
