import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../orchestrator/runtime/children.ts';

/** The embedded redis-server as another local user would meet it: a loopback port that wants a password. */
describe('embedded redis-server', () => {
  let dir: string;
  let server: RedisServer;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-redis-'));
    server = await startRedisServer(dir);
  });
  afterAll(async () => {
    await server?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('refuses a client without the password, serves one with the URL it returned, and keeps the password off its command line', async () => {
    // A bare socket speaking RESP, as any local process can.
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1', () => socket.write('*2\r\n$4\r\nKEYS\r\n$1\r\n*\r\n'));
      socket.once('data', (d) => {
        resolve(d.toString());
        socket.destroy();
      });
      socket.once('error', reject);
    });
    expect(reply).toMatch(/^-NOAUTH/);
    const client = new Redis(server.url);
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    const password = new URL(server.url).password;
    expect(password.length).toBeGreaterThanOrEqual(32);
    expect(await readFile(`/proc/${server.child.pid}/cmdline`, 'utf8')).not.toContain(password);
    expect((await stat(path.join(dir, 'redis.password'))).mode & 0o777).toBe(0o600);
  });

  it('takes the same password when restarted on its dir, so clients reconnect', async () => {
    const { port, url } = server;
    await server.stop();
    server = await startRedisServer(dir, port);
    expect(server.url).toBe(url);
    const client = new Redis(url);
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
  });

  it('does not take another Redis answering on its port for the one it started', async () => {
    // Another data dir's Redis holds the port: the new one cannot bind it, while the port answers.
    const other = await mkdtemp(path.join(os.tmpdir(), 'vf-redis-other-'));
    try {
      await expect(startRedisServer(other, server.port)).rejects.toThrow(
        new RegExp(`127\\.0\\.0\\.1:${server.port} is served by another process than the redis-server started on it`),
      );
      // The Redis that holds the port is untouched and still serves its own clients.
      const client = new Redis(server.url);
      expect(await client.ping()).toBe('PONG');
      client.disconnect();
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
