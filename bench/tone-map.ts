/**
 * `npm run bench:tone-map`: what reading an HDR master costs every reader (chunk encode, sample
 * encode, quality reference, scan, artwork), through vodforge's tone map (`toneMapFilters`, a 3D
 * LUT of the curve) against the baseline run in the same script: the float chain as the textbook
 * writes it (zimg to linear, BT.2020 to BT.709, `tonemap=hable`, back to BT.709), which vodforge
 * ran in every reader before.
 *
 * Masters: real corpus clips (camera, animation, a rocket launch, a screen recording) graded to
 * HLG and to PQ at 3840x2160 the way HDR masters of SDR sources are made (SDR white at BT.2408's
 * 203 cd/m²), and a synthetic worst case: saturated BT.2020 colours reaching the 1,000-nit peak.
 * Per master: CPU seconds a frame of each reader's tone map (decode included, and the decode
 * alone), their ratio, and how far the LUT's picture is from the float chain's, by a plain
 * ffmpeg psnr (mean PSNR-Y/U/V and the worst frame's PSNR-Y). The worst case is printed last.
 * BENCH_ONLY='phone' runs the masters whose name matches.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { runFfmpeg } from '../ffmpeg/run.ts';
import { toneMapFilters, type ToneMap } from '../ffmpeg/tone-map.ts';
import { realMasters } from '../test/support/corpus.ts';
import { textbookToneMap } from '../test/support/hdr-masters.ts';

type Transfer = ToneMap['transfer'];
const ONLY = new RegExp(process.env.BENCH_ONLY ?? '');
const CLIPS = ['phone-1080p', 'bunny-mkv', 'launch', 'screen'];
const SECONDS = 2;
const SIZE = { width: 3840, height: 2160 };

const toneMap = (transfer: Transfer): ToneMap => ({ transfer, primaries: 'bt2020', matrix: 'bt2020nc', range: 'tv', peakNits: 1000 });

/**
 * An HDR grade of `input`'s first seconds: 10-bit HEVC, BT.2020, `transfer`, its SDR white at
 * `whiteNits`. Its colours are read as `primaries`: BT.709's stay inside BT.709 once converted,
 * BT.2020's (the same numbers read as BT.2020) reach outside it.
 */
async function grade(input: string[], transfer: Transfer, whiteNits: number, primaries: 'bt709' | 'bt2020', output: string): Promise<void> {
  const { width, height } = SIZE;
  const to = `t=${transfer}:m=bt2020nc:p=bt2020:r=tv:npl=${whiteNits}`;
  await runFfmpeg([
    ...['-v', 'error', ...input, '-t', String(SECONDS), '-an'],
    ...['-vf', `zscale=w=${width}:h=${height}:f=bicubic:tin=bt709:min=bt709:pin=${primaries}:rin=tv:${to},format=yuv420p10le`],
    ...['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-crf', '14', '-pix_fmt', 'yuv420p10le'],
    ...['-color_primaries', 'bt2020', '-color_trc', transfer, '-colorspace', 'bt2020nc', '-color_range', 'tv', output],
  ]);
}

/** CPU seconds of one single-threaded read of `master` through `filters`, written uncoded to `output`; and its frame count. */
async function read(master: string, filters: string, output: string): Promise<{ cpuS: number; frames: number }> {
  const r = await runFfmpeg([
    '-v',
    'error',
    '-threads',
    '1',
    '-filter_threads',
    '1',
    '-i',
    master,
    '-an',
    '-vf',
    filters,
    '-c:v',
    'rawvideo',
    '-f',
    'nut',
    output,
  ]);
  if (r.cpuS === undefined || r.frames === undefined) throw new Error('ffmpeg reported no CPU or frame count');
  return { cpuS: r.cpuS, frames: r.frames };
}

/** A plain ffmpeg psnr of two uncoded reads: mean Y, U, V and the worst frame's Y. */
function psnr(a: string, b: string): Promise<{ y: number; u: number; v: number; worstY: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn('ffmpeg', ['-hide_banner', '-i', a, '-i', b, '-lavfi', '[0][1]psnr=stats_file=-', '-f', 'null', '-'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', () => {
      const m = /PSNR y:(inf|[\d.]+) u:(inf|[\d.]+) v:(inf|[\d.]+)/.exec(out);
      const frames = [...out.matchAll(/^n:\d+ .*psnr_y:(inf|[\d.]+) /gm)].map((x) => (x[1] === 'inf' ? Infinity : Number(x[1])));
      if (m === null || frames.length === 0) return reject(new Error(`psnr printed no summary: ${out.slice(-400)}`));
      const n = (s: string | undefined): number => (s === 'inf' ? Infinity : Number(s));
      resolve({ y: n(m[1]), u: n(m[2]), v: n(m[3]), worstY: Math.min(...frames) });
    });
  });
}

