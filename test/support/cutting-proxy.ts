import net from 'node:net';

export interface CuttingProxy {
  /** `http://127.0.0.1:<port>`: what clients connect to instead of the target. */
  readonly url: string;
  /** Bytes clients sent through the proxy (requests' headers and bodies), cuts included. */
  bytesUp(): number;
  /** How many of the cut points have been reached. */
  cuts(): number;
  /** Drops every open connection now (the server going away). */
  dropAll(): void;
  /** Sends new connections to another server (the same API, restarted on another port). */
  retarget(target: string): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy on loopback in front of an HTTP server, as a flaky network: it counts the bytes
 * clients send, and each time that count reaches one of `cutAt` it forwards the bytes up to it
 * and then drops the connection that carried them, both ways, as a link that goes down does.
 * The count is an instrument independent of client and server: what went over the wire.
 */
export async function startCuttingProxy(target: string, cutAt: readonly number[] = []): Promise<CuttingProxy> {
  let upstreamUrl = new URL(target);
  const pending = [...cutAt].sort((a, b) => a - b);
  let up = 0;
  let cuts = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(upstreamUrl.port), upstreamUrl.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    // Once cut, nothing more of this connection goes up: the link is down. Bytes the client
    // sent after the cut still arrive until the head is flushed and both sockets close, and
    // forwarding them skipped the rest of the chunk that crossed the cut: a hole in the middle
    // of the body, which no real link makes (the server then stored a shifted master).
    let severed = false;
    client.on('close', () => upstream.end());
    upstream.on('close', () => client.end());
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      if (severed) return;
      const next = pending[0];
      if (next !== undefined && up + chunk.length >= next) {
        const head = chunk.subarray(0, next - up);
        up = next;
        pending.shift();
        cuts += 1;
        severed = true;
        client.pause();
        upstream.write(head, drop);
        return;
      }
      up += chunk.length;
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    bytesUp: () => up,
    cuts: () => cuts,
    dropAll: () => {
      for (const s of sockets) s.destroy();
    },
    retarget: (next) => {
      upstreamUrl = new URL(next);
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `n` cut points spread at random over (`from`, `to`) bytes, at least `gap` apart. */
export function randomCuts(n: number, from: number, to: number, gap: number): number[] {
  for (;;) {
    const cuts = Array.from({ length: n }, () => Math.floor(from + Math.random() * (to - from))).sort((a, b) => a - b);
    if (cuts.every((c, i) => i === 0 || c - (cuts[i - 1] ?? 0) >= gap)) return cuts;
  }
}
