/**
 * The ffmpeg runner on the real ffmpeg: progress from `-progress pipe:1`, cancellation by
 * AbortSignal (SIGTERM, then SIGKILL after the grace period) and the tail of stderr kept on
 * a failure. Nothing here is timed against the machine's speed: the only clock assertions
 * are that a process that ignores SIGTERM outlives the grace period and is then killed.
 */
import { existsSync, watch } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lineCounter, runFfmpeg, runProbe } from '../../../ffmpeg/run.ts';
import { FfmpegAbortedError, FfmpegExitError, STDERR_TAIL_CHARS } from '../../../ffmpeg/errors.ts';
import { meterCpu, meterStep } from '../../../ffmpeg/cpu-meter.ts';
import { parseProcessReport } from '../../../ffmpeg/process-cpu.ts';
import { childCpuSeconds } from '../../../bench/cpu.ts';

/** `-re` reads the generated input at its native rate, so ffmpeg reports progress several times. */
const REALTIME_TESTSRC = (durationS: number): string[] => [
  '-re',
  '-f',
  'lavfi',
  '-i',
  `testsrc2=size=160x90:rate=25:duration=${durationS}`,
  '-f',
  'null',
  '-',
];

describe('runFfmpeg', () => {
  it('reports progress from out_time_us against the duration: rising, inside (0, 1), ending at 1', async () => {
    const seen: number[] = [];
    await runFfmpeg(REALTIME_TESTSRC(2), { durationS: 2, onProgress: (f) => seen.push(f) });
    expect(seen.at(-1)).toBe(1);
    expect(seen.some((f) => f > 0 && f < 1)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] ?? 0);
  });

  it('cancels on abort: the promise rejects with FfmpegAbortedError once ffmpeg has exited', async () => {
    const ac = new AbortController();
    const run = runFfmpeg(REALTIME_TESTSRC(60), {
      signal: ac.signal,
      durationS: 60,
      onProgress: (f) => {
        if (f > 0) ac.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(FfmpegAbortedError);
  });

  it('refuses to start when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(runFfmpeg(REALTIME_TESTSRC(1), { signal: ac.signal })).rejects.toMatchObject({
      name: 'FfmpegAbortedError',
      code: 'VF_FFMPEG_ABORTED',
    });
  });

  it('keeps the tail of stderr on a failure, and names the last line in the message', async () => {
    const err = await runFfmpeg(['-i', '/nonexistent/vodforge-master.mov', '-f', 'null', '-']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegExitError);
    const e = err as FfmpegExitError;
    expect(e.exitCode).not.toBe(0);
    expect(e.stderrTail).toContain('No such file or directory');
    expect(e.stderrTail.length).toBeLessThanOrEqual(STDERR_TAIL_CHARS);
    expect(e.message).toMatch(/^ffmpeg exited with code \d+: .*No such file or directory/);
  });

  it('says a program that cannot be started cannot be started, as an exit without a code', async () => {
    const err = await runProbe(['-version'], { program: 'vodforge-no-such-program' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegExitError);
    expect((err as FfmpegExitError).exitCode).toBeNull();
    expect((err as FfmpegExitError).message).toMatch(/cannot start vodforge-no-such-program: No such file or directory/);
  });

  it('keeps only the last STDERR_TAIL_CHARS of a long stderr', async () => {
    // showinfo logs a long line per frame: 50 frames are several times the kept tail.
    const { stderrTail } = await runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=64x64:rate=25:duration=2',
      '-vf',
      'showinfo',
      '-f',
      'null',
      '-',
    ]);
    expect(stderrTail.length).toBe(STDERR_TAIL_CHARS);
    expect(stderrTail).toMatch(/n: *49 /);
    expect(stderrTail).not.toMatch(/n: *0 /);
  });

  it('counts the stderr lines a pattern matches over the whole run, not only the tail', async () => {
    const { stderrTail, counted } = await runFfmpeg(
      ['-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=25:duration=4', '-vf', 'showinfo', '-f', 'null', '-'],
      { countLines: /\] n: *\d+ / },
    );
    expect(counted).toBe(100);
    expect([...stderrTail.matchAll(/\] n: *\d+ /g)].length).toBeLessThan(100);
  });
});

