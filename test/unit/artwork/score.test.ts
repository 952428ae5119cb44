import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { analysisFrameFromRaw, decodeForAnalysis } from '../../../artwork/decode.ts';
import type { RawPixels } from '../../../artwork/frame.ts';
import { scoreFrame } from '../../../artwork/score.ts';
import { blend, blurred, creditsFrame, detailed, encoded, faded, gradient, motionBlurred, noise, nudged, solid } from './images.ts';

const score = (raw: RawPixels, nb: { before?: RawPixels; after?: RawPixels } = {}) =>
  scoreFrame(analysisFrameFromRaw(raw), {
    ...(nb.before ? { before: analysisFrameFromRaw(nb.before) } : {}),
    ...(nb.after ? { after: analysisFrameFromRaw(nb.after) } : {}),
  });

let scene: RawPixels;
let other: RawPixels;
beforeAll(async () => {
  scene = await detailed(1);
  other = await detailed(2);
});

describe('hard rejects', () => {
  it.each([
    ['black', () => solid(0, 0, 0), 'black'],
    ['white', () => solid(255, 255, 255), 'white'],
    ['uniform grey', () => solid(128, 128, 128), 'near-uniform'],
    ['a single saturated colour (slate)', () => solid(200, 30, 30), 'near-uniform'],
    ['a smooth gradient (no detail)', () => gradient(), 'blur'],
    ['random noise (no structure)', () => noise(3), 'noise'],
  ] as const)('rejects %s as %s', (_label, make, reason) => {
    const result = score(make());
    expect(result.rejected?.reason).toBe(reason);
    expect(result.total).toBe(0);
    expect(result.rejected?.detail.length).toBeGreaterThan(10);
  });

  it('rejects a heavily blurred frame as blur, naming the Laplacian variance', async () => {
    const result = score(await blurred(scene, 4));
    expect(result.rejected?.reason).toBe('blur');
    expect(result.rejected?.detail).toMatch(/Laplacian variance [\d.]+ < 25/);
  });

  it('rejects horizontal motion smear as motion-blur', async () => {
    const result = score(await motionBlurred(scene, 15));
    expect(result.rejected?.reason).toBe('motion-blur');
    expect(result.metrics.gradientAnisotropy).toBeGreaterThan(0.6);
  });

  it('rejects rows of white glyphs on black as text (credits)', async () => {
    const result = score(await creditsFrame(5));
    expect(result.rejected?.reason).toBe('text');
    expect(result.metrics.text.bandCount).toBeGreaterThanOrEqual(4);
  });

  it('rejects real typeset credits (SVG text) as text, even when the frame is mostly black', async () => {
    const names = [
      'Directed by Ada Lovelace',
      'Produced by Grace Hopper',
      'Music  Alan Turing',
      'Edited by Edsger Dijkstra',
      'Camera  Barbara Liskov',
      'Sound  Donald Knuth',
      'Costumes  Margaret Hamilton',
      'Lighting  Ken Thompson',
      'Grip  Dennis Ritchie',
    ];
    const lines = names.map(
      (name, i) =>
        `<text x="240" y="${30 + i * 21}" font-family="DejaVu Sans, sans-serif" font-size="11" fill="#fff" text-anchor="middle">${name}</text>`,
    );
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="270"><rect width="480" height="270" fill="#000"/>${lines.join('')}</svg>`;
    const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    // librsvg draws nothing without a font; scripts/setup.sh installs fonts-dejavu-core.
    expect(
      data.some((v) => v > 128),
      'no font rendered the SVG text: install fonts-dejavu-core',
    ).toBe(true);
    const result = score({ data, widthPx: info.width, heightPx: info.height, channels: 3 });
    expect(result.rejected?.reason).toBe('text');
    expect(result.metrics.darkFraction).toBeGreaterThan(0.95);
  });

  it('does not reject a detailed scene with one subtitle line', async () => {
    // One line of glyph-like strokes (3 px on, 2 px off) across the lower third.
    const glyphs = Array.from({ length: 56 }, (_, i) => `<rect x="${100 + i * 5}" y="244" width="3" height="10" fill="#fff"/>`);
    const sub = `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="270">${glyphs.join('')}</svg>`;
    const { data, info } = await sharp(scene.data, { raw: { width: 480, height: 270, channels: 3 } })
      .composite([{ input: Buffer.from(sub) }])
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(score({ data, widthPx: info.width, heightPx: info.height, channels: 3 }).rejected).toBeUndefined();
  });

  it('rejects a frame that is a dimmed copy of its neighbour as fade', async () => {
    const result = score(await faded(scene, 0.6), { before: scene });
    expect(result.rejected?.reason).toBe('fade');
    expect(result.neighbours.fades[0]?.contrastRatio).toBeCloseTo(0.6, 1);
  });

  it('does not reject the last full-contrast frame before a fade-out', async () => {
    const result = score(scene, { before: nudged(scene, 2), after: await faded(scene, 0.6) });
    expect(result.rejected).toBeUndefined();
    expect(result.total).toBeGreaterThan(0.5);
  });

  it('rejects the middle of a cross-dissolve as transition', () => {
    const result = score(blend(scene, other, 0.5), { before: scene, after: other });
    expect(result.rejected?.reason).toBe('transition');
    expect(result.neighbours.dissolve?.alpha).toBeCloseTo(0.5, 1);
  });

  it('does not call a hard cut a transition', () => {
    // Frame from shot A, the next frame already shot B: α ≈ 1, no blend.
    const result = score(scene, { before: nudged(scene, 1), after: other });
    expect(result.rejected).toBeUndefined();
  });
});

describe('soft score', () => {
  it('accepts a detailed frame and keeps every part between 0 and 1', () => {
    const result = score(scene);
    expect(result.rejected).toBeUndefined();
    expect(result.total).toBeGreaterThan(0.6);
    for (const [part, value] of Object.entries(result.parts)) {
      expect(value, part).toBeGreaterThanOrEqual(0);
      expect(value, part).toBeLessThanOrEqual(1);
    }
  });

  it('scores a sharp frame above a mildly blurred copy of it, through the sharpness part', async () => {
    const sharpScore = score(scene);
    const soft = score(await blurred(scene, 0.8));
    expect(soft.rejected).toBeUndefined();
    expect(sharpScore.total).toBeGreaterThan(soft.total);
    expect(sharpScore.parts.sharpness).toBeGreaterThan(soft.parts.sharpness);
  });

  it('scores a well exposed frame above a dark copy on exposure', async () => {
    expect(score(scene).parts.exposure).toBeGreaterThan(score(await faded(scene, 0.5)).parts.exposure);
  });

  it('scores colourless frames 0 on colourfulness', () => {
    expect(score(solid(90, 90, 90)).parts.colourfulness).toBe(0);
  });

  it('penalises a big change to the nearest neighbour (motion) through stillness', () => {
    const still = score(scene, { before: nudged(scene, 1) });
    const moving = score(scene, { before: other });
    expect(still.parts.stillness).toBeGreaterThan(moving.parts.stillness);
  });

  it('gives a subject on a rule-of-thirds point a better composition than one in a corner', async () => {
    const subjectAt = async (cx: number, cy: number) => {
      const svg =
        `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="270"><rect width="480" height="270" fill="#446"/>` +
        `<circle cx="${cx}" cy="${cy}" r="28" fill="#fc4"/><circle cx="${cx}" cy="${cy}" r="12" fill="#c21"/></svg>`;
      const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return score({ data, widthPx: info.width, heightPx: info.height, channels: 3 });
    };
    const thirds = await subjectAt(160, 90);
    const corner = await subjectAt(30, 240);
    expect(thirds.metrics.composition.subjectX).toBeCloseTo(1 / 3, 1);
    expect(thirds.parts.composition).toBeGreaterThan(0.8);
    expect(corner.parts.composition).toBeLessThan(thirds.parts.composition);
  });
});

describe('raw input', () => {
  it('rejects raw pixels whose length does not match their size, with a typed error', () => {
    expect(() => analysisFrameFromRaw({ data: new Uint8Array(10), widthPx: 4, heightPx: 4, channels: 3 })).toThrow(
      expect.objectContaining({ code: 'ARTWORK_INVALID_FRAME', message: 'Expected 48 bytes for a 4×4×3 raw frame, got 10' }),
    );
  });

  it('scores frames far smaller than analysis size without throwing or producing NaN', () => {
    for (const [w, h] of [
      [3, 3],
      [20, 11],
      [64, 36],
    ] as const) {
      const result = score(noise(w * h, w, h));
      expect(Number.isFinite(result.total), `${w}×${h}`).toBe(true);
      for (const value of Object.values(result.parts)) expect(Number.isNaN(value), `${w}×${h}`).toBe(false);
    }
  });

  it('decodes a greyscale JPEG to three channels', async () => {
    const greyJpeg = await sharp(await encoded(scene, 'png'))
      .greyscale()
      .jpeg()
      .toBuffer();
    const frame = await decodeForAnalysis(greyJpeg, 480);
    expect(frame.rgb.length).toBe(frame.widthPx * frame.heightPx * 3);
    expect(scoreFrame(frame).parts.colourfulness).toBeLessThan(0.05);
  });

  it('accepts greyscale and RGBA raw frames, ignoring alpha', () => {
    const rgba = new Uint8Array(8 * 8 * 4).fill(200);
    const grey = new Uint8Array(8 * 8).fill(200);
    expect(analysisFrameFromRaw({ data: rgba, widthPx: 8, heightPx: 8, channels: 4 }).luma[0]).toBe(200);
    expect(analysisFrameFromRaw({ data: grey, widthPx: 8, heightPx: 8, channels: 1 }).rgb.length).toBe(8 * 8 * 3);
  });
});

describe('metrics', () => {
  it('computes luma entropy as sharp stats() does', async () => {
    const grey = await sharp(scene.data, { raw: { width: scene.widthPx, height: scene.heightPx, channels: 3 } })
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const raw: RawPixels = { data: grey.data, widthPx: grey.info.width, heightPx: grey.info.height, channels: 1 };
    const stats = await sharp(grey.data, { raw: { width: raw.widthPx, height: raw.heightPx, channels: 1 } }).stats();
    expect(score(raw).metrics.entropyBits).toBeCloseTo(stats.entropy, 6);
  });

  it("computes the Laplacian's variance as sharp convolve() with the 4-neighbour kernel does", async () => {
    // Blurred a little so every Laplacian value fits convolve's 8-bit output around its offset
    // (checked below): on integer luma and an integer kernel the two must then agree exactly.
    const soft = await blurred(scene, 1.2);
    const grey = await sharp(soft.data, { raw: { width: soft.widthPx, height: soft.heightPx, channels: 3 } })
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const w = grey.info.width;
    const h = grey.info.height;
    const lap = await sharp(grey.data, { raw: { width: w, height: h, channels: 1 } })
      .convolve({ width: 3, height: 3, kernel: [0, 1, 0, 1, -4, 1, 0, 1, 0], offset: 128 })
      // sharp writes sRGB: three equal channels; one is the result.
      .extractChannel(0)
      .raw()
      .toBuffer();
    const interior: number[] = [];
    for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) interior.push((lap[y * w + x] ?? 0) - 128);
    expect(interior.some((v) => v <= -128 || v >= 127)).toBe(false);
    const mean = interior.reduce((a, b) => a + b, 0) / interior.length;
    const variance = interior.reduce((a, b) => a + (b - mean) ** 2, 0) / interior.length;
    expect(variance).toBeGreaterThan(1);
    const ours = score({ data: grey.data, widthPx: w, heightPx: h, channels: 1 }).metrics.laplacianVariance;
    expect(ours).toBeCloseTo(variance, 6);
  });

  it('decodes JPEG and raw input to the same analysis size and close scores', async () => {
    const jpeg = await encoded(scene, 'jpeg');
    const fromJpeg = scoreFrame(await decodeForAnalysis(jpeg, 480));
    const fromRaw = score(scene);
    expect(fromJpeg.metrics.meanLuma).toBeCloseTo(fromRaw.metrics.meanLuma, 0);
    expect(Math.abs(fromJpeg.total - fromRaw.total)).toBeLessThan(0.05);
  });

  it('downscales larger input to the analysis width, keeping the aspect ratio', async () => {
    const big = await detailed(7, 960, 540);
    const frame = await decodeForAnalysis(await encoded(big, 'png'), 480);
    expect([frame.widthPx, frame.heightPx]).toEqual([480, 270]);
  });
});
