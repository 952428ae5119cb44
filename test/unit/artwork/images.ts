/**
 * Generated test frames, sharp-only and deterministic (seeded PRNG), at analysis size by default.
 */
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import type { RawPixels } from '../../../artwork/frame.ts';

export const W = 480;
export const H = 270;

/** mulberry32: small deterministic PRNG so fixtures are identical on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function toRaw(pipeline: Sharp): Promise<RawPixels> {
  const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, widthPx: info.width, heightPx: info.height, channels: info.channels as 3 };
}

export function solid(r: number, g: number, b: number, w = W, h = H): RawPixels {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    data[i * 3] = r;
    data[i * 3 + 1] = g;
    data[i * 3 + 2] = b;
  }
  return { data, widthPx: w, heightPx: h, channels: 3 };
}

export function noise(seed: number, w = W, h = H): RawPixels {
  const next = rng(seed);
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(next() * 256);
  return { data, widthPx: w, heightPx: h, channels: 3 };
}

export function gradient(w = W, h = H): RawPixels {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      data[i] = Math.round((255 * x) / (w - 1));
      data[i + 1] = Math.round((255 * y) / (h - 1));
      data[i + 2] = 128;
    }
  }
  return { data, widthPx: w, heightPx: h, channels: 3 };
}

/** SVG of a "scene": a sky/ground backdrop and many coloured shapes placed by `seed`. */
export function sceneSvg(seed: number, w = W, h = H): string {
  const next = rng(seed);
  const colour = () => `rgb(${Math.floor(next() * 256)},${Math.floor(next() * 256)},${Math.floor(next() * 256)})`;
  const shapes: string[] = [];
  for (let i = 0; i < 60; i++) {
    const x = next() * w,
      y = next() * h,
      s = 4 + next() * (w / 8);
    shapes.push(
      next() < 0.5
        ? `<rect x="${x}" y="${y}" width="${s}" height="${s * (0.3 + next())}" fill="${colour()}"/>`
        : `<circle cx="${x}" cy="${y}" r="${s / 2}" fill="${colour()}"/>`,
    );
  }
  for (let i = 0; i < 30; i++) {
    shapes.push(
      `<line x1="${next() * w}" y1="${next() * h}" x2="${next() * w}" y2="${next() * h}" stroke="${colour()}" stroke-width="${1 + next() * 3}"/>`,
    );
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">` +
    `<rect width="${w}" height="${h / 2}" fill="${colour()}"/><rect y="${h / 2}" width="${w}" height="${h / 2}" fill="${colour()}"/>` +
    `${shapes.join('')}</svg>`
  );
}

/** A detailed frame: shapes plus mild grain (so it is not perfectly flat between edges). */
export async function detailed(seed: number, w = W, h = H): Promise<RawPixels> {
  const raw = await toRaw(sharp(Buffer.from(sceneSvg(seed, w, h))));
  const next = rng(seed ^ 0x9e3779b9);
  const data = new Uint8Array(raw.data);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, (data[i] as number) + Math.round((next() - 0.5) * 12)));
  return { ...raw, data };
}

export async function encoded(raw: RawPixels, format: 'png' | 'jpeg' = 'jpeg'): Promise<Buffer> {
  const img = sharp(raw.data, { raw: { width: raw.widthPx, height: raw.heightPx, channels: raw.channels } });
  return format === 'png' ? img.png().toBuffer() : img.jpeg({ quality: 90 }).toBuffer();
}

function fromRaw(raw: RawPixels): Sharp {
  return sharp(raw.data, { raw: { width: raw.widthPx, height: raw.heightPx, channels: raw.channels } });
}

export async function blurred(raw: RawPixels, sigma: number): Promise<RawPixels> {
  return toRaw(fromRaw(raw).blur(sigma));
}

/** Horizontal motion blur: a 1 × `lengthPx` box (sharp wants ≥ 3 rows, so the others are 0). */
export async function motionBlurred(raw: RawPixels, lengthPx: number): Promise<RawPixels> {
  const kernel = new Array<number>(lengthPx * 3).fill(0).map((_, i) => (i >= lengthPx && i < 2 * lengthPx ? 1 : 0));
  return toRaw(fromRaw(raw).convolve({ width: lengthPx, height: 3, kernel }));
}

/** The frame faded towards black: every channel multiplied by `gain` (0–1). */
export async function faded(raw: RawPixels, gain: number): Promise<RawPixels> {
  return toRaw(fromRaw(raw).linear(gain, 0));
}

/** Per-pixel blend a·α + b·(1 − α), as a cross-dissolve produces. */
export function blend(a: RawPixels, b: RawPixels, alpha: number): RawPixels {
  const data = new Uint8Array(a.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(alpha * (a.data[i] as number) + (1 - alpha) * (b.data[i] as number));
  return { ...a, data };
}

/**
 * Rolling credits stand-in: rows of white "glyphs" (small rectangles with word gaps) on black.
 * Rectangles rather than SVG text so the fixture does not depend on installed fonts.
 */
export async function creditsFrame(seed: number, w = W, h = H): Promise<RawPixels> {
  const next = rng(seed);
  const glyphs: string[] = [];
  const lineHeight = 9,
    leading = 12;
  for (let top = 20; top + lineHeight < h - 20; top += lineHeight + leading) {
    let x = w * (0.2 + next() * 0.1);
    const end = w * (0.7 + next() * 0.1);
    while (x < end) {
      const gw = 2 + Math.floor(next() * 4);
      glyphs.push(`<rect x="${x.toFixed(0)}" y="${top}" width="${gw}" height="${lineHeight}" fill="#fff"/>`);
      x += gw + 2 + (next() < 0.15 ? 6 : 0);
    }
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="${w}" height="${h}" fill="#000"/>${glyphs.join('')}</svg>`;
  return toRaw(sharp(Buffer.from(svg)));
}

/** Slightly altered copy: brightness nudged and a small patch changed, as re-encoding or a
 *  nearby frame of a still shot would. */
export function nudged(raw: RawPixels, delta: number): RawPixels {
  const data = new Uint8Array(raw.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, (raw.data[i] as number) + delta));
  return { ...raw, data };
}
