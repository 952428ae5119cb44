/**
 * docker-compose.yml and the Dockerfile. No Docker engine runs here, so the compose file is
 * validated by Debian's docker-compose (`config` parses, interpolates and checks it against
 * the compose schema without an engine; scripts/setup.sh --test installs it), and the
 * structural facts the issue fixes about the production shape are read from the text.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const compose = readFileSync(new URL('docker-compose.yml', root), 'utf8');
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');

/** Lines of the block under `key:` at this indentation (comments dropped), up to the next sibling. */
function block(text: string, key: string, indent: number): string {
  const lines = text.split('\n').filter((l) => !/^\s*#/.test(l));
  const start = lines.findIndex((l) => l === `${' '.repeat(indent)}${key}:` || l.startsWith(`${' '.repeat(indent)}${key}: `));
  if (start < 0) throw new Error(`no ${key}: at indent ${indent}`);
  const end = lines.findIndex((l, i) => i > start && l.trim() !== '' && l.length - l.trimStart().length <= indent);
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}
const service = (name: string): string => block(block(compose, 'services', 0), name, 2);
/** Every variable the runtime configuration reads, taken from its source so a new one cannot be missed here. */
const VODFORGE_ENV = [
  ...new Set(
    [...readFileSync(new URL('orchestrator/config.ts', root), 'utf8').matchAll(/(?:read\(env, '|\benv\.)([A-Z][A-Z0-9_]+)/g)].map(
      (m) => m[1],
    ),
  ),
];

/** The secrets compose requires, as an operator's .env would set them. */
const SECRETS = {
  REDIS_PASSWORD: 'r3dis-pw',
  MINIO_ROOT_USER: 'minio-root',
  MINIO_ROOT_PASSWORD: 'root-pw-123456',
  S3_ACCESS_KEY_ID: 'vodforge',
  S3_SECRET_ACCESS_KEY: 'vf-secret-123456',
};
const composeConfig = (env: Record<string, string>, ...args: string[]): string => {
  const clean: NodeJS.ProcessEnv = { ...process.env, S3_BUCKET: '', ...env };
  for (const name of Object.keys(SECRETS)) if (!(name in env)) delete clean[name];
  return execFileSync('docker-compose', ['-f', fileURLToPath(new URL('docker-compose.yml', root)), ...args], {
    encoding: 'utf8',
    env: clean,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
};

describe('docker-compose config (Debian docker-compose 1.29)', () => {
  it('accepts the file, and api and worker get the same vodforge environment', () => {
    expect(composeConfig(SECRETS, 'config', '--services').trim().split('\n').sort()).toEqual([
      'api',
      'createbucket',
      'minio',
      'redis',
      'worker',
    ]);
    const resolved = composeConfig(SECRETS, 'config');
    // Interpolated values reach the containers: the compose stack's Redis (with its password) and MinIO.
    expect(resolved).toMatch(/REDIS_URL: redis:\/\/:r3dis-pw@redis:6379/);
    expect(resolved).toMatch(/S3_BUCKET: vodforge/);
    // vodforge's containers get its bucket user, never MinIO's root.
    expect(block(resolved, 'api', 2)).not.toContain('root-pw-123456');
  });

  it.each(Object.keys(SECRETS))('refuses to start without %s, naming it', (name) => {
    const env: Record<string, string> = { ...SECRETS };
    delete env[name];
    let message = '';
    try {
      composeConfig(env, 'config');
    } catch (err) {
      message = String((err as { stderr?: string }).stderr);
    }
    expect(message).toContain(name);
  });
});

describe('docker-compose.yml (read as text)', () => {
  it('has the services redis, minio, createbucket, api and worker', () => {
    const names = [...block(compose, 'services', 0).matchAll(/^ {2}([a-z][\w-]*):/gm)].map((m) => m[1]);
    expect(names).toEqual(['redis', 'minio', 'createbucket', 'api', 'worker']);
  });

  it('redis runs with AOF on, noeviction and a password, on a named volume', () => {
    const redis = service('redis');
    expect(redis).toMatch(/--appendonly yes/);
    expect(redis).toMatch(/--maxmemory-policy noeviction/);
    expect(redis).toMatch(/--requirepass \\"\$\$REDIS_PASSWORD\\"/);
    expect(redis).toMatch(/- redis-data:\/data/);
  });

  it('minio keeps its data on a named volume, has a healthcheck, and shows its console on loopback only', () => {
    const minio = service('minio');
    expect(minio).toMatch(/- minio-data:\/data/);
    expect(minio).toContain('healthcheck:');
    const published = [...minio.matchAll(/^\s+- "([^"]+)"$/gm)].map((m) => m[1]);
    expect(published).toEqual(['127.0.0.1:9001:9001']);
  });

  it('has no default secret anywhere', () => {
    expect(compose).not.toMatch(/(PASSWORD|SECRET[A-Z_]*|ACCESS_KEY_ID|MINIO_ROOT_USER):-/);
    expect(compose).not.toContain('vodforge-secret');
  });

  it('createbucket is a one-shot mc run after minio is healthy that gives vodforge a bucket-scoped user', () => {
    const mc = service('createbucket');
    expect(mc).toMatch(/image: \S*minio\/mc:/);
    expect(mc).toMatch(/mc mb --ignore-existing "vf\/\$\$BUCKET"/);
    expect(mc).toMatch(/mc admin user add vf "\$\$VF_USER"/);
    expect(mc).toMatch(/"Resource":\["arn:aws:s3:::'"\$\$BUCKET"'\/\*"\]/);
    expect(mc).toMatch(/mc admin policy attach vf vodforge-bucket --user "\$\$VF_USER"/);
    expect(mc).toMatch(/minio:\n\s+condition: service_healthy/);
    expect(mc).toContain('restart: "no"');
  });

  it('api runs `up --workers 0 --port 8080` and publishes 8080', () => {
    const api = service('api');
    expect(api).toContain('command: ["node", "bin/vodforge.mjs", "up", "--workers", "0", "--port", "8080"');
    expect(api).toMatch(/ports:\n\s+- "8080:8080"/);
  });

  it('worker runs `worker` and can be scaled: no container_name, no ports', () => {
    const worker = service('worker');
    expect(worker).toContain('command: ["node", "bin/vodforge.mjs", "worker"]');
    expect(worker).not.toMatch(/^\s+container_name:/m);
    expect(worker).not.toMatch(/^\s+ports:/m);
  });

  it('api and worker share one environment that sets every vodforge variable', () => {
    expect(VODFORGE_ENV).toEqual(expect.arrayContaining(['REDIS_URL', 'S3_BUCKET', 'VF_PREFIX', 'VF_LADDER_POLICY', 'VF_TMP_DIR']));
    const env = block(compose, 'x-vodforge-env', 0);
    for (const name of VODFORGE_ENV) expect(env, name).toMatch(new RegExp(`^ {2}${name}: `, 'm'));
    expect(service('api')).toContain('environment: *vodforge-env');
    expect(service('worker')).toContain('environment: *vodforge-env');
  });

  it('declares the named volumes it uses', () => {
    const volumes = block(compose, 'volumes', 0);
    expect(volumes).toContain('redis-data:');
    expect(volumes).toContain('minio-data:');
  });
});

describe('Dockerfile (read as text)', () => {
  it('is node:20-bookworm-slim with ffmpeg, production dependencies only, running as a non-root user', () => {
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim$/m);
    expect(dockerfile).toMatch(/apt-get install[^\n]*\bffmpeg\b/);
    expect(dockerfile).toContain('npm ci --omit=dev');
    const user = /^USER (\S+)$/m.exec(dockerfile)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });
});
