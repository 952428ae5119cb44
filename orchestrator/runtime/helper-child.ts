/**
 * The child side of a HelperProcess: answers `{ id, req }` messages one after another with
 * `{ id, rssBytes, result }` or `{ id, rssBytes, error }` (the resident set lets the parent
 * replace a helper that has grown), and exits when the parent goes.
 */
import type { HelperReply } from './helper-process.ts';

export function serveRequests<Req, Res>(handle: (req: Req) => Promise<Res>): void {
  const send = (m: HelperReply<Res>): void => {
    process.send?.(m);
  };
  let queue: Promise<void> = Promise.resolve();
  process.on('message', (m: { id: number; req: Req }) => {
    queue = queue.then(() =>
      handle(m.req).then(
        (result) => send({ id: m.id, rssBytes: process.memoryUsage.rss(), result }),
        (err: unknown) => send({ id: m.id, rssBytes: process.memoryUsage.rss(), error: (err as Error).message }),
      ),
    );
  });
  // The parent is gone, or let this helper go: so does it.
  process.on('disconnect', () => process.exit(0));
}
