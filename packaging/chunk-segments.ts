/**
 * A rung's CMAF segments come from its chunks: each chunk job cuts its own stretch into the
 * title's segments (numbered from the chunk's first segment, timestamps in title time) and
 * records what it published; packaging joins the records into tracks. Pure: what the chunk
 * jobs wrote and what the bucket holds come in as arguments.
 */
import type { Segment } from './model.ts';
import { SEGMENT_FILE_NAME, segmentFileName } from '../ffmpeg/args.ts';

/** What one chunk job published for one rung: its init segment and its media segments, in order (none for a chunk without frames). */
export interface ChunkRungSegments {
  /** The init segment ffmpeg wrote for the chunk, base64: every chunk of a rung must agree on its codec setup. */
  readonly init: string;
  readonly segments: readonly { readonly name: string; readonly durationS: number }[];
}

/** The record a chunk job writes after its segments are stored. */
export interface ChunkSegments {
  readonly chunk: number;
  readonly rungs: readonly ChunkRungSegments[];
}

/** A chunk's segments that disagree with the title's plan or with its other chunks: packaging them would publish a broken rung. */
export class ChunkSegmentsError extends Error {
  readonly code = 'VF_CHUNK_SEGMENTS';
}

/** A record read back from storage, checked field by field. */
export function parseChunkSegments(raw: unknown): ChunkSegments {
  const bad = (what: string): never => {
    throw new ChunkSegmentsError(`chunk segments record: ${what}`);
  };
  if (typeof raw !== 'object' || raw === null) return bad('not an object');
  const r = raw as { chunk?: unknown; rungs?: unknown };
  if (!Number.isInteger(r.chunk) || (r.chunk as number) < 0) return bad('chunk is not an index');
  if (!Array.isArray(r.rungs)) return bad('rungs is not a list');
  const rungs = r.rungs.map((rung: unknown, i): ChunkRungSegments => {
    const { init, segments } = (rung ?? {}) as { init?: unknown; segments?: unknown };
    if (!Array.isArray(segments)) return bad(`rung ${i} has no segment list`);
    // The last chunk of a title whose sound outlasts its picture can hold no frame: no init, no segments.
    if (typeof init !== 'string' || (init === '') !== (segments.length === 0))
      return bad(`rung ${i} has segments without an init segment or the reverse`);
    return {
      init,
      segments: segments.map((s: unknown, j) => {
        const { name, durationS } = (s ?? {}) as { name?: unknown; durationS?: unknown };
        if (typeof name !== 'string' || !SEGMENT_FILE_NAME.test(name)) return bad(`rung ${i} segment ${j} has no valid name`);
        if (typeof durationS !== 'number' || !(durationS > 0)) return bad(`rung ${i} segment ${j} has no duration`);
        return { name, durationS };
      }),
    };
  });
  return { chunk: r.chunk as number, rungs };
}

/** The payload of the first box of `type` in `data`, if any (a flat search: the codec setup boxes are unique in an init segment). */
function boxPayload(data: Buffer, type: string): Buffer | undefined {
  const at = data.indexOf(type, 4, 'latin1');
  if (at < 4) return undefined;
  const size = data.readUInt32BE(at - 4);
  return size < 8 || at - 4 + size > data.length ? undefined : data.subarray(at + 4, at - 4 + size);
}

/**
 * What a player sets its decoder up from: the sample entry's codec configuration, the track's
 * timescale and its edit list. Chunk inits differ in nothing else (a chunk cut by stream copy
 * from an MP4 also carries its own bitrate, `btrt`; one encoded straight to segments carries
 * none), so the first chunk's init serves the whole rung.
 */
function codecSetup(init: Buffer): string {
  return ['avcC', 'mdhd', 'elst'].map((t) => boxPayload(init, t)?.toString('hex') ?? '-').join('/');
}

/** One rung joined from its chunks: the first chunk's init and every segment in order, with its stored size. */
export interface JoinedRung {
  readonly init: Buffer;
  readonly segments: readonly Segment[];
}

export interface JoinInput {
  /** The title's chunks, in order: where each one's segments start. */
  readonly chunks: readonly { readonly index: number; readonly firstSegment: number }[];
  readonly rungCount: number;
  /** The records found, by chunk index. */
  readonly records: ReadonlyMap<number, ChunkSegments>;
  /** Stored sizes of the rungs' segments, by `v<rung>/<name>` under the output prefix. */
  readonly storedBytes: ReadonlyMap<string, number>;
}

/**
 * Joins the chunks' records into one segment list per rung. A chunk without its record, or
 * with a segment the bucket does not hold, is `missing` (encoded again, then joined again). A
 * chunk whose segments are not the title's next ones, or whose codec setup differs from the
 * first chunk's, is a {@link ChunkSegmentsError}: its segments would overwrite another chunk's
 * or fail to decode after a switch.
 */
export function joinChunkSegments(input: JoinInput): { missing: number[] } | { rungs: JoinedRung[] } {
  const missing = input.chunks
    .filter((c) => {
      const record = input.records.get(c.index);
      return (
        record === undefined ||
        record.rungs.length !== input.rungCount ||
        record.rungs.some((r, i) => r.segments.some((s) => !input.storedBytes.has(`v${i}/${s.name}`)))
      );
    })
    .map((c) => c.index);
  if (missing.length > 0) return { missing };
  const rungs = Array.from({ length: input.rungCount }, (_, i): JoinedRung => {
    const segments: Segment[] = [];
    let init: Buffer | undefined;
    for (const [k, c] of input.chunks.entries()) {
      const rung = input.records.get(c.index)?.rungs[i];
      if (rung === undefined) throw new ChunkSegmentsError(`chunk ${c.index} has no rung ${i}`);
      const next = input.chunks[k + 1]?.firstSegment;
      const count = next === undefined ? rung.segments.length : next - c.firstSegment;
      const expected = Array.from({ length: count }, (_, n) => segmentFileName(c.firstSegment + n));
      const names = rung.segments.map((s) => s.name);
      if (names.join() !== expected.join())
        throw new ChunkSegmentsError(
          `chunk ${c.index} of rung ${i} holds ${names.join(', ')} where the title expects ${expected.join(', ')}`,
        );
      if (rung.segments.length === 0) continue;
      const own = Buffer.from(rung.init, 'base64');
      if (init === undefined) init = own;
      else if (codecSetup(own) !== codecSetup(init))
        throw new ChunkSegmentsError(
          `chunk ${c.index} of rung ${i} was encoded with another codec setup than chunk ${input.chunks[0]?.index}`,
        );
      for (const s of rung.segments)
        segments.push({ name: s.name, durationS: s.durationS, bytes: input.storedBytes.get(`v${i}/${s.name}`) ?? 0 });
    }
    if (init === undefined) throw new ChunkSegmentsError(`rung ${i} has no chunks`);
    return { init, segments };
  });
  return { rungs };
}
