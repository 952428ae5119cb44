import { describe, expect, it } from 'vitest';
import {
  APPLE_PEAK_RATIO,
  DEFAULT_ENCODE_SETTINGS,
  InvalidSettingsError,
  validateEncodeSettings,
  type EncodeSettings,
} from '../../../ffmpeg/encode-settings.ts';

const withField = (patch: Record<string, unknown>): EncodeSettings => ({ ...DEFAULT_ENCODE_SETTINGS, ...patch }) as EncodeSettings;

describe('the default VBV', () => {
  it("lets one segment spend up to Apple's peak of twice the average, and no more", () => {
    const { bufsizeRatio, maxrateRatio, segmentS } = DEFAULT_ENCODE_SETTINGS;
    // Most a stretch of t seconds may spend, in seconds of the average rate: bufsize + maxrate × t.
    expect((bufsizeRatio + maxrateRatio * segmentS) / segmentS).toBeCloseTo(APPLE_PEAK_RATIO, 12);
  });
});

describe('validateEncodeSettings', () => {
  it('accepts and returns the defaults unchanged', () => {
    expect(validateEncodeSettings(DEFAULT_ENCODE_SETTINGS)).toBe(DEFAULT_ENCODE_SETTINGS);
  });

  it.each([
    [
      { preset: 'turbo' },
      'Expected `preset` to be one of ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, veryslow, got turbo',
    ],
    [{ segmentS: 0 }, 'Expected `segmentS` to be a finite number > 0, got 0'],
    [{ segmentS: Number.POSITIVE_INFINITY }, 'Expected `segmentS` to be a finite number > 0, got Infinity'],
    [{ gopS: -2 }, 'Expected `gopS` to be a finite number > 0, got -2'],
    [{ audioBitrateKbps: Number.NaN }, 'Expected `audioBitrateKbps` to be a finite number > 0, got NaN'],
    [{ maxrateRatio: 0.8 }, 'Expected `maxrateRatio` to be a finite number > 0.999, got 0.8'],
    [{ bufsizeRatio: 0 }, 'Expected `bufsizeRatio` to be a finite number > 0, got 0'],
    [{ chunkSegments: 2.5 }, 'Expected `chunkSegments` to be an integer >= 1, got 2.5'],
    [{ chunkSegments: 0 }, 'Expected `chunkSegments` to be an integer >= 1, got 0'],
    [{ gopS: 4 }, 'Expected `gopS` to divide `segmentS` (6), got 4'],
    [{ gopS: 12 }, 'Expected `gopS` to divide `segmentS` (6), got 12'],
  ])('rejects %o naming the field and the value', (patch, message) => {
    const run = (): EncodeSettings => validateEncodeSettings(withField(patch));
    expect(run).toThrow(InvalidSettingsError);
    expect(run).toThrow(message);
  });

  it('carries the stable code VF_INVALID_SETTINGS', () => {
    expect(() => validateEncodeSettings(withField({ segmentS: -1 }))).toThrow(
      expect.objectContaining({ code: 'VF_INVALID_SETTINGS', name: 'InvalidSettingsError' }),
    );
  });

  it('accepts a gopS that divides segmentS exactly (6 / 1.5 = 4)', () => {
    expect(validateEncodeSettings(withField({ gopS: 1.5 })).gopS).toBe(1.5);
  });
});
