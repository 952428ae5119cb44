import path from 'node:path';
import { downloadToFile, mapLimit } from '../../storage/transfer.ts';
import type { AudioTrack } from '../../packaging/model.ts';
import type { AudioFormat } from '../../ffmpeg/audio-args.ts';
import type { AudioResult, EncodedRendition } from './encode-audio.ts';
import { mdhdTimescale } from '../../packaging/boxes.ts';
import { hlsMediaPlaylist } from '../../packaging/hls.ts';
import { audioKey, type PackageJobData } from '../../pipeline/types.ts';
import type { WorkerDeps } from './context.ts';
import type { RenditionLoudness, TitleWarning } from '../../titles/model.ts';
import { publishTrackFiles, segment } from './package-media.ts';

/** Codec strings of the audio formats vodforge encodes (RFC 6381; `ac-3` as ETSI TS 102 366 Annex F registers it). */
const AUDIO_CODECS: Record<AudioFormat['codec'], string> = { aac: 'mp4a.40.2', ac3: 'ac-3' };

/** Segments and publishes every audio rendition whose stream was encoded. */
export async function packageAudio(
  deps: WorkerDeps,
  d: PackageJobData,
  encoded: ReadonlySet<string>,
  dir: string,
  signal: AbortSignal,
): Promise<AudioTrack[]> {
  const plans = d.audio.flatMap((t) => t.renditions.filter((r) => encoded.has(r.id)).map((r) => ({ track: t, r })));
  return mapLimit(plans, 2, async ({ track, r }) => {
    const file = path.join(dir, `${r.id}.m4a`);
    await downloadToFile(deps.store, audioKey(d.tracks, r.id), file);
    const [s] = await segment([file], { dirs: [path.join(dir, r.id)], segmentS: d.settings.segmentS }, signal);
    if (s === undefined) throw new Error(`audio rendition ${r.id} was not segmented`);
    const a: AudioTrack = {
      kind: 'audio',
      dir: r.id,
      initName: 'init.mp4',
      segments: s.segments,
      timescale: mdhdTimescale(s.init),
      codecs: AUDIO_CODECS[r.format.codec],
      initBytes: s.init.length,
      channels: r.format.channels,
      sampleRateHz: 48_000,
      streamIndex: track.streamIndex,
      language: r.language,
      name: r.name,
      isDefault: r.isDefault,
    };
    await publishTrackFiles(deps, s.dir, `${d.layout.outputPrefix}${a.dir}/`, hlsMediaPlaylist(a));
    return a;
  });
}

/** What the `encode-audio` children returned: renditions with their loudness, and the streams that failed or were damaged. */
export function audioOutcome(children: readonly unknown[]): {
  loudness: Map<string, EncodedRendition>;
  failures: TitleWarning[];
} {
  const results = children.filter((v): v is AudioResult => typeof v === 'object' && v !== null && 'streamIndex' in v);
  const loudness = new Map(results.flatMap((r) => ('renditions' in r ? r.renditions.map((x) => [x.id, x] as const) : [])));
  const failures = results.flatMap((r): TitleWarning[] => {
    if ('failed' in r) return [{ code: 'VF_AUDIO_TRACK_FAILED', message: r.failed }];
    if (r.decodeErrors === undefined) return [];
    return [
      {
        code: 'VF_AUDIO_DECODE_ERRORS',
        message:
          `audio stream ${r.streamIndex}: ${r.decodeErrors} packet(s) did not decode (a damaged master): ` +
          'the time the master gives them is silence in every rendition, so the sound stays in step with the picture',
      },
    ];
  });
  return { loudness, failures };
}

/**
 * What the title should say about its loudness: renditions left at their own level (silence),
 * and renditions loudnorm's limiter kept more than 1 LU (EBU R128's tolerance for live
 * programmes) from the target, rather than clip their peaks.
 */
export function loudnessWarnings(loudness: ReadonlyMap<string, EncodedRendition>, targetLufs: number): TitleWarning[] {
  return [...loudness.values()].flatMap((e): TitleWarning[] => {
    if (e.notNormalised !== undefined) return [{ code: 'VF_AUDIO_NOT_NORMALISED', message: `${e.id}: ${e.notNormalised}` }];
    const out = e.loudness?.outputLufs;
    if (out === undefined || Math.abs(out - targetLufs) <= 1) return [];
    return [
      {
        code: 'VF_LOUDNESS_OFF_TARGET',
        message: `${e.id}: ${out.toFixed(1)} LUFS against a target of ${targetLufs} (the source's peaks allowed no more without clipping)`,
      },
    ];
  });
}

export function loudnessOf(e: EncodedRendition | undefined): RenditionLoudness | undefined {
  const l = e?.loudness;
  if (l === undefined) return undefined;
  return {
    inputLufs: l.input.integratedLufs,
    inputTruePeakDbtp: l.input.truePeakDbtp,
    inputLraLu: l.input.lraLu,
    outputLufs: l.outputLufs,
    outputTruePeakDbtp: l.outputTruePeakDbtp,
    normalization: l.normalization,
  };
}
