import path from 'node:path';
import os from 'node:os';
import type { StorageConfig } from '../storage/index.ts';
import type { LadderPolicy } from '../ladder/types.ts';
import { parsePublicUrl } from './public-url.ts';
import type { ProtectionOptions } from './protection.ts';
import { PAGES, type Page } from './pages.ts';
import { parseApplianceOrigins } from './fill-plans/appliance-origins.ts';
import {
  DEFAULT_ENCODE_SETTINGS,
  validateEncodeSettings,
  X264_PRESETS,
  type EncodeSettings,
  type X264Preset,
} from '../ffmpeg/encode-settings.ts';

/** Largest master an upload may carry: 50 GiB (`VF_MAX_UPLOAD_BYTES`). */
export const DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 ** 3;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'VF_CONFIG';
}

/** Everything a vodforge process reads from its environment, validated once at start. */
export interface RuntimeConfig {
  /** `undefined`: start an embedded redis-server under the data dir. */
  readonly redisUrl: string | undefined;
  /** Prefix of BullMQ's and vodforge's Redis keys. @defaultValue 'vf' */
  readonly prefix: string;
  readonly dataDir: string;
  readonly storage: StorageConfig;
  readonly settings: EncodeSettings;
  /** `per-title` (measured per title, the default) or `fixed` (Apple's ladder). */
  readonly ladderPolicy: LadderPolicy;
  readonly maxUploadBytes: number;
  /** `VF_UPLOAD_EXPIRY_S`: an unfinished upload left alone this long expires; undefined: a day. */
  readonly uploadExpiryS?: number;
  readonly tmpDir: string;
  /** `VF_PUBLIC_URL`: where players reach the API; undefined: the address a request arrived on. */
  readonly publicUrl: string | undefined;
  /** `VF_APPLIANCE_ORIGINS`: the https origins fill plans may steer players to. */
  readonly applianceOrigins: readonly string[];
  /** `VF_PAGES`: the browser pages this API serves (console, player, docs). */
  readonly pages?: readonly Page[];
  /** `VF_PLAN_APPROVALS`: different keys that must approve a fill plan (1 or 2). */
  readonly planApprovals?: number;
  /** `VF_RATE_LIMIT_PER_MIN`, `VF_MAX_RSS_BYTES`: rate limits and load shedding; undefined: the defaults. */
  readonly protection?: ProtectionOptions;
}

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new ConfigError(`Expected ${name} to be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** VF_LOUDNESS_LUFS: the integrated loudness audio is normalised to (-23 EBU R128, -16 for mobile-first catalogues). */
function loudnessOf(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_ENCODE_SETTINGS.loudnessLufs;
  const n = Number(raw);
  if (!(Number.isFinite(n) && n >= -70 && n <= -5))
    throw new ConfigError(`Expected VF_LOUDNESS_LUFS to be between -70 and -5, got ${JSON.stringify(raw)}`);
  return n;
}

function pagesOf(raw: string | undefined): readonly Page[] {
  if (raw === undefined) return PAGES;
  const list = raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '' && p !== 'none');
  const bad = list.find((p) => !(PAGES as readonly string[]).includes(p));
  if (bad !== undefined)
    throw new ConfigError(`Expected VF_PAGES to list pages from ${PAGES.join(', ')} (or none), got ${JSON.stringify(bad)}`);
  return list as Page[];
}

function planApprovals(raw: string | undefined): number {
  if (raw === undefined) return 1;
  if (raw !== '1' && raw !== '2') throw new ConfigError(`Expected VF_PLAN_APPROVALS to be 1 or 2, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function asConfigError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

/** An empty variable counts as unset, as a compose file's `${VAR}` passes an unset one. */
function read(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

export function loadConfig(env: NodeJS.ProcessEnv, overrides: { dataDir?: string } = {}): RuntimeConfig {
  const accessKeyId = read(env, 'S3_ACCESS_KEY_ID');
  const secretAccessKey = read(env, 'S3_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new ConfigError('Expected S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY to be set together, got only one of them');
  }
  const dataDir = path.resolve(overrides.dataDir ?? read(env, 'VF_DATA_DIR') ?? '.data');
  const bucket = read(env, 'S3_BUCKET');
  const storage: StorageConfig =
    bucket !== undefined && bucket !== ''
      ? {
          kind: 's3',
          bucket,
          ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}),
          ...(env.S3_REGION ? { region: env.S3_REGION } : {}),
          ...(accessKeyId !== undefined && secretAccessKey !== undefined ? { accessKeyId, secretAccessKey } : {}),
        }
      : { kind: 'local', root: path.join(dataDir, 'storage') };
  const preset = read(env, 'VF_X264_PRESET') ?? DEFAULT_ENCODE_SETTINGS.preset;
  if (!(X264_PRESETS as readonly string[]).includes(preset)) {
    throw new ConfigError(`Expected VF_X264_PRESET to be one of ${X264_PRESETS.join(', ')}, got ${JSON.stringify(preset)}`);
  }
  const prefix = read(env, 'VF_PREFIX') ?? 'vf';
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(prefix))
    throw new ConfigError(`Expected VF_PREFIX to match [A-Za-z0-9_-]{1,32}, got ${JSON.stringify(prefix)}`);
  const ladderPolicy = read(env, 'VF_LADDER_POLICY') ?? 'per-title';
  if (ladderPolicy !== 'per-title' && ladderPolicy !== 'fixed') {
    throw new ConfigError(`Expected VF_LADDER_POLICY to be per-title or fixed, got ${JSON.stringify(ladderPolicy)}`);
  }
  return {
    redisUrl: read(env, 'REDIS_URL'),
    ladderPolicy,
    prefix,
    dataDir,
    storage,
    settings: validateEncodeSettings({
      ...DEFAULT_ENCODE_SETTINGS,
      preset: preset as X264Preset,
      chunkSegments: positiveInt('VF_CHUNK_SEGMENTS', env.VF_CHUNK_SEGMENTS, DEFAULT_ENCODE_SETTINGS.chunkSegments),
      fleetSlots: positiveInt('VF_FLEET_SLOTS', env.VF_FLEET_SLOTS, DEFAULT_ENCODE_SETTINGS.fleetSlots),
      encodeThreads: positiveInt('VF_ENCODE_THREADS', env.VF_ENCODE_THREADS, DEFAULT_ENCODE_SETTINGS.encodeThreads),
      loudnessLufs: loudnessOf(read(env, 'VF_LOUDNESS_LUFS')),
    }),
    maxUploadBytes: positiveInt('VF_MAX_UPLOAD_BYTES', env.VF_MAX_UPLOAD_BYTES, DEFAULT_MAX_UPLOAD_BYTES),
    ...(read(env, 'VF_UPLOAD_EXPIRY_S') === undefined
      ? {}
      : { uploadExpiryS: positiveInt('VF_UPLOAD_EXPIRY_S', env.VF_UPLOAD_EXPIRY_S, 0) }),
    tmpDir: read(env, 'VF_TMP_DIR') ?? os.tmpdir(),
    publicUrl: asConfigError(() => parsePublicUrl(read(env, 'VF_PUBLIC_URL'))),
    applianceOrigins: asConfigError(() => parseApplianceOrigins(read(env, 'VF_APPLIANCE_ORIGINS'))),
    planApprovals: planApprovals(read(env, 'VF_PLAN_APPROVALS')),
    pages: pagesOf(read(env, 'VF_PAGES')),
    protection: {
      ratePerMinute: positiveInt('VF_RATE_LIMIT_PER_MIN', env.VF_RATE_LIMIT_PER_MIN, 1200),
      ...(read(env, 'VF_MAX_RSS_BYTES') === undefined ? {} : { maxRssBytes: positiveInt('VF_MAX_RSS_BYTES', env.VF_MAX_RSS_BYTES, 0) }),
    },
  };
}

