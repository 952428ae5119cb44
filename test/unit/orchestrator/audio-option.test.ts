import { describe, expect, it } from 'vitest';
import { parseAudioOption } from '../../../orchestrator/cli/audio-option.ts';

describe('vodforge ingest --audio', () => {
  it('reads streams joined with +, then a language and a name', () => {
    expect(parseAudioOption('0+1:en:English')).toEqual({ index: 0, joinWith: [1], language: 'en', name: 'English' });
    expect(parseAudioOption('2:fr-CA')).toEqual({ index: 2, language: 'fr-CA' });
    expect(parseAudioOption('3')).toEqual({ index: 3 });
    expect(parseAudioOption('0+1+2+3+4+5::Surround: the mix')).toEqual({
      index: 0,
      joinWith: [1, 2, 3, 4, 5],
      name: 'Surround: the mix',
    });
  });

  it('reads channels of one stream as stream.channel', () => {
    expect(parseAudioOption('1.0+1.1:en')).toEqual({ index: 1, channels: [0, 1], language: 'en' });
    expect(parseAudioOption('0.3')).toEqual({ index: 0, channels: [3] });
    expect(() => parseAudioOption('0.0+1.1')).toThrow(/whole streams or channels of one stream/);
    expect(() => parseAudioOption('0+0.1')).toThrow(/whole streams or channels of one stream/);
  });

  it('refuses what names no stream, with the form it expects', () => {
    for (const bad of ['', 'en', '0+', '+1', '0,1', '-1', '0.', '0.1.2']) {
      expect(() => parseAudioOption(bad), bad).toThrow(/Expected --audio to be STREAMS\[:LANGUAGE\[:NAME\]\]/);
    }
    // An empty language is no language: the stream's own tag stays.
    expect(parseAudioOption('0+1:')).toEqual({ index: 0, joinWith: [1] });
  });
});
