import { describe, expect, it } from 'vitest';
import { decoderComplaint } from '../../../ffmpeg/errors.ts';

/** What ffmpeg 5.1 wrote at `-loglevel error` for an H.264 master damaged halfway through. */
const DAMAGED = [
  '[h264 @ 0x55c107eac2c0] P sub_mb_type 5 out of range at 61 0',
  '[h264 @ 0x55c107eac2c0] error while decoding MB 61 0',
  'Error while decoding stream #0:0: Invalid data found when processing input',
  '[h264 @ 0x55c107ea5000] deblocking_filter_idc 8 out of range',
].join('\n');

describe('decoderComplaint', () => {
  it("names the decoder and its first complaint, without the context's address", () => {
    expect(decoderComplaint(DAMAGED)).toBe('h264: P sub_mb_type 5 out of range at 61 0');
  });

  it('skips ffmpeg lines of its own before the decoder speaks', () => {
    expect(decoderComplaint(`Error while decoding stream #0:0: Invalid data\n${DAMAGED}`)).toBe(
      'h264: P sub_mb_type 5 out of range at 61 0',
    );
  });

  it("prefers the decoder's words to its parser's, which stand in when they are all there is", () => {
    const parser = '[NULL @ 0x55c107e7fe40] missing picture in access unit with size 12829';
    expect(decoderComplaint(`${parser}\n${DAMAGED}`)).toBe('h264: P sub_mb_type 5 out of range at 61 0');
    expect(decoderComplaint(`${parser}\nError while decoding stream #0:0: Invalid data`)).toBe(
      'parser: missing picture in access unit with size 12829',
    );
  });

  it('is undefined when no decoder said anything', () => {
    expect(decoderComplaint('Error while decoding stream #0:0: Invalid data found when processing input\n')).toBeUndefined();
    expect(decoderComplaint('')).toBeUndefined();
  });
});
