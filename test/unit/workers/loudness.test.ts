import { describe, expect, it } from 'vitest';
import { afterGain, parseEbur128, parseLoudnorm, planNormalisation } from '../../../workers/measure/loudness.ts';
import { languageOf } from '../../../packaging/language.ts';

// What ffmpeg 5.1's ebur128 prints as it closes (a 60 s tone downmixed from 5.1).
const SUMMARY = `[Parsed_ebur128_1 @ 0x55c10cece5c0] Summary:

  Integrated loudness:
    I:         -14.2 LUFS
    Threshold: -24.2 LUFS

  Loudness range:
    LRA:         3.5 LU
    Threshold: -34.2 LUFS
    LRA low:   -14.2 LUFS
    LRA high:  -14.2 LUFS

  True peak:
    Peak:      -17.9 dBFS
`;

// What loudnorm prints in its dynamic mode as it closes.
const LOUDNORM = `[Parsed_loudnorm_0 @ 0x55dc3facdfc0]
{
	"input_i" : "-30.00",
	"input_tp" : "-2.00",
	"input_lra" : "12.00",
	"input_thresh" : "-40.50",
	"output_i" : "-23.10",
	"output_tp" : "-1.02",
	"output_lra" : "9.80",
	"output_thresh" : "-33.40",
	"normalization_type" : "dynamic",
	"target_offset" : "0.10"
}
`;

const target = { integratedLufs: -23, truePeakDbtp: -1 };

describe('parseEbur128', () => {
  it('reads integrated loudness and its gate, range and true peak from the last summary', () => {
    expect(parseEbur128(`Summary: I: -1 LUFS\n${SUMMARY}`)).toEqual({
      integratedLufs: -14.2,
      thresholdLufs: -24.2,
      lraLu: 3.5,
      truePeakDbtp: -17.9,
    });
  });

  it('reads digital silence as -Infinity', () => {
    const silent = parseEbur128(
      SUMMARY.replace('-14.2 LUFS\n    Threshold: -24.2', '-70.0 LUFS\n    Threshold: -70.0').replace('-17.9 dBFS', '-inf dBFS'),
    );
    expect(silent.truePeakDbtp).toBe(Number.NEGATIVE_INFINITY);
    expect(planNormalisation(silent, target)).toEqual({ kind: 'none' });
  });

  it('names what is missing', () => {
    expect(() => parseEbur128('no summary')).toThrow(/printed no summary/);
    expect(() => parseEbur128('Summary:\n  Integrated loudness:\n    I: -20.0 LUFS\n')).toThrow(/has no integrated loudness/);
  });
});

describe('planNormalisation', () => {
  it("is one gain when the true peak stays under the limit (loudnorm's linear rule)", () => {
    expect(planNormalisation({ integratedLufs: -14.2, thresholdLufs: -24.2, lraLu: 3.5, truePeakDbtp: -17.9 }, target)).toEqual({
      kind: 'gain',
      gainDb: -23 - -14.2,
    });
  });

  it('is loudnorm dynamic when the gain would push the true peak over the limit', () => {
    const quiet = { integratedLufs: -30, thresholdLufs: -40.5, lraLu: 12, truePeakDbtp: -2 };
    expect(planNormalisation(quiet, target)).toEqual({ kind: 'loudnorm', measured: quiet });
  });

  it('moves loudness and peak by exactly the gain', () => {
    const m = { integratedLufs: -18, thresholdLufs: -28, lraLu: 5, truePeakDbtp: -6 };
    expect(afterGain(m, -5)).toEqual({ input: m, outputLufs: -23, outputTruePeakDbtp: -11, normalization: 'linear' });
  });
});

describe('parseLoudnorm', () => {
  it('reads the output figures and the mode loudnorm ended in', () => {
    expect(parseLoudnorm(`{"output_i": "1"}\n${LOUDNORM}`)).toEqual({
      outputLufs: -23.1,
      outputTruePeakDbtp: -1.02,
      normalization: 'dynamic',
    });
  });

  it('names what is missing', () => {
    expect(() => parseLoudnorm('no json here')).toThrow(/printed no measurement/);
    expect(() => parseLoudnorm('{"output_i": "-20"}')).toThrow(/has no output_tp/);
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
