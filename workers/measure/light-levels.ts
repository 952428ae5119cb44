/**
 * HDR10 light levels (MaxCLL, mastering display peak) of a PQ master whose container does not
 * state them: HEVC carries them in SEI messages, which ffprobe's stream description does not
 * show, but the decoder attaches them to the first frame. They set the tone mapping's peak
 * (`ffmpeg/tone-map.ts`): a 4,000-nit grade mapped as 1,000 nits would clip its highlights.
 */
import { masterInputOptions } from '../../ffmpeg/master-input.ts';
import { FfmpegExitError } from '../../ffmpeg/errors.ts';
import { runProbe } from '../../ffmpeg/run.ts';
import { dynamicRangeOf, lightLevelsOf, type RawLightLevels, type VideoColour } from '../../ffmpeg/video-colour.ts';

/** The light levels of ffprobe's `-show_frames -show_entries frame=side_data_list -of json` output, from its first frame. */
export function parseFrameLightLevels(json: string): Pick<VideoColour, 'maxCllNits' | 'masteringPeakNits'> {
  let parsed: { frames?: { side_data_list?: RawLightLevels[] }[] };
  try {
    parsed = JSON.parse(json) as typeof parsed;
  } catch {
    return {};
  }
  return lightLevelsOf(parsed.frames?.[0]?.side_data_list ?? []);
}

/**
 * The colour with the first frame's light levels added, for a PQ master that states none;
 * any other colour as it is. Like the black bars, a read that fails leaves the default peak.
 */
export async function withFrameLightLevels(
  location: string,
  colour: VideoColour | undefined,
  signal?: AbortSignal,
): Promise<VideoColour | undefined> {
  if (
    colour === undefined ||
    dynamicRangeOf(colour) !== 'pq' ||
    colour.maxCllNits !== undefined ||
    colour.masteringPeakNits !== undefined
  ) {
    return colour;
  }
  try {
    const { stdout } = await runProbe(
      [
        '-v',
        'error',
        '-select_streams',
        'v:0',
        '-read_intervals',
        '%+#1',
        '-show_frames',
        '-show_entries',
        'frame=side_data_list',
        '-of',
        'json',
        ...masterInputOptions(location),
        location,
      ],
      signal === undefined ? {} : { signal },
    );
    return { ...colour, ...parseFrameLightLevels(stdout) };
  } catch (err) {
    if (err instanceof FfmpegExitError && err.exitCode !== null) return colour;
    throw err;
  }
}
