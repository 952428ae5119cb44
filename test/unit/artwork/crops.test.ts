import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CropSet } from '../../../artwork/crops.ts';
import { renderCrops, resolveCropOptions } from '../../../artwork/crops.ts';
import { InvalidArtworkOptionError, UndecodableImageError } from '../../../artwork/errors.ts';
import { detailed, encoded } from './images.ts';

// Small widths keep AVIF encoding fast on shared cores; production defaults are larger.
const WIDTHS = { hero: [320, 160], poster: [200, 100], tile: [256, 128] } as const;

describe('renderCrops', () => {
  let crops: readonly CropSet[];
  beforeAll(async () => {
    // A 16:9 frame whose size is not a multiple of everything (642×362) to exercise rounding.
    const frame = await encoded(await detailed(41, 642, 362), 'png');
    crops = await renderCrops(frame, { widthsPx: WIDTHS, avifEffort: 0 });
  });

  it('renders hero, poster and tile', () => {
    expect(crops.map((c) => [c.shape, c.aspect])).toEqual([
      ['hero', '16:9'],
      ['poster', '2:3'],
      ['tile', '1:1'],
    ]);
  });

  it('gives every rendition the exact aspect ratio, verified by decoding it', async () => {
    const ratios = { hero: 16 / 9, poster: 2 / 3, tile: 1 } as const;
    for (const set of crops) {
      expect(set.region.widthPx * (set.shape === 'hero' ? 9 : set.shape === 'poster' ? 3 : 1)).toBe(
        set.region.heightPx * (set.shape === 'hero' ? 16 : set.shape === 'poster' ? 2 : 1),
      );
      for (const r of set.renditions) {
        const meta = await sharp(r.data).metadata();
        expect([meta.width, meta.height]).toEqual([r.widthPx, r.heightPx]);
        expect(r.widthPx / r.heightPx).toBe(ratios[set.shape]);
        expect(meta.format).toBe(r.format === 'avif' ? 'heif' : r.format);
      }
    }
  });

  it('encodes AVIF, WebP and JPEG at each width, with content types', () => {
    const hero = crops[0]!;
    expect(hero.renditions.map((r) => `${r.widthPx}/${r.format}/${r.contentType}`)).toEqual([
      '320/avif/image/avif',
      '320/webp/image/webp',
      '320/jpeg/image/jpeg',
      '160/avif/image/avif',
      '160/webp/image/webp',
      '160/jpeg/image/jpeg',
    ]);
  });

  it('uses the largest exact-ratio window inside the frame', () => {
    const [hero, poster, tile] = crops as [CropSet, CropSet, CropSet];
    expect(hero.region).toMatchObject({ widthPx: 640, heightPx: 360 });
    expect(poster.region).toMatchObject({ widthPx: 240, heightPx: 360 });
    expect(tile.region).toMatchObject({ widthPx: 362, heightPx: 362 });
    for (const set of crops) {
      expect(set.region.leftPx + set.region.widthPx).toBeLessThanOrEqual(642);
      expect(set.region.topPx + set.region.heightPx).toBeLessThanOrEqual(362);
    }
  });

  it('skips widths larger than the window instead of upscaling', async () => {
    const frame = await detailed(42, 320, 180);
    const [hero, poster] = await renderCrops(frame, { widthsPx: { hero: [640, 320], poster: [200, 100], tile: [128] }, formats: ['jpeg'] });
    expect(hero!.skippedWidthsPx).toEqual([640]);
    expect(hero!.renditions.map((r) => r.widthPx)).toEqual([320]);
    expect(poster!.skippedWidthsPx).toEqual([200]); // 2:3 window in 320×180 is 120×180
  });

  it('places the window on the salient subject (attention strategy)', async () => {
    // A bright, saturated subject near the right edge of a plain frame: the poster window must
    // include it rather than sit in the centre.
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360"><rect width="640" height="360" fill="#34495e"/>` +
      `<circle cx="560" cy="180" r="50" fill="#f5b7b1"/><circle cx="560" cy="180" r="20" fill="#e74c3c"/></svg>`;
    const [, poster] = await renderCrops(await sharp(Buffer.from(svg)).png().toBuffer(), {
      widthsPx: { poster: [100], hero: [160], tile: [100] },
      formats: ['jpeg'],
    });
    expect(poster!.region.leftPx).toBeGreaterThan(560 - 240 + 50);
    expect(poster!.region.leftPx + poster!.region.widthPx).toBeGreaterThanOrEqual(560 + 50);
  });

  it('rejects widths that cannot give an exact ratio, naming the field', () => {
    expect(() => resolveCropOptions({ widthsPx: { hero: [1000] } })).toThrow(InvalidArtworkOptionError);
    expect(() => resolveCropOptions({ widthsPx: { poster: [301] } })).toThrow(/`widthsPx\.poster`.*multiples of 2, got \[301\]/);
    expect(() => resolveCropOptions({ quality: { avif: 0 } })).toThrow('Expected `quality.avif` to be an integer from 1 to 100, got 0');
    expect(() => resolveCropOptions({ webpEffort: 7 })).toThrow('Expected `webpEffort` to be an integer from 0 to 6, got 7');
    expect(() => resolveCropOptions({ avifChromaSubsampling: '4:2:2' as never })).toThrow(
      'Expected `avifChromaSubsampling` to be "4:2:0" or "4:4:4", got',
    );
    expect(resolveCropOptions({})).toMatchObject({ webpEffort: 4, avifChromaSubsampling: '4:4:4', mozjpeg: true });
  });

  it('throws a typed error for an image it cannot read', async () => {
    await expect(renderCrops(Buffer.from('garbage'))).rejects.toBeInstanceOf(UndecodableImageError);
  });
});