interface Row {
  readonly name: string;
  readonly decodeMs: number;
  readonly floatMs: number;
  readonly lutMs: number;
  readonly quality: { y: number; u: number; v: number; worstY: number };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-bench-tone-map-'));
  try {
    const corpus = (await realMasters()).filter((m) => CLIPS.includes(m.name));
    const masters: { name: string; transfer: Transfer; make: (out: string) => Promise<void> }[] = [];
    for (const transfer of ['arib-std-b67', 'smpte2084'] as const) {
      for (const clip of corpus)
        masters.push({ name: `${clip.name} ${transfer}`, transfer, make: (out) => grade(['-i', clip.file], transfer, 203, 'bt709', out) });
      // Saturated colours read as BT.2020 (outside BT.709's gamut), white at the 1,000-nit peak.
      const pattern = ['-f', 'lavfi', '-i', `testsrc2=s=1920x1080:r=25:d=${SECONDS}`];
      masters.push({
        name: `saturated-peak ${transfer}`,
        transfer,
        make: (out) => grade(pattern, transfer, 1000, 'bt2020', out),
      });
    }
    const rows: Row[] = [];
    for (const m of masters.filter((x) => ONLY.test(x.name))) {
      const master = path.join(dir, `${m.name.replace(/\W+/g, '-')}.mp4`);
      await m.make(master);
      const files = { decode: path.join(dir, 'decode.nut'), float: path.join(dir, 'float.nut'), lut: path.join(dir, 'lut.nut') };
      // The LUT is built before anything is timed: once per machine, not per read.
      await read(master, toneMapFilters(toneMap(m.transfer)).join(','), files.lut);
      const decode = await read(master, 'format=yuv420p10le', files.decode);
      const float = await read(master, textbookToneMap(m.transfer), files.float);
      const lut = await read(master, toneMapFilters(toneMap(m.transfer)).join(','), files.lut);
      if (float.frames !== lut.frames)
        throw new Error(`${m.name}: ${float.frames} frames through the float chain, ${lut.frames} through the LUT`);
      const perFrame = (cpuS: number): number => (1000 * cpuS) / float.frames;
      const row = {
        name: m.name,
        decodeMs: perFrame(decode.cpuS),
        floatMs: perFrame(float.cpuS),
        lutMs: perFrame(lut.cpuS),
        quality: await psnr(files.lut, files.float),
      };
      rows.push(row);
      const q = row.quality;
      const ms = (x: number): string => `${x.toFixed(0)} ms`;
      const alone = (row.floatMs - row.decodeMs) / (row.lutMs - row.decodeMs);
      console.log(
        `${row.name.padEnd(28)} ${float.frames} frames 4K: CPU a frame decode ${ms(row.decodeMs)}, float chain ${ms(row.floatMs)}, ` +
          `LUT ${ms(row.lutMs)} (${(row.floatMs / row.lutMs).toFixed(2)}x; tone map alone ${alone.toFixed(2)}x); ` +
          `LUT vs float PSNR Y ${q.y.toFixed(2)} U ${q.u.toFixed(2)} V ${q.v.toFixed(2)} dB, worst frame Y ${q.worstY.toFixed(2)} dB`,
      );
    }
    if (rows.length === 0) throw new Error(`no master matches BENCH_ONLY=${ONLY.source}`);
    const ratios = rows.map((r) => r.floatMs / r.lutMs);
    const worstSpeed = rows.reduce((a, b) => (b.floatMs / b.lutMs < a.floatMs / a.lutMs ? b : a));
    const worstQuality = rows.reduce((a, b) => (b.quality.worstY < a.quality.worstY ? b : a));
    console.log(
      `\nreads through the LUT vs the float chain (baseline): mean ${(ratios.reduce((a, b) => a + b, 0) / ratios.length).toFixed(2)}x less CPU, ` +
        `worst ${(worstSpeed.floatMs / worstSpeed.lutMs).toFixed(2)}x (${worstSpeed.name})`,
    );
    console.log(
      `LUT vs float chain picture: mean PSNR-Y ${(rows.reduce((a, r) => a + r.quality.y, 0) / rows.length).toFixed(2)} dB, ` +
        `worst frame ${worstQuality.quality.worstY.toFixed(2)} dB (${worstQuality.name})`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
