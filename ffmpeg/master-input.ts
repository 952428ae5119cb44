/**
 * How ffmpeg and ffprobe may open a master: a master is attacker-controlled bytes, and a bare
 * `-i` lets ffmpeg pick any demuxer and follow any URL inside the file. A "master" that is a
 * DASH manifest with `<BaseURL>file:///…</BaseURL>` was probed as `dash` and decoded a file
 * from outside the storage root; with S3 storage the same manifest makes workers open any
 * http(s) or tcp address (cloud metadata, internal services). So every read of a master names
 * the demuxers it may use (media containers only: no playlists, manifests, concat lists or
 * image sequences, which all open further inputs) and the one protocol its location needs.
 */

/**
 * Demuxers a master may be read with, by ffmpeg's short names (`ffmpeg -demuxers`). Each reads
 * one self-contained file: MP4/MOV (external data references are off by default), Matroska and
 * WebM, MPEG-TS and MPEG-PS, AVI, Ogg, FLV, MXF, ASF/WMV, DV, NUT, raw elementary streams, and
 * Y4M (`yuv4mpegpipe`: uncoded frames, how test sequences and lossless intermediates travel).
 */
export const MASTER_DEMUXERS: readonly string[] = [
  'mov',
  'matroska',
  'webm',
  'mpegts',
  'mpeg',
  'mpegvideo',
  'avi',
  'ogg',
  'flv',
  'mxf',
  'asf',
  'dv',
  'nut',
  'm4v',
  'h264',
  'hevc',
  'ivf',
  'yuv4mpegpipe',
];

/** The protocols a master's location needs, and only those: a local path reads files, a presigned URL speaks http(s). */
export function masterProtocols(location: string): string {
  if (location.startsWith('https://')) return 'https,tls,tcp';
  if (location.startsWith('http://')) return 'http,tcp';
  return 'file';
}

/**
 * Input options that restrict how a master at `location` is opened (they go before its `-i`,
 * or before ffprobe's input). Over http(s), no redirect is followed: the presigned URL names
 * the storage host, and a redirect (from a misbehaving or impersonated endpoint) would take
 * the worker to any other host.
 */
export function masterInputOptions(location: string): string[] {
  const options = ['-format_whitelist', MASTER_DEMUXERS.join(','), '-protocol_whitelist', masterProtocols(location)];
  return masterProtocols(location) === 'file' ? options : [...options, '-max_redirects', '0'];
}

/** `-i` for a master, with {@link masterInputOptions}. */
export function masterInput(location: string): string[] {
  return [...masterInputOptions(location), '-i', location];
}

/**
 * Demuxers that read a list of other inputs rather than media: playlists and manifests (HLS,
 * DASH, IMF), concat lists, image sequences, session descriptions and scripts.
 */
const REFERENCING_DEMUXERS: ReadonlySet<string> = new Set([
  'hls',
  'applehttp',
  'dash',
  'imf',
  'concat',
  'image2',
  'sdp',
  'avisynth',
  'vapoursynth',
]);

const ACCEPTED = 'accepted containers: MP4/MOV, Matroska/WebM, MPEG-TS/PS, AVI, Ogg, FLV, MXF, ASF, DV, NUT, Y4M and raw video streams';

/**
 * Why a master read by `demuxer` (one ffmpeg refused, {@link refusedDemuxer}) is refused. A
 * playlist is named as one; any other container (RealMedia, a game format) is simply not taken,
 * and calling it a playlist sent content ops looking for references the file does not have. Pure.
 */
export function refusalMessage(demuxer: string): string {
  const kind = REFERENCING_DEMUXERS.has(demuxer)
    ? 'a playlist, manifest or list that points at other files, not a media file'
    : 'a container vodforge does not read';
  return `master is a ${demuxer} file (${kind}); ${ACCEPTED}`;
}

/** The demuxer ffmpeg refused because it is not in {@link MASTER_DEMUXERS}, from its stderr. */
export function refusedDemuxer(stderr: string): string | undefined {
  return /\[([a-z0-9_,]+) @ [^\]]*\] Format not on whitelist/.exec(stderr)?.[1];
}
