import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { JobSpan } from './timeline.ts';
import { isCpuStepKey } from './cpu-steps.ts';
import {
  INDEX_TITLE_LUA,
  TRANSITION_LUA,
  UPDATE_PUBLISHED_LUA,
  ADD_SPAN_LUA,
  ADD_CPU_LUA,
  CLAIM_UPLOAD_LUA,
  RENEW_UPLOAD_LUA,
  RELEASE_UPLOAD_LUA,
  COMPLETE_UPLOAD_LUA,
  SET_SIDECAR_LUA,
  REMOVE_SIDECAR_LUA,
  SET_UPLOAD_PROGRESS_LUA,
  RELEASE_LOCK_LUA,
} from './store-lua.ts';
import { TITLE_STATES, type SubtitleSidecar, type Title, type TitleState, type UploadProgress } from './model.ts';

/** Title fields kept as JSON in the title's Redis hash; the rest are plain strings. */
const JSON_FIELDS = [
  'source',
  'probe',
  'ladder',
  'ladderAnalysis',
  'renditions',
  'rungQuality',
  'error',
  'audioChoices',
  'warnings',
  'sidecars',
] as const;
type JsonField = (typeof JSON_FIELDS)[number];

export type TitlePatch = Partial<Omit<Title, 'id' | 'createdAt' | 'updatedAt'>>;

/** States after which no job may move a title again. */
const FINAL: readonly TitleState[] = ['ready', 'failed'];

/** How long a title lock is held at most, should its holder die. */
const LOCK_TTL_MS = 60_000;

export type TransitionResult = 'ok' | 'missing' | 'ready' | 'failed';
/** `busy` carries how long the other upload's lease still runs. */
export type ClaimResult =
  | { readonly kind: 'claimed' | 'missing' | 'not-uploading' }
  | { readonly kind: 'busy'; readonly retryAfterMs: number };
export type CompleteResult = 'ok' | 'missing' | 'lost' | 'not-uploading';

