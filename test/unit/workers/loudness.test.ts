import { describe, expect, it } from 'vitest';
import { isMeasurable, parseLoudnorm } from '../../../workers/measure/loudness.ts';
import { languageOf } from '../../../packaging/language.ts';

// What ffmpeg 5.1's loudnorm prints as it closes (a first pass over a 5 s tone with noise).
const FIRST_PASS = `size=N/A time=00:00:05.02 bitrate=N/A speed=9.45x
[Parsed_loudnorm_0 @ 0x55dc3facdfc0]
{
	"input_i" : "-17.35",
	"input_tp" : "-15.60",
	"input_lra" : "0.00",
	"input_thresh" : "-27.35",
	"output_i" : "-23.01",
	"output_tp" : "-21.26",
	"output_lra" : "0.10",
	"output_thresh" : "-33.01",
	"normalization_type" : "dynamic",
	"target_offset" : "0.01"
}
`;

describe('parseLoudnorm', () => {
  it('reads the input and output figures of the last block', () => {
    expect(parseLoudnorm(`{"input_i": "-1"}\n${FIRST_PASS}`)).toEqual({
      input: { integratedLufs: -17.35, truePeakDbtp: -15.6, lraLu: 0, thresholdLufs: -27.35, offsetLu: 0.01 },
      outputLufs: -23.01,
      outputTruePeakDbtp: -21.26,
      normalization: 'dynamic',
    });
  });

  it('reads digital silence as -Infinity, which cannot drive a second pass', () => {
    const silent = parseLoudnorm(FIRST_PASS.replace('"-17.35"', '"-inf"').replace('"-15.60"', '"-inf"'));
    expect(silent.input.integratedLufs).toBe(Number.NEGATIVE_INFINITY);
    expect(isMeasurable(silent.input)).toBe(false);
    expect(isMeasurable(parseLoudnorm(FIRST_PASS).input)).toBe(true);
  });

  it('names what is missing', () => {
    expect(() => parseLoudnorm('no json here')).toThrow(/printed no measurement/);
    expect(() => parseLoudnorm('{"input_i": "-20"}')).toThrow(/has no input_tp/);
    expect(() => parseLoudnorm('{ not json }')).toThrow(/not JSON/);
  });
});

describe('languageOf', () => {
  it.each([
    ['eng', 'en', 'English'],
    ['fre', 'fr', 'French'],
    ['ger', 'de', 'German'],
    ['pt_BR', 'pt-BR', 'Brazilian Portuguese'],
  ])('%s is %s (%s)', (raw, tag, displayName) => {
    expect(languageOf(raw)).toEqual({ tag, displayName });
  });

  it('keeps und for no tag and for tags that say "undetermined"', () => {
    expect(languageOf(undefined)).toEqual({ tag: 'und' });
    expect(languageOf('und')).toEqual({ tag: 'und' });
  });

  it('turns tags nobody knows into und and says why', () => {
    expect(languageOf('xyz')).toEqual({ tag: 'und', unknown: '"xyz" names no known language' });
    expect(languageOf('!!')).toEqual({ tag: 'und', unknown: '"!!" is not a language tag' });
  });
});