/**
 * The fleet of `vodforge up` and `demo` is this machine's workers: unless VF_FLEET_SLOTS or
 * VF_ENCODE_THREADS say otherwise, chunk plans balance over those workers and the cores are
 * shared among them (x264 threads per rung = cores / workers, at least one).
 */
export function withLocalFleet(c: RuntimeConfig, env: NodeJS.ProcessEnv, workers: number, cores: number): RuntimeConfig {
  const given = (name: string): boolean => (read(env, name) ?? '') !== '';
  return {
    ...c,
    settings: validateEncodeSettings({
      ...c.settings,
      ...(given('VF_FLEET_SLOTS') ? {} : { fleetSlots: workers }),
      ...(given('VF_ENCODE_THREADS') ? {} : { encodeThreads: Math.max(1, Math.floor(cores / workers)) }),
    }),
  };
}

/** The environment a worker child needs to join the same Redis and storage as its parent. */
export function configToEnv(c: RuntimeConfig, redisUrl: string): Record<string, string> {
  const env: Record<string, string> = {
    REDIS_URL: redisUrl,
    VF_PREFIX: c.prefix,
    VF_DATA_DIR: c.dataDir,
    VF_X264_PRESET: c.settings.preset,
    VF_CHUNK_SEGMENTS: String(c.settings.chunkSegments),
    VF_FLEET_SLOTS: String(c.settings.fleetSlots),
    VF_ENCODE_THREADS: String(c.settings.encodeThreads),
    VF_LOUDNESS_LUFS: String(c.settings.loudnessLufs),
    VF_LADDER_POLICY: c.ladderPolicy,
    VF_TMP_DIR: c.tmpDir,
  };
  if (c.storage.kind === 's3') {
    env.S3_BUCKET = c.storage.bucket;
    if (c.storage.endpoint !== undefined) env.S3_ENDPOINT = c.storage.endpoint;
    if (c.storage.region !== undefined) env.S3_REGION = c.storage.region;
    if (c.storage.accessKeyId !== undefined) env.S3_ACCESS_KEY_ID = c.storage.accessKeyId;
    if (c.storage.secretAccessKey !== undefined) env.S3_SECRET_ACCESS_KEY = c.storage.secretAccessKey;
  }
  return env;
}