/** Title records in Redis: one hash per title, a sorted set by creation time for listing. */
export class TitleStore {
  constructor(
    private readonly redis: Redis,
    /** The deployment's Redis key prefix (`VF_PREFIX`): the upload services keep their keys under it too. */
    readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:title:${id}`;
  }
  private uploadProgressKey(id: string): string {
    return `${this.prefix}:title:${id}:upload-progress`;
  }
  private progressKey(id: string): string {
    return `${this.prefix}:title:${id}:progress`;
  }
  private cpuKey(id: string): string {
    return `${this.prefix}:title:${id}:cpu`;
  }
  private spansKey(id: string): string {
    return `${this.prefix}:title:${id}:spans`;
  }
  private claimKey(id: string): string {
    return `${this.prefix}:title:${id}:upload`;
  }
  private get indexKey(): string {
    return `${this.prefix}:titles`;
  }

  async create(id: string, name: string, state: TitleState, patch: TitlePatch = {}): Promise<Title> {
    const at = Date.now();
    const now = new Date(at).toISOString();
    await this.redis
      .multi()
      .hset(this.key(id), { id, name, state, createdAt: now, updatedAt: now, ...encode(patch) })
      .eval(INDEX_TITLE_LUA, 1, this.indexKey, at, id)
      .exec();
    const t = await this.get(id);
    if (t === undefined) throw new Error(`title ${id} vanished after create`);
    return t;
  }

  async get(id: string): Promise<Title | undefined> {
    const h = await this.redis.hgetall(this.key(id));
    return h.id === undefined ? undefined : decode(h);
  }

  async list(offset: number, limit: number): Promise<{ titles: Title[]; total: number }> {
    const [ids, total] = await Promise.all([
      this.redis.zrevrange(this.indexKey, offset, offset + limit - 1),
      this.redis.zcard(this.indexKey),
    ]);
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.key(id));
    const rows = (await pipe.exec()) ?? [];
    const titles = rows
      .map(([, h]) => h as Record<string, string>)
      .filter((h) => h.id !== undefined)
      .map(decode);
    return { titles, total };
  }

  /** Changes fields without touching the state machine (e.g. recording the probe). */
  async update(id: string, patch: TitlePatch): Promise<void> {
    await this.redis.hset(this.key(id), { ...encode(patch), updatedAt: new Date().toISOString() });
  }

  async transition(id: string, state: TitleState, patch: TitlePatch = {}): Promise<TransitionResult> {
    const fields = Object.entries(encode(patch)).flat();
    const at = new Date().toISOString();
    return (await this.redis.eval(TRANSITION_LUA, 1, this.key(id), state, at, this.stateChannel, id, ...fields)) as TransitionResult;
  }

  /** See {@link UPDATE_PUBLISHED_LUA}; whether the title was still that published version. */
  async updatePublished(id: string, outputPrefix: string, patch: TitlePatch): Promise<boolean> {
    const fields = Object.entries(encode(patch)).flat();
    return (await this.redis.eval(UPDATE_PUBLISHED_LUA, 1, this.key(id), outputPrefix, new Date().toISOString(), ...fields)) === 1;
  }

  /** See {@link SET_SIDECAR_LUA}; false when the title does not exist. */
  async setSidecar(id: string, sidecar: SubtitleSidecar): Promise<boolean> {
    return (await this.redis.eval(SET_SIDECAR_LUA, 1, this.key(id), JSON.stringify(sidecar), new Date().toISOString())) === 1;
  }

  /** See {@link REMOVE_SIDECAR_LUA}; whether the title had a sidecar of that language. */
  async removeSidecar(id: string, language: string): Promise<boolean> {
    return (await this.redis.eval(REMOVE_SIDECAR_LUA, 1, this.key(id), language, new Date().toISOString())) === 1;
  }

  /** Runs `fn` holding the title's lock `name` across processes; the lock expires after a minute should its holder die. */
  async withLock<T>(id: string, name: string, fn: () => Promise<T>): Promise<T> {
    return this.holding(`${this.key(id)}:lock:${name}`, fn);
  }

  /** Runs `fn` holding the one lock on chunks' turns (`shareTurns`): two arrivals at once would each number from the other's. */
  async withTurnsLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.holding(`${this.prefix}:lock:turns`, fn);
  }

  private async holding<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const token = randomUUID();
    for (let waitMs = 20; (await this.redis.set(key, token, 'PX', LOCK_TTL_MS, 'NX')) !== 'OK'; waitMs = Math.min(500, waitMs * 2)) {
      await delay(waitMs);
    }
    try {
      return await fn();
    } finally {
      await this.redis.eval(RELEASE_LOCK_LUA, 1, key, token);
    }
  }

  async isFinalOrGone(id: string): Promise<boolean> {
    const s = await this.redis.hget(this.key(id), 'state');
    return s === null || FINAL.includes(s as TitleState);
  }

  async setProgress(id: string, part: string, fraction: number): Promise<void> {
    await this.redis.multi().hset(this.progressKey(id), part, fraction.toFixed(4)).publish(this.stateChannel, id).exec();
  }

  /** Progress 0-100 over all of a title's jobs: every chunk, the audio and the packaging count equally. */
  async progress(title: Title): Promise<number> {
    if (title.state === 'ready') return 100;
    if (title.chunkCount === undefined) return 0;
    const parts = await this.redis.hgetall(this.progressKey(title.id));
    const total = title.chunkCount + 2;
    const done = Object.values(parts).reduce((s, v) => s + Math.min(1, Math.max(0, Number(v) || 0)), 0);
    return Math.min(99, Math.floor((100 * done) / total));
  }

  /**
   * Counts CPU seconds a job of this title spent in ffmpeg (retries and duplicate deliveries
   * included: they were spent), under its job name, or a step of it under `cpuStepKey`.
   */
  async addCpu(id: string, account: string, cpuS: number): Promise<void> {
    await this.redis.eval(ADD_CPU_LUA, 2, this.key(id), this.cpuKey(id), account, cpuS.toFixed(3));
  }

  /** Records one run of one of the title's jobs (the last 5000 are kept; a title has about 250 jobs an hour of video). */
  async addSpan(id: string, span: JobSpan): Promise<void> {
    await this.redis.eval(ADD_SPAN_LUA, 2, this.key(id), this.spansKey(id), JSON.stringify(span));
  }

  /** Every recorded run of the title's jobs, oldest first. */
  async spans(id: string): Promise<JobSpan[]> {
    return (await this.redis.lrange(this.spansKey(id), 0, -1)).map((s) => JSON.parse(s) as JobSpan);
  }

  /** CPU seconds spent in ffmpeg for this title so far, by job name, and by step (`cpuStepKey`; already in its job's figure). */
  async cpu(id: string): Promise<{ byJob: Record<string, number>; byStep: Record<string, number> }> {
    const entries = Object.entries(await this.redis.hgetall(this.cpuKey(id))).map(([k, s]) => [k, Number(s)] as const);
    return {
      byJob: Object.fromEntries(entries.filter(([k]) => !isCpuStepKey(k))),
      byStep: Object.fromEntries(entries.filter(([k]) => isCpuStepKey(k))),
    };
  }

  /** Channel on which title cancellations are announced to every worker. */
  get cancelChannel(): string {
    return `${this.prefix}:cancel`;
  }

  /**
   * Channel on which a title's id is published whenever its state or progress changes or it is
   * deleted, atomically with the change: what the API's event streams listen to (title-events.ts).
   */
  get stateChannel(): string {
    return `${this.prefix}:title-state`;
  }

  /** See {@link CLAIM_UPLOAD_LUA}. */
  async claimUpload(id: string, uploadId: string, leaseMs: number): Promise<ClaimResult> {
    const r = String(await this.redis.eval(CLAIM_UPLOAD_LUA, 2, this.key(id), this.claimKey(id), uploadId, String(leaseMs)));
    if (r === 'claimed' || r === 'missing' || r === 'not-uploading') return { kind: r };
    return { kind: 'busy', retryAfterMs: Math.max(0, Number(r)) };
  }

  /** Whether this upload still held the claim (and now holds it for another lease). */
  async renewUpload(id: string, uploadId: string, leaseMs: number): Promise<boolean> {
    return (await this.redis.eval(RENEW_UPLOAD_LUA, 1, this.claimKey(id), uploadId, String(leaseMs))) === 1;
  }

  async releaseUpload(id: string, uploadId: string): Promise<void> {
    await this.redis.eval(RELEASE_UPLOAD_LUA, 1, this.claimKey(id), uploadId);
  }

  /** See {@link COMPLETE_UPLOAD_LUA}. */
  async completeUpload(id: string, uploadId: string, source: NonNullable<Title['source']>): Promise<CompleteResult> {
    return (await this.redis.eval(
      COMPLETE_UPLOAD_LUA,
      2,
      this.key(id),
      this.claimKey(id),
      uploadId,
      new Date().toISOString(),
      JSON.stringify(source),
      this.stateChannel,
      id,
    )) as CompleteResult;
  }

  /** See {@link SET_UPLOAD_PROGRESS_LUA}; whether the title was still uploading. */
  async setUploadProgress(id: string, p: UploadProgress): Promise<boolean> {
    const args = [String(p.receivedBytes), String(p.totalBytes), p.status];
    return (await this.redis.eval(SET_UPLOAD_PROGRESS_LUA, 2, this.key(id), this.uploadProgressKey(id), ...args)) === 1;
  }

  /** The last progress an upload of the title's master recorded, if any did. */
  async uploadProgress(id: string): Promise<UploadProgress | undefined> {
    const h = await this.redis.hgetall(this.uploadProgressKey(id));
    if (h.receivedBytes === undefined || h.totalBytes === undefined) return undefined;
    return {
      receivedBytes: Number(h.receivedBytes),
      totalBytes: Number(h.totalBytes),
      status: h.status === 'verifying' ? 'verifying' : 'receiving',
    };
  }

  /** Tells every worker to abort whatever it is running for this title. */
  async announceCancel(id: string): Promise<void> {
    await this.redis.publish(this.cancelChannel, id);
  }

  async delete(id: string): Promise<boolean> {
    const [[, n]] = ((await this.redis
      .multi()
      .del(this.key(id), this.progressKey(id), this.cpuKey(id), this.claimKey(id), this.spansKey(id), this.uploadProgressKey(id))
      .zrem(this.indexKey, id)
      .publish(this.stateChannel, id)
      .exec()) ?? [[null, 0]]) as [[unknown, number]];
    return n > 0;
  }
}

function encode(patch: TitlePatch): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    out[k] = (JSON_FIELDS as readonly string[]).includes(k) ? JSON.stringify(v) : String(v);
  }
  return out;
}

function decode(h: Record<string, string>): Title {
  const t: Record<string, unknown> = { ...h };
  for (const f of JSON_FIELDS as readonly JsonField[]) {
    const raw = h[f];
    if (raw !== undefined) t[f] = JSON.parse(raw) as unknown;
  }
  if (h.chunkCount !== undefined) t.chunkCount = Number(h.chunkCount);
  if (h.manifestRevision !== undefined) t.manifestRevision = Number(h.manifestRevision);
  if (!(TITLE_STATES as readonly string[]).includes(String(h.state))) throw new Error(`title ${h.id} has unknown state ${h.state}`);
  return t as unknown as Title;
}
