import { describe, expect, it } from 'vitest';
import { parseFrameLightLevels } from '../../../workers/measure/light-levels.ts';

/** ffprobe's first frame of an x265 HDR10 encode (`master-display=...L(40000000,50):max-cll=1000,400`), SEI attached by the decoder. */
const X265_FIRST_FRAME = JSON.stringify({
  frames: [
    {
      side_data_list: [
        {
          side_data_type: 'Mastering display metadata',
          red_x: '34000/50000',
          white_point_y: '16450/50000',
          min_luminance: '50/10000',
          max_luminance: '40000000/10000',
        },
        { side_data_type: 'Content light level metadata', max_content: 1000, max_average: 400 },
        { side_data_type: 'H.26[45] User Data Unregistered SEI message' },
      ],
    },
  ],
});

describe('parseFrameLightLevels', () => {
  it('reads MaxCLL and the mastering peak of the first frame (HEVC SEI)', () => {
    expect(parseFrameLightLevels(X265_FIRST_FRAME)).toEqual({ maxCllNits: 1000, masteringPeakNits: 4000 });
  });

  it('nothing stated: a frame without side data, no frame, or output that is not JSON', () => {
    expect(parseFrameLightLevels(JSON.stringify({ frames: [{}] }))).toEqual({});
    expect(parseFrameLightLevels('{}')).toEqual({});
    expect(parseFrameLightLevels('not json')).toEqual({});
  });
});
