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
import { runFfmpeg, runProbe } from '../../../ffmpeg/run.ts';
import { FfmpegAbortedError, FfmpegExitError, STDERR_TAIL_CHARS } from '../../../ffmpeg/errors.ts';
import { meterCpu, parseBenchCpuS } from '../../../ffmpeg/cpu-meter.ts';
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

  it("reports an ffmpeg run's CPU as the kernel accounts it to the parent that waited for it, and the frames it wrote", async () => {
    // The second instrument: cutime + cstime of this process, which the kernel adds when a child is reaped.
    // 8 s of encode, so that its start-up (a fixed cost, longer on a loaded machine) is a small part.
    const encode = ENCODE.map((a) => a.replace('duration=3', 'duration=8'));
    const before = childCpuSeconds();
    const { cpuS, frames } = await runFfmpeg(encode);
    const kernel = childCpuSeconds() - before;
    expect(frames).toBe(200);
    expect(cpuS).toBeGreaterThan(0);
    // ffmpeg's figure leaves out its start-up (loading libraries, opening the input): a little less, never more.
    expect(cpuS ?? 0).toBeLessThanOrEqual(kernel + 0.02);
    expect(cpuS ?? 0).toBeGreaterThan(kernel * 0.7);
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
        return (x.cpuS ?? 0) + (y[0].cpuS ?? 0);
      }),
      meterCpu(async () => (await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=64x64:d=1', '-f', 'null', '-'])).cpuS ?? 0),
    ]);
    if (!('result' in a) || !('result' in b)) throw new Error('metered work failed');
    expect(a.cpuS).toBeCloseTo(a.result, 6);
    expect(b.cpuS).toBeCloseTo(b.result, 6);
    expect(a.cpuS).toBeGreaterThan(b.cpuS);
  });

  it('keeps the CPU of work that failed, and hands the error back', async () => {
    const m = await meterCpu(async () => {
      await runFfmpeg(ENCODE);
      throw new Error('after one run');
    });
    expect('error' in m && (m.error as Error).message).toBe('after one run');
    expect(m.cpuS).toBeGreaterThan(0);
  });

  it('reads the bench line of ffmpeg -benchmark, and nothing from a stderr without one', () => {
    expect(parseBenchCpuS('frame=1\nbench: utime=2.441s stime=0.167s rtime=1.460s\nbench: maxrss=157600kB\n')).toBeCloseTo(2.608, 6);
    expect(parseBenchCpuS('Conversion failed!\n')).toBeUndefined();
  });
});
