import type { Redis } from 'ioredis';

interface Listener {
  readonly onChange: () => void;
  readonly onClose: () => void;
}

/**
 * Tells the API's open event streams that a title changed: one Redis subscription per API
 * process, on the titles' state channel (`TitleStore.stateChannel`), however many streams are
 * open. A message is only the title's id; a stream reads the title itself, so the hash stays
 * the one source of truth and a message that repeats or crosses a read does no harm.
 */
export class TitleEventHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private subscribed: Promise<Redis> | undefined;

  constructor(
    /** A new connection for the subscription (a subscribed connection can run nothing else). */
    private readonly connect: () => Redis,
    private readonly channel: string,
  ) {}

  /**
   * Calls `onChange` whenever title `id` may have changed, until the returned function is
   * called, and `onClose` if the hub closes first (the API is shutting down). Resolves once
   * Redis has confirmed the subscription: a change published after that is heard, so a caller
   * reads the title after this and misses nothing in between.
   */
  async watch(id: string, onChange: () => void, onClose: () => void): Promise<() => void> {
    const set = this.listeners.get(id) ?? new Set();
    const listener: Listener = { onChange, onClose };
    set.add(listener);
    this.listeners.set(id, set);
    const stop = (): void => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(id) === set) this.listeners.delete(id);
    };
    try {
      await this.subscription();
    } catch (err) {
      stop();
      throw err;
    }
    return stop;
  }

  /** Ends every stream (`onClose`) and the subscription: an open stream would hold the server's close up. */
  close(): void {
    const pending = this.subscribed;
    this.subscribed = undefined;
    const all = [...this.listeners.values()].flatMap((set) => [...set]);
    this.listeners.clear();
    for (const l of all) l.onClose();
    void pending?.then((c) => c.disconnect()).catch(() => undefined);
  }

  private subscription(): Promise<Redis> {
    if (this.subscribed === undefined) {
      const conn = this.connect();
      // ioredis subscribes again after a reconnect; messages published while it was away are
      // lost, which is why a stream also reads its title now and then (routes/title-events.ts).
      conn.on('error', () => undefined);
      conn.on('message', (_channel: string, id: string) => {
        for (const listener of [...(this.listeners.get(id) ?? [])]) listener.onChange();
      });
      const subscribed = conn.subscribe(this.channel).then(() => conn);
      // A failed subscription is tried again by the next stream, not remembered.
      subscribed.catch(() => {
        if (this.subscribed === subscribed) this.subscribed = undefined;
        conn.disconnect();
      });
      this.subscribed = subscribed;
    }
    return this.subscribed;
  }
}
