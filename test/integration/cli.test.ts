import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../orchestrator/runtime/children.ts';
import { runFfmpeg, runProbe } from '../../ffmpeg/run.ts';
import { makeMaster } from '../support/media.ts';
import { spawnUp, upListening } from '../support/up.ts';
import { makeDiscreteMonoMaster } from '../support/channel-tones.ts';
import { waitFor, waitUntil } from '../support/wait.ts';

const BIN = path.resolve('bin/vodforge.mjs');

function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The CLI as content ops use it: `vodforge up` with nothing configured (it starts its own
 * redis-server and uses a local directory), then `vodforge ingest --json`, and a player
 * (ffprobe here) opening the URLs it prints.
 */
describe('vodforge up + ingest --json', () => {
  let dir: string;
  let up: ChildProcess;
  let api: string;
  let upOutput: () => string = () => '';
  /**
   * A 13 s master ingested with `--json`, once, by whichever test asks first: each test that
   * needs a ready title runs alone as well as after the others.
   */
  let ingested: Promise<{ code: number | null; stdout: string; stderr: string }> | undefined;
  const ingestReady = (): Promise<{ code: number | null; stdout: string; stderr: string }> => {
    ingested ??= (async () => {
      const master = path.join(dir, 'clip.mp4');
      await makeMaster(master, { width: 640, height: 360, fps: 30, durationS: 13 });
      return runCli(['ingest', master, '--api', api, '--json'], { VODFORGE_API_KEY: await adminKey() });
    })();
    return ingested;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-cli-'));
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    const started = spawnUp({ port, dataDir: path.join(dir, 'data'), workers: 2, env: { VF_CHUNK_SEGMENTS: '1' } });
    up = started.child;
    upOutput = started.output;
    await upListening(started, port);
  });

  /** `up` makes the first admin key of a new data dir and keeps it there. */
  const adminKey = async (): Promise<string> => (await readFile(path.join(dir, 'data', 'admin.key'), 'utf8')).trim();

  afterAll(async () => {
    if (up.exitCode === null) up.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('ingests a master and prints one JSON object with playable absolute URLs', async () => {
    const r = await ingestReady();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(out).sort()).toEqual([
      'artwork',
      'artworkStatus',
      'audio',
      'bdRateVsFixed',
      'dash',
      'durationS',
      'error',
      'hls',
      'id',
      'ladder',
      'status',
      'warnings',
    ]);
    expect(out.artworkStatus).toEqual({ status: 'ready' });
    expect(out.status).toBe('ready');
    expect(out.error).toBeNull();
    expect(out.durationS).toBeCloseTo(13, 1);
    // `up` runs the per-title policy by default: rungs carry the PSNR measured on the output.
    const ladder = out.ladder as { width: number; height: number; bitrateKbps: number; psnr: number | null }[];
    expect(ladder.length).toBeGreaterThan(0);
    for (const r of ladder) {
      expect(r.height).toBeLessThanOrEqual(360);
      expect(r.bitrateKbps).toBeGreaterThan(0);
      expect(r.psnr).toBeGreaterThan(25);
    }
    expect(typeof out.bdRateVsFixed === 'number' || out.bdRateVsFixed === null).toBe(true);
    // Artwork: chosen frames with absolute URLs of every shape and format, each one fetchable.
    const artwork = out.artwork as { atS: number; score: number; images: Record<string, Record<string, string>> }[];
    expect(artwork.length).toBeGreaterThan(0);
    for (const a of artwork) {
      expect(a.atS).toBeGreaterThanOrEqual(0);
      expect(a.atS).toBeLessThan(13);
      expect(a.score).toBeGreaterThan(0);
      expect(Object.keys(a.images).sort()).toEqual(['hero', 'poster', 'tile']);
      for (const byFormat of Object.values(a.images)) {
        expect(Object.keys(byFormat).sort()).toEqual(['avif', 'jpeg', 'webp']);
        for (const url of Object.values(byFormat)) expect(url).toMatch(new RegExp(`^${api}/v1/titles/[^/]+/artwork/images/`));
      }
    }
    const hero = await fetch(artwork[0]!.images.hero!.jpeg!);
    expect(hero.status).toBe(200);
    expect(hero.headers.get('content-type')).toBe('image/jpeg');
    for (const url of [out.hls, out.dash]) {
      expect(String(url)).toMatch(new RegExp(`^${api}/v1/titles/`));
      const probe = await runProbe(['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', String(url)]);
      expect(probe.stdout).toContain('video');
      expect(probe.stdout).toContain('audio');
    }
  }, 240_000);

  it("exports the catalog of encoded titles, and `vodforge plan` places that title's files from it", async () => {
    const readyId = String((JSON.parse((await ingestReady()).stdout) as { id: string }).id);
    const catalogFile = path.join(dir, 'catalog.json');
    const r = await runCli(['catalog', '--api', api, '--out', catalogFile], { VODFORGE_API_KEY: await adminKey() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`wrote ${catalogFile}: \\d+ titles`));
    const catalog = JSON.parse(await readFile(catalogFile, 'utf8')) as {
      titleId: string;
      releasedAt: string;
      files: { key: string; bytes: number }[];
    }[];
    expect(r.stdout).toContain(`: ${catalog.length} titles`);
    const files = catalog.find((t) => t.titleId === readyId)?.files ?? [];
    // Init and media segments of every rendition, keyed as stored under the title.
    expect(files.length).toBeGreaterThan(4);
    expect(files.every((f) => f.key.startsWith(`titles/${readyId}/`) && f.bytes > 0)).toBe(true);
    expect(files.some((f) => /\/init\.mp4$/.test(f.key))).toBe(true);

    const at = new Date().toISOString();
    const appliances = [
      {
        id: 'edge-1',
        cluster: 'eu-1',
        region: 'eu',
        capacityBytes: 1e12,
        fillGbps: 1,
        fillWindow: { start: '00:00', end: '23:59', tz: 'UTC' },
        state: 'active',
      },
    ];
    const views = [1, 2, 3].map((d) =>
      JSON.stringify({ ts: new Date(Date.parse(at) - d * 86_400_000).toISOString(), titleId: readyId, region: 'eu', bytes: 50_000_000 }),
    );
    await writeFile(path.join(dir, 'appliances.json'), JSON.stringify(appliances));
    // Plan this title alone: titles other tests made may be in the export too.
    const oneTitle = path.join(dir, 'catalog-one.json');
    await writeFile(oneTitle, JSON.stringify(catalog.filter((t) => t.titleId === readyId)));
    await writeFile(path.join(dir, 'views.jsonl'), `${views.join('\n')}\n`);
    const planFile = path.join(dir, 'plan.json');
    const p = await runCli([
      'plan',
      '--appliances',
      path.join(dir, 'appliances.json'),
      '--catalog',
      oneTitle,
      '--views',
      path.join(dir, 'views.jsonl'),
      '--at',
      at,
      '--out',
      planFile,
    ]);
    expect(p.stderr).toBe('');
    expect(p.code).toBe(0);
    const plan = JSON.parse(await readFile(planFile, 'utf8')) as { placements: Record<string, string[]>; fills: { key: string }[] };
    expect([...(plan.placements['edge-1'] ?? [])].sort()).toEqual(files.map((f) => f.key).sort());
    expect(plan.fills.map((f) => f.key).sort()).toEqual(files.map((f) => f.key).sort());

    // An operator key is needed: without one the export is refused with the API's code.
    const refused = await runCli(['catalog', '--api', api, '--out', path.join(dir, 'nope.json')], { VODFORGE_API_KEY: '' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('VF_UNAUTHENTICATED');
  }, 300_000);

  it('prints the artwork flag and its reason for a title with no usable frame, which is still ready', async () => {
    const black = path.join(dir, 'black.mp4');
    await runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      'color=black:size=320x240:rate=25',
      '-t',
      '2',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      black,
    ]);
    const r = await runCli(['ingest', black, '--api', api, '--json'], { VODFORGE_API_KEY: await adminKey() });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { status: string; artwork: unknown[]; artworkStatus: { status: string; reason?: string } };
    expect(out.status).toBe('ready');
    expect(out.artwork).toEqual([]);
    expect(out.artworkStatus.status).toBe('no-usable-frame');
    expect(out.artworkStatus.reason).toMatch(/\S/);
  }, 240_000);

  it('joins the mono tracks --audio names into one rendition, and prints how to join them when none is named', async () => {
    const master = path.join(dir, 'mono-tracks.mxf');
    await makeDiscreteMonoMaster(master, 2);
    const env = { VODFORGE_API_KEY: await adminKey() };
    const joined = await runCli(['ingest', master, '--api', api, '--json', '--audio', '0+1:en:English'], env);
    expect(joined.code, joined.stderr).toBe(0);
    const out = JSON.parse(joined.stdout) as { status: string; audio: unknown[]; warnings: { code: string }[] };
    expect(out.status).toBe('ready');
    expect(out.audio).toEqual([{ id: 'a0', language: 'en', name: 'English', channels: 2 }]);
    expect(out.warnings).toEqual([]);
    const plain = await runCli(['ingest', master, '--api', api, '--wait'], env);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/^warning: VF_AUDIO_DISCRETE_MONO: .*\(vodforge ingest --audio 0\+1\)/m);
    const refused = await runCli(['ingest', master, '--api', api, '--audio', 'left'], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Expected --audio to be STREAMS\[:LANGUAGE\[:NAME\]\]/);
  }, 240_000);

  it('exits non-zero with the reason when the master is not a video', async () => {
    const bad = path.join(dir, 'notes.txt');
    await import('node:fs/promises').then((fs) => fs.writeFile(bad, 'not a video'));
    const r = await runCli(['ingest', bad, '--api', api, '--json', '--api-key', await adminKey()]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { status: string; error: { code: string; message: string } };
    expect(out.status).toBe('failed');
    expect(out.error.code).toBe('VF_UNREADABLE_MASTER');
  }, 120_000);

  it('wrote the first admin key of the new data dir only to its file, never to the log, and ingest without a key is refused', async () => {
    const key = await adminKey();
    expect(key).toMatch(/^vf_[A-Za-z0-9_-]{43}$/);
    expect(upOutput()).not.toContain(key);
    expect(upOutput()).toContain(path.join(dir, 'data', 'admin.key'));
    expect((await stat(path.join(dir, 'data', 'admin.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, 'data'))).mode & 0o777).toBe(0o700);
    const master = path.join(dir, 'nokey.mp4');
    await makeMaster(master, { width: 320, height: 240, fps: 25, durationS: 1 });
    const env: NodeJS.ProcessEnv = { VODFORGE_API_KEY: '' };
    const r = await runCli(['ingest', master, '--api', api, '--json'], env);
    expect(r.code).toBe(1);
    // --json prints its one object whatever happened: the refusal's stable code, no stack trace.
    const out = JSON.parse(r.stdout) as { id: string | null; status: string; error: { code: string } };
    expect(out).toMatchObject({ id: null, status: 'failed', error: { code: 'VF_UNAUTHENTICATED' } });
    const plain = await runCli(['ingest', master, '--api', api], env);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/^vodforge ingest: VF_UNAUTHENTICATED: /);
  }, 60_000);

  it('says the API is unreachable, as JSON with --json, when nothing listens there', async () => {
    const master = path.join(dir, 'nokey.mp4');
    const closed = `http://127.0.0.1:${await freePort()}`;
    const r = await runCli(['ingest', master, '--api', closed, '--json', '--api-key', 'vf_x']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { status: string; error: { code: string; message: string } };
    expect(out.status).toBe('failed');
    expect(out.error.code).toBe('VF_API_UNREACHABLE');
    expect(out.error.message).toContain('ECONNREFUSED');
  }, 60_000);

  it('rejects unknown options with a usage error', async () => {
    const r = await runCli(['ingest', '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('frobnicate');
  });

  it('stops cleanly on Ctrl-C mid-encode, taking its redis-server with it; started again, it finishes the title', async () => {
    const key = await adminKey();
    const master = path.join(dir, 'interrupted.mp4');
    await makeMaster(master, { width: 640, height: 360, fps: 25, durationS: 24 });
    // Without --wait: returns once the master is uploaded and queued.
    const queued = await runCli(['ingest', master, '--api', api, '--api-key', key]);
    expect(queued.code).toBe(0);
    const id = /^title (\S+): /m.exec(queued.stdout)?.[1] ?? '';
    expect(id).not.toBe('');
    const state = async (base: string): Promise<string> => {
      const res = await fetch(`${base}/v1/titles/${id}`, { headers: { 'x-api-key': key } });
      return ((await res.json()) as { state: string }).state;
    };
    await waitFor('the title to be encoding', async () => (await state(api)) === 'encoding');
    const exited = new Promise<number | null>((resolve) => up.once('exit', (code) => resolve(code)));
    up.kill('SIGINT');
    expect(await exited).toBe(0);
    // redis-server runs with its data dir as working directory: none may be left there.
    const redisDir = path.join(dir, 'data', 'redis');
    const left: string[] = [];
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
      if (cwd === redisDir) left.push(pid);
    }
    expect(left).toEqual([]);

    // Same data dir: the embedded Redis comes back from its AOF with the title's remaining jobs.
    const port = Number(new URL(api).port);
    const restarted = spawnUp({ port, dataDir: path.join(dir, 'data'), workers: 2, env: { VF_CHUNK_SEGMENTS: '1' } });
    up = restarted.child;
    await upListening(restarted, port);
    const final = await waitUntil(
      'the title to finish after the restart',
      async () => {
        const s = await state(api);
        return s === 'ready' || s === 'failed' ? s : undefined;
      },
      { intervalMs: 250, timeoutMs: 180_000 },
    );
    expect(final).toBe('ready');
    const again = new Promise<number | null>((resolve) => up.once('exit', (code) => resolve(code)));
    up.kill('SIGINT');
    expect(await again).toBe(0);
  }, 400_000);
});
