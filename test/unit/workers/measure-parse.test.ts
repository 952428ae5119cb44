import { describe, expect, it } from 'vitest';
import { countListedFrames, parseQualityFrames, parseScanMetadata, summariseFrames } from '../../../workers/measure/parse.ts';

/**
 * Captured verbatim from ffmpeg 5.1 (`metadata=mode=print:file=...` after `scdet=threshold=10`):
 * testsrc2 for 1.5 s then smptebars for 1 s at 4 fps, timestamps shifted to start at 10 s, so the
 * cut is at 11.5 s (1.5 s into the title).
 */
const CAPTURED = `frame:0    pts:10000000 pts_time:10
lavfi.scd.mafd=0.000
lavfi.scd.score=0.000
frame:1    pts:10250000 pts_time:10.25
lavfi.scd.mafd=4.013
lavfi.scd.score=4.013
frame:2    pts:10500000 pts_time:10.5
lavfi.scd.mafd=4.806
lavfi.scd.score=0.792
frame:3    pts:10750000 pts_time:10.75
lavfi.scd.mafd=5.055
lavfi.scd.score=0.249
frame:4    pts:11000000 pts_time:11
lavfi.scd.mafd=4.754
lavfi.scd.score=0.301
frame:5    pts:11250000 pts_time:11.25
lavfi.scd.mafd=4.904
lavfi.scd.score=0.150
frame:6    pts:11500000 pts_time:11.5
lavfi.scd.mafd=30.043
lavfi.scd.score=25.139
lavfi.scd.time=11.5
frame:7    pts:11750000 pts_time:11.75
lavfi.scd.mafd=0.000
lavfi.scd.score=0.000
frame:8    pts:12000000 pts_time:12
lavfi.scd.mafd=0.000
lavfi.scd.score=0.000
frame:9    pts:12250000 pts_time:12.25
lavfi.scd.mafd=0.000
lavfi.scd.score=0.000
`;

/** Builds text in the same layout ffmpeg prints: `frame:N    pts:P pts_time:T`, then the frame's keys. */
function printed(frames: readonly { t: string; cut?: string }[]): string {
  return `${frames
    .map((f, n) =>
      [
        `frame:${n}    pts:${n}       pts_time:${f.t}`,
        ...(f.cut === undefined
          ? ['lavfi.scd.mafd=0.000', 'lavfi.scd.score=0.000']
          : ['lavfi.scd.mafd=30.000', 'lavfi.scd.score=25.000', `lavfi.scd.time=${f.cut}`]),
      ].join('\n'),
    )
    .join('\n')}\n`;
}

describe('parseScanMetadata on captured ffmpeg output', () => {
  const scan = parseScanMetadata(CAPTURED, 10);

  it('counts one frame per frame header', () => {
    expect(scan.frames).toBe(10);
  });

  it('reports the scene cut relative to the video start', () => {
    expect(scan.sceneCutsS).toEqual([1.5]);
  });

  it('without the start offset, reports cuts in absolute time', () => {
    expect(parseScanMetadata(CAPTURED).sceneCutsS).toEqual([11.5]);
  });
});

describe('parseScanMetadata on constructed text', () => {
  it('subtracts a non-integer start offset from scene cuts', () => {
    const text = printed([{ t: '4.08' }, { t: '4.58', cut: '4.58' }, { t: '5.08' }, { t: '5.58', cut: '5.58' }]);
    const scan = parseScanMetadata(text, 4.08);
    expect(scan.sceneCutsS).toHaveLength(2);
    expect(scan.sceneCutsS[0]).toBeCloseTo(0.5, 9);
    expect(scan.sceneCutsS[1]).toBeCloseTo(1.5, 9);
  });

  it('ignores a cut before the first frame header, other keys and non-numeric values', () => {
    const text = [
      'lavfi.scd.time=999.00',
      'frame:0    pts:0       pts_time:0',
      'lavfi.scd.score=0.000',
      'lavfi.other=3',
      'frame:1    pts:1       pts_time:0.5',
      'lavfi.scd.time=nan',
      'frame:2    pts:2       pts_time:1',
      'lavfi.scd.time=1.000',
    ].join('\n');
    const scan = parseScanMetadata(text);
    expect(scan.frames).toBe(3);
    expect(scan.sceneCutsS).toEqual([1]);
  });

  it('gives an empty result for empty text', () => {
    expect(parseScanMetadata('')).toEqual({ sceneCutsS: [], frames: 0 });
  });
});

/** One line of ffmpeg's `psnr=stats_file=` output for 8-bit YUV. */
function psnrLine(n: number, mseY: number, mseU = mseY / 4, mseV = mseY / 4): string {
  const db = (mse: number): string => (mse === 0 ? 'inf' : (10 * Math.log10((255 * 255) / mse)).toFixed(2));
  const avg = (4 * mseY + mseU + mseV) / 6;
  return (
    `n:${n} mse_avg:${avg.toFixed(2)} mse_y:${mseY.toFixed(2)} mse_u:${mseU.toFixed(2)} mse_v:${mseV.toFixed(2)} ` +
    `psnr_avg:${db(avg)} psnr_y:${db(mseY)} psnr_u:${db(mseU)} psnr_v:${db(mseV)} `
  );
}

