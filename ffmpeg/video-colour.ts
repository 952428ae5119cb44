/**
 * The master's colour as ffprobe describes it: transfer, primaries, matrix, range and bit depth,
 * and the HDR10 light levels when the master states them. The title records it, and the tone
 * mapping (`tone-map.ts`) is decided from it. Pure: unit-tested on ffprobe's fields.
 *
 * The names are ffprobe's (`av_color_*_name`: `smpte2084`, `arib-std-b67`, `bt2020nc`, ...);
 * ffprobe prints only names from libavutil's tables, but none of them reaches a filter string
 * unchecked: `tone-map.ts` maps them through an allowlist.
 */

/** The parts of an ffprobe stream the colour is read from. */
export interface RawColour {
  readonly color_transfer?: string;
  readonly color_primaries?: string;
  readonly color_space?: string;
  readonly color_range?: string;
  readonly pix_fmt?: string;
  /** A number as a string (`"10"`), or `"N/A"`; absent for some decoders. */
  readonly bits_per_raw_sample?: string | number;
}

/** Stream or frame side data carrying HDR10 light levels, as ffprobe prints it. */
export interface RawLightLevels {
  readonly side_data_type?: string;
  /** Mastering display peak, cd/m², as a rational string (`"10000000/10000"`). */
  readonly max_luminance?: string;
  /** MaxCLL, cd/m²; 0 when unknown. */
  readonly max_content?: number;
}

export interface VideoColour {
  /** ffprobe's `color_transfer`: `bt709`, `smpte2084` (PQ), `arib-std-b67` (HLG), ...; absent when the stream does not say. */
  readonly transfer?: string;
  /** ffprobe's `color_primaries` (`bt709`, `bt2020`, ...); absent when unstated. */
  readonly primaries?: string;
  /** ffprobe's `color_space`, the YCbCr matrix (`bt709`, `bt2020nc`, ...); absent when unstated. */
  readonly matrix?: string;
  /** `tv` (limited) or `pc` (full) range; absent when unstated. */
  readonly range?: 'tv' | 'pc';
  /** Bits per sample of the decoded picture: 8, 10, 12. */
  readonly bitDepth: number;
  /** Brightest pixel of the whole content (MaxCLL), cd/m², when the master states it. */
  readonly maxCllNits?: number;
  /** Peak luminance of the display the master was graded on, cd/m², when stated. */
  readonly masteringPeakNits?: number;
}

/** How the master's code values map to light: SDR (BT.709/BT.1886 and the like), PQ (SMPTE ST 2084) or HLG (ARIB STD-B67). */
export type DynamicRange = 'sdr' | 'pq' | 'hlg';

export function dynamicRangeOf(colour: Pick<VideoColour, 'transfer'> | undefined): DynamicRange {
  if (colour?.transfer === 'smpte2084') return 'pq';
  if (colour?.transfer === 'arib-std-b67') return 'hlg';
  return 'sdr';
}

/** A stated value, or nothing for ffprobe's "does not say" (`unknown`, `unspecified`, `reserved`, empty). */
function stated(v: string | undefined): string | undefined {
  return v === undefined || v === '' || /^(unknown|unspecified|reserved|N\/A)$/i.test(v) ? undefined : v;
}

/** Bit depth from `bits_per_raw_sample`, else from the pixel format's name (`yuv420p10le`, `p010le`), else 8. */
function bitDepthOf(s: RawColour): number {
  const raw = Number(s.bits_per_raw_sample);
  if (Number.isInteger(raw) && raw >= 8 && raw <= 16) return raw;
  const m = /p(\d{1,3})(le|be)$/.exec(s.pix_fmt ?? '');
  const fromName = m === null ? Number.NaN : Number(m[1]);
  return Number.isInteger(fromName) && fromName >= 8 && fromName <= 16 ? fromName : 8;
}

/** The colour ffprobe describes on a stream, with the HDR10 light levels of its side data. */
export function colourOf(stream: RawColour, sideData: readonly RawLightLevels[] = []): VideoColour {
  const transfer = stated(stream.color_transfer);
  const primaries = stated(stream.color_primaries);
  const matrix = stated(stream.color_space);
  const range = stream.color_range === 'tv' || stream.color_range === 'pc' ? stream.color_range : undefined;
  return {
    ...(transfer === undefined ? {} : { transfer }),
    ...(primaries === undefined ? {} : { primaries }),
    ...(matrix === undefined ? {} : { matrix }),
    ...(range === undefined ? {} : { range }),
    bitDepth: bitDepthOf(stream),
    ...lightLevelsOf(sideData),
  };
}

/**
 * MaxCLL and the mastering display's peak from side data (a stream's, from MP4 `clli`/`mdcv`
 * boxes or Matroska, or a frame's, from HEVC SEI). Zero or unreadable values are "not stated".
 */
export function lightLevelsOf(sideData: readonly RawLightLevels[]): Pick<VideoColour, 'maxCllNits' | 'masteringPeakNits'> {
  const cll = sideData.find((d) => d.side_data_type === 'Content light level metadata')?.max_content;
  const mastering = sideData.find((d) => d.side_data_type === 'Mastering display metadata')?.max_luminance;
  const [num, den] = (mastering ?? '').split('/').map(Number);
  const peak = num !== undefined && den !== undefined && den > 0 ? num / den : Number.NaN;
  return {
    ...(typeof cll === 'number' && Number.isFinite(cll) && cll > 0 ? { maxCllNits: cll } : {}),
    ...(Number.isFinite(peak) && peak > 0 ? { masteringPeakNits: peak } : {}),
  };
}