describe('lineCounter', () => {
  it('counts lines split across pieces once, and a last line without its newline', () => {
    const c = lineCounter(/^Error while decoding/);
    c.add('Error while dec');
    c.add('oding stream #0:1: x\nother\nError while decoding stream #0:1: y\nErr');
    expect(c.total()).toBe(2);
    c.add('or while decoding stream #0:1: z');
    expect(c.total()).toBe(3);
  });
});

describe('runProbe cancellation of a process that ignores SIGTERM', () => {
  it('sends SIGKILL once the grace period has passed', async () => {
    const ac = new AbortController();
    const graceMs = 300;
    // The shell says when its trap is set by creating a file; the test waits for that event.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-run-'));
    const ready = path.join(dir, 'trap-set');
    const trapSet = new Promise<void>((resolve) => {
      const watcher = watch(dir, () => {
        if (existsSync(ready)) {
          watcher.close();
          resolve();
        }
      });
    });
    // `exec` so the process that ignores TERM is the one spawned (no orphan holding the pipes).
    const run = runProbe(['-c', 'trap "" TERM; : > "$0"; exec sleep 30', ready], {
      program: 'sh',
      signal: ac.signal,
      killGraceMs: graceMs,
    });
    await trapSet;
    await rm(dir, { recursive: true, force: true });
    const abortedAt = Date.now();
    ac.abort();
    await expect(run).rejects.toBeInstanceOf(FfmpegAbortedError);
    const tookMs = Date.now() - abortedAt;
    // It outlived SIGTERM (so SIGKILL did it) and did not run its 30 s.
    expect(tookMs).toBeGreaterThanOrEqual(graceMs);
    expect(tookMs).toBeLessThan(20_000);
  });
});