/** One line of ffmpeg's `ssim=stats_file=` output. */
function ssimLine(n: number, y: number, u = y, v = y): string {
  const all = (4 * y + u + v) / 6;
  const db = all === 1 ? 'inf' : (-10 * Math.log10(1 - all)).toFixed(6);
  return `n:${n} Y:${y.toFixed(6)} U:${u.toFixed(6)} V:${v.toFixed(6)} All:${all.toFixed(6)} (${db})`;
}

/** Every frame's figures summarised, as measureQuality reads a stats file pair. */
function parseQualityStats(psnr: string, ssim: string): NonNullable<ReturnType<typeof summariseFrames>> {
  const q = summariseFrames(parseQualityFrames(psnr, ssim));
  if (q === undefined) throw new Error('no frames summarised');
  return q;
}

describe('parseQualityFrames and summariseFrames', () => {
  it('computes PSNR-Y from the mean luma MSE over frames, not from the mean of per-frame dB', () => {
    const psnr = `${[psnrLine(1, 1), psnrLine(2, 100)].join('\n')}\n`;
    const ssim = `${[ssimLine(1, 0.99), ssimLine(2, 0.9)].join('\n')}\n`;
    const q = parseQualityStats(psnr, ssim);
    // Mean MSE 50.5 gives 31.0978 dB; the mean of per-frame dB (48.13 and 28.13) would be 38.13.
    expect(q.psnrY).toBeCloseTo(10 * Math.log10(65025 / 50.5), 9);
    expect(q.psnrY).toBeCloseTo(31.0978, 3);
    expect(q.ssim).toBeCloseTo(0.945, 9);
  });

  it('reads the luma fields only, not the average or chroma ones', () => {
    const psnr = `${psnrLine(1, 4, 400, 400)}\n`;
    const ssim = `${ssimLine(1, 0.99, 0.5, 0.5)}\n`;
    const q = parseQualityStats(psnr, ssim);
    expect(q.psnrY).toBeCloseTo(10 * Math.log10(65025 / 4), 9);
    expect(q.ssim).toBeCloseTo(0.99, 9);
  });

  it('reads the exact line layout ffmpeg writes', () => {
    const q = parseQualityStats(
      'n:1 mse_avg:1.00 mse_y:4.00 mse_u:0.25 mse_v:0.25 psnr_avg:48.13 psnr_y:42.11 psnr_u:54.15 psnr_v:54.15 \n',
      'n:1 Y:0.990000 U:0.995000 V:0.995000 All:0.991667 (20.791812)\n',
    );
    expect(q.psnrY).toBeCloseTo(42.1102, 3);
    expect(q.ssim).toBe(0.99);
  });

  it('reports identical inputs (MSE 0, psnr inf) as 100 dB and SSIM 1', () => {
    const psnr = `${[psnrLine(1, 0), psnrLine(2, 0)].join('\n')}\n`;
    expect(psnr).toContain('psnr_y:inf');
    const q = parseQualityStats(psnr, `${[ssimLine(1, 1), ssimLine(2, 1)].join('\n')}\n`);
    expect(q).toEqual({ psnrY: 100, ssim: 1, frames: 2 });
  });

  it('caps PSNR at 100 dB for a tiny non-zero MSE', () => {
    // ffmpeg prints MSE to 2 decimals, so this only guards the formula: MSE 1e-6 is 48.13 + 60 = 108.13 dB uncapped.
    expect(parseQualityStats('n:1 mse_y:0.000001 \n', ssimLine(1, 1)).psnrY).toBe(100);
  });

  it('throws when either stats file holds no frames', () => {
    const psnr = `${psnrLine(1, 4)}\n`;
    const ssim = `${ssimLine(1, 0.99)}\n`;
    expect(() => parseQualityStats('', '')).toThrow('no frames compared, or not the same by psnr and ssim (psnr 0, ssim 0)');
    expect(() => parseQualityStats('', ssim)).toThrow('(psnr 0, ssim 1)');
    expect(() => parseQualityStats(psnr, '')).toThrow('(psnr 1, ssim 0)');
  });

  it('throws when psnr and ssim compared different numbers of frames', () => {
    expect(() => parseQualityStats(`${psnrLine(1, 4)}\n${psnrLine(2, 4)}\n`, `${ssimLine(1, 0.99)}\n`)).toThrow('(psnr 2, ssim 1)');
  });
});

describe('countListedFrames', () => {
  it('counts the frame header lines metadata=mode=print writes, whatever keys follow them', () => {
    const listed = 'frame:0    pts:0       pts_time:0\nvodforge.frame=1\nframe:1    pts:1       pts_time:0.04\nvodforge.frame=1\n';
    expect(countListedFrames(listed)).toBe(2);
    expect(countListedFrames('')).toBe(0);
  });
});
