import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { acceptsConnections, freePort, waitForPort } from '../../../orchestrator/runtime/children.ts';

describe('acceptsConnections', () => {
  it('is true for a listening server and false for a closed port', async () => {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      expect(await acceptsConnections(port)).toBe(true);
      await expect(waitForPort(port, 1000)).resolves.toBeUndefined();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await acceptsConnections(port)).toBe(false);
  });

  it('does not take a connection to itself for a server', async () => {
    // With nothing listening, a connect whose source port is the port it calls completes as a
    // simultaneous open with itself: a plain connect-and-see reports a server. This happened to
    // a poll of an ephemeral port on a loaded machine, and a test read a file the server had
    // not written yet.
    const port = await freePort();
    const plain = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1', localPort: port, localAddress: '127.0.0.1' });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    expect(plain).toBe(true);
    expect(await acceptsConnections(port, port)).toBe(false);
  });
});