describe('CPU metering', () => {
  const ENCODE = [
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=640x360:rate=25:duration=3',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-f',
    'null',
    '-',
  ];

  it("reports a run's CPU as the kernel accounts it to the parent that waited for it, start-up included, and the frames it wrote", async () => {
    // The second instrument: cutime + cstime of this process, which the kernel adds when a child
    // is reaped. It also holds the reporting parent's own CPU (Perl starting, a few ms), which
    // the figure leaves out, and both are counted in clock ticks (10 ms).
    const before = childCpuSeconds();
    const { cpuS, frames } = await runFfmpeg(ENCODE);
    const kernel = childCpuSeconds() - before;
    expect(frames).toBe(75);
    expect(cpuS).toBeGreaterThan(0);
    expect(cpuS ?? 0).toBeLessThanOrEqual(kernel + 0.01);
    expect(cpuS ?? 0).toBeGreaterThanOrEqual(kernel - 0.04);
  });

  it("reports an ffprobe run's CPU too, the same way", async () => {
    const before = childCpuSeconds();
    const { cpuS, stdout } = await runProbe([
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=640x360:d=2',
      '-count_frames',
      '-show_streams',
    ]);
    const kernel = childCpuSeconds() - before;
    expect(stdout).toContain('nb_read_frames=50');
    expect(cpuS).toBeGreaterThan(0);
    expect(cpuS ?? 0).toBeLessThanOrEqual(kernel + 0.01);
    expect(cpuS ?? 0).toBeGreaterThanOrEqual(kernel - 0.04);
  });

  it('reads the CPU of a run whose encoders print more statistics after it than stderr keeps', async () => {
    // Each x264 output closes with ~560 characters of statistics, printed after the bench line:
    // twenty are more than the runner ever keeps of stderr (twice the tail).
    const outputs = Array.from({ length: 20 }, () => ['-map', '0', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'null', '-']).flat();
    const { cpuS, stderrTail } = await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=25:duration=1', ...outputs]);
    expect(stderrTail.length).toBe(STDERR_TAIL_CHARS);
    expect(stderrTail).toContain('kb/s:');
    expect(stderrTail).not.toContain('bench:');
    expect(cpuS).toBeGreaterThan(0);
  });

  it('charges each metered piece of work with its own runs only, however they interleave', async () => {
    const [a, b] = await Promise.all([
      meterCpu(async () => {
        const x = await runFfmpeg(ENCODE);
        const y = await Promise.all([runFfmpeg(ENCODE), runProbe(['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=d=1', '-show_streams'])]);
        // The ffprobe is charged too.
        expect(y[1].cpuS).toBeGreaterThan(0);
        return (x.cpuS ?? 0) + (y[0].cpuS ?? 0) + (y[1].cpuS ?? 0);
      }),
      meterCpu(async () => (await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=64x64:d=1', '-f', 'null', '-'])).cpuS ?? 0),
    ]);
    if (!('result' in a) || !('result' in b)) throw new Error('metered work failed');
    expect(a.cpuS).toBeCloseTo(a.result, 6);
    expect(b.cpuS).toBeCloseTo(b.result, 6);
    expect(a.cpuS).toBeGreaterThan(b.cpuS);
  });

  it("counts a step's runs under its name and in the whole, beside runs outside it that interleave", async () => {
    const m = await meterCpu(async () => {
      const [inside, outside] = await Promise.all([
        meterStep('scan', async () => {
          const x = await runFfmpeg(ENCODE);
          const y = await runProbe(['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=d=1', '-show_streams']);
          return (x.cpuS ?? 0) + (y.cpuS ?? 0);
        }),
        runFfmpeg(ENCODE).then((r) => r.cpuS ?? 0),
      ]);
      return { inside, outside };
    });
    if (!('result' in m)) throw new Error('metered work failed');
    expect(m.result.inside).toBeGreaterThan(0);
    expect(m.result.outside).toBeGreaterThan(0);
    expect(m.steps.get('scan')).toBeCloseTo(m.result.inside, 6);
    expect(m.cpuS).toBeCloseTo(m.result.inside + m.result.outside, 6);
    expect([...m.steps.keys()]).toEqual(['scan']);
  });

  it('leaves a run started outside a step where it started, though the step awaits it', async () => {
    const m = await meterCpu(async () => {
      const before = runFfmpeg(ENCODE);
      const inside = await meterStep('scan', async () => {
        const outside = await before;
        const own = await runFfmpeg(ENCODE);
        return { outside: outside.cpuS ?? 0, own: own.cpuS ?? 0 };
      });
      return inside;
    });
    if (!('result' in m)) throw new Error('metered work failed');
    expect(m.result.outside).toBeGreaterThan(0);
    expect(m.steps.get('scan')).toBeCloseTo(m.result.own, 6);
    expect(m.cpuS).toBeCloseTo(m.result.own + m.result.outside, 6);
  });

  it('runs a step outside any metering as plain work', async () => {
    expect(await meterStep('scan', async () => 7)).toBe(7);
  });

  it('keeps the CPU of work that failed, and hands the error back', async () => {
    const m = await meterCpu(async () => {
      await runFfmpeg(ENCODE);
      throw new Error('after one run');
    });
    expect('error' in m && (m.error as Error).message).toBe('after one run');
    expect(m.cpuS).toBeGreaterThan(0);
  });

  it('reads the reporting parent: the pid, an exec failure, and the wait status with user + system CPU', () => {
    expect(parseProcessReport('pid 4242')).toEqual({ kind: 'pid', pid: 4242 });
    expect(parseProcessReport('exec-failed No such file or directory')).toEqual({
      kind: 'exec-failed',
      message: 'No such file or directory',
    });
    const end = parseProcessReport('end 256 2.44 0.17');
    expect(end?.kind === 'end' && end.status).toBe(256);
    expect(end?.kind === 'end' && end.cpuS).toBeCloseTo(2.61, 6);
    expect(parseProcessReport('frame=1')).toBeUndefined();
  });
});
