import { describe, expect, it } from 'vitest';
import { DEFAULT_ENCODE_SETTINGS } from '../../../ffmpeg/encode-settings.ts';
import { titleChunkPlan, type Chunk } from '../../../pipeline/chunks.ts';
import type { PackageJobData } from '../../../pipeline/types.ts';
import { titleChunks } from '../../../workers/jobs/package-chunks.ts';

/** The fields `titleChunks` reads of a package job's data. */
const data = (fields: Pick<PackageJobData, 'videoExtentS' | 'chunkCount'> & { chunks?: readonly Chunk[] }): PackageJobData =>
  ({ ...fields, timeline: { frameRate: { num: 10, den: 1 } }, settings: DEFAULT_ENCODE_SETTINGS }) as unknown as PackageJobData;

describe('titleChunks', () => {
  // A worker of another release may package the title: it must join the chunks that were encoded,
  // not the ones its own planner would make (79.5 s on two slots: whole segments 24/24/18/13.5 s
  // under the older planner, 24/24/16/15.5 s under this one).
  it('joins the chunks the encode was planned as, whatever the planner of the worker that packages', () => {
    const planned: Chunk[] = [
      { index: 0, startFrame: 0, endFrame: 240, firstSegment: 0 },
      { index: 1, startFrame: 240, endFrame: 480, firstSegment: 4 },
      { index: 2, startFrame: 480, endFrame: 660, firstSegment: 8 },
      { index: 3, startFrame: 660, endFrame: undefined, firstSegment: 11 },
    ];
    expect(titleChunkPlan(79.5, { num: 10, den: 1 }, DEFAULT_ENCODE_SETTINGS)).not.toEqual(planned);
    expect(titleChunks(data({ videoExtentS: 79.5, chunkCount: 4, chunks: planned }))).toEqual(planned);
  });

  it('plans the chunks again for a job queued without them, and refuses a plan of another count', () => {
    expect(titleChunks(data({ videoExtentS: 79.5, chunkCount: 4 }))).toEqual(
      titleChunkPlan(79.5, { num: 10, den: 1 }, DEFAULT_ENCODE_SETTINGS),
    );
    expect(() => titleChunks(data({ videoExtentS: 79.5, chunkCount: 3 }))).toThrow(/re-planned 4 chunks where the title has 3/);
  });
});
