import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configToEnv, loadConfig, withLocalFleet } from '../../../orchestrator/config.ts';

/** loadConfig's error for this environment, asserting it is a ConfigError. */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig validation names the variable and the value', () => {
  it.each([
    [
      { VF_X264_PRESET: 'ludicrous' },
      'Expected VF_X264_PRESET to be one of ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, veryslow, got "ludicrous"',
    ],
    [{ VF_PREFIX: 'vf:prod' }, 'Expected VF_PREFIX to match [A-Za-z0-9_-]{1,32}, got "vf:prod"'],
    [{ VF_PREFIX: 'p'.repeat(33) }, `Expected VF_PREFIX to match [A-Za-z0-9_-]{1,32}, got "${'p'.repeat(33)}"`],
    [{ VF_CHUNK_SEGMENTS: '0' }, 'Expected VF_CHUNK_SEGMENTS to be a positive integer, got "0"'],
    [{ VF_CHUNK_SEGMENTS: '2.5' }, 'Expected VF_CHUNK_SEGMENTS to be a positive integer, got "2.5"'],
    [{ VF_MAX_UPLOAD_BYTES: '10GB' }, 'Expected VF_MAX_UPLOAD_BYTES to be a positive integer, got "10GB"'],
  ])('%o', (env, message) => {
    const e = configError(env);
    expect(e.message).toBe(message);
    expect(e.code).toBe('VF_CONFIG');
  });
});

describe('loadConfig defaults and storage choice', () => {
  it('with an empty environment: embedded Redis, local storage under the data dir, default settings', () => {
    const c = loadConfig({}, { dataDir: '/srv/vf' });
    expect(c).toMatchObject({
      redisUrl: undefined,
      prefix: 'vf',
      dataDir: '/srv/vf',
      storage: { kind: 'local', root: path.join('/srv/vf', 'storage') },
      settings: { preset: 'veryfast', chunkSegments: 5, segmentS: 6, gopS: 2 },
      maxUploadBytes: 50 * 1024 ** 3,
    });
  });

  it('empty REDIS_URL, S3_BUCKET and VF_CHUNK_SEGMENTS count as unset', () => {
    const c = loadConfig({ REDIS_URL: '', S3_BUCKET: '', VF_CHUNK_SEGMENTS: '' }, { dataDir: '/srv/vf' });
    expect(c.redisUrl).toBeUndefined();
    expect(c.storage.kind).toBe('local');
    expect(c.settings.chunkSegments).toBe(5);
  });

  it('S3_BUCKET selects the S3 adapter with endpoint, region and both credentials', () => {
    const c = loadConfig({
      REDIS_URL: 'redis://redis:6379',
      S3_BUCKET: 'vodforge',
      S3_ENDPOINT: 'http://minio:9000',
      S3_REGION: 'eu-west-1',
      S3_ACCESS_KEY_ID: 'id',
      S3_SECRET_ACCESS_KEY: 'secret',
      VF_X264_PRESET: 'medium',
      VF_PREFIX: 'prod_1',
      VF_CHUNK_SEGMENTS: '8',
    });
    expect(c).toMatchObject({
      redisUrl: 'redis://redis:6379',
      prefix: 'prod_1',
      storage: {
        kind: 's3',
        bucket: 'vodforge',
        endpoint: 'http://minio:9000',
        region: 'eu-west-1',
        accessKeyId: 'id',
        secretAccessKey: 'secret',
      },
      settings: { preset: 'medium', chunkSegments: 8 },
    });
  });

  it('an access key without its secret is a config error naming both variables', () => {
    expect(() => loadConfig({ S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'id' })).toThrow(
      'Expected S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY to be set together, got only one of them',
    );
  });

  it('empty VF_X264_PRESET and VF_PREFIX count as unset (a compose file passes unset variables as empty)', () => {
    const c = loadConfig({ VF_X264_PRESET: '', VF_PREFIX: '' }, { dataDir: '/srv/vf' });
    expect(c.settings.preset).toBe('veryfast');
    expect(c.prefix).toBe('vf');
  });
});

describe('the fleet of `up`: chunk plans and encoder threads follow the local workers', () => {
  it('balances over the workers and shares the cores among them when nothing is set', () => {
    const c = withLocalFleet(loadConfig({}, { dataDir: '/srv/vf' }), {}, 4, 16);
    expect(c.settings.fleetSlots).toBe(4);
    expect(c.settings.encodeThreads).toBe(4);
    // The worker children get the same settings through their environment.
    expect(configToEnv(c, 'redis://x')).toMatchObject({ VF_FLEET_SLOTS: '4', VF_ENCODE_THREADS: '4' });
  });

  it('gives every worker a thread at least, with more workers than cores', () => {
    expect(withLocalFleet(loadConfig({}, { dataDir: '/srv/vf' }), {}, 3, 2).settings.encodeThreads).toBe(1);
  });

  it('keeps what the environment says: a fleet larger than this machine', () => {
    const env = { VF_FLEET_SLOTS: '100', VF_ENCODE_THREADS: '2' };
    const c = withLocalFleet(loadConfig(env, { dataDir: '/srv/vf' }), env, 2, 8);
    expect([c.settings.fleetSlots, c.settings.encodeThreads]).toEqual([100, 2]);
  });

  it('refuses a fleet of no slots where it enters', () => {
    expect(() => loadConfig({ VF_FLEET_SLOTS: '0' })).toThrow(/VF_FLEET_SLOTS/);
  });
});
