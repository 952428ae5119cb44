/**
 * The corpus of real masters (test/corpus/manifest.tsv, fetched from Debian packages by
 * scripts/fetch-corpus.sh into a cache outside the clone), and masters derived from them for
 * what real ones lack: fine time bases, B-pyramids, audio that starts before the video, edit
 * lists, variable frame rate, open GOPs in MPEG-TS, and the formats of editing, broadcast and
 * archive (ProRes, DNxHR in MXF, DV, Animation with alpha, HEVC, AV1), display rotation and
 * interlacing.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { runFfmpeg } from '../../ffmpeg/run.ts';

export interface CorpusMaster {
  readonly name: string;
  readonly file: string;
  readonly description: string;
}

const ROOT = path.resolve(import.meta.dirname, '../..');

let fetched: Promise<string> | undefined;

/** Fetches the corpus once per process (a no-op when the cache holds every clip) and lists it. */
export async function realMasters(): Promise<CorpusMaster[]> {
  fetched ??= promisify(execFile)('bash', [path.join(ROOT, 'scripts/fetch-corpus.sh')], { maxBuffer: 1 << 20 }).then((r) =>
    r.stdout.trim(),
  );
  const dir = await fetched;
  const manifest = await readFile(path.join(ROOT, 'test/corpus/manifest.tsv'), 'utf8');
  return manifest
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((line) => {
      const [name = '', , , member = '', , description = ''] = line.split('\t');
      return { name, file: path.join(dir, `${name}${path.extname(member)}`), description };
    });
}

/** A master derived from a real one: what it adds, and the ffmpeg arguments after `-i source`. */
interface Derivation {
  readonly name: string;
  readonly from: string;
  readonly description: string;
  readonly ext: string;
  readonly inputArgs?: readonly string[];
  readonly args: readonly string[];
}

const X264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '16', '-pix_fmt', 'yuv420p'];

/** The source's first picture and sound streams, both kept. */
const PICTURE_AND_SOUND = ['-map', '0:v:0', '-map', '0:a:0'];

/**
 * An HDR grade of an SDR clip, as HDR masters of SDR sources are made: BT.709 read into BT.2020
 * with SDR white at 203 cd/m² (BT.2408), coded in `transfer` as 10-bit HEVC tagged hvc1, as phones
 * and grading suites deliver it.
 */
const hdrGrade = (transfer: 'smpte2084' | 'arib-std-b67', x265Params: string): string[] => [
  ...['-vf', `zscale=tin=bt709:min=bt709:pin=bt709:rin=tv:t=${transfer}:m=bt2020nc:p=bt2020:r=tv:npl=203,format=yuv420p10le`],
  ...['-c:v', 'libx265', '-preset', 'fast', '-crf', '16', '-pix_fmt', 'yuv420p10le', '-tag:v', 'hvc1'],
  ...['-x265-params', `log-level=error${x265Params}`],
  ...['-color_primaries', 'bt2020', '-color_trc', transfer, '-colorspace', 'bt2020nc', '-color_range', 'tv'],
];

/** Sound as uncompressed PCM of `format`, stereo at 48 kHz: what editing and broadcast deliver. */
const pcm = (format: 's16le' | 's24le'): string[] => ['-c:a', `pcm_${format}`, '-ac', '2', '-ar', '48000'];

const DERIVATIONS: readonly Derivation[] = [
  {
    name: 'animation-1us',
    from: 'megamind',
    ext: 'mp4',
    description:
      '3D animation at 23.976 fps on a 1/1000000 time base (frame times not multiples of the frame duration), B-pyramid, no audio',
    args: ['-map', '0:v:0', ...X264, '-x264-params', 'bframes=3:b-pyramid=normal', '-an', '-video_track_timescale', '1000000'],
  },
  {
    name: 'camera-20fps-mp3-led',
    from: 'launch',
    ext: 'mp4',
    description: '720p camera footage at 20 fps with mono MP3 audio starting 0.4 s before the video (an edit list delays the video)',
    inputArgs: ['-itsoffset', '0.4'],
    args: ['-map', '0:v:0', '-map', '1:a:0', '-vf', 'scale=1280:720,fps=20', ...X264, '-c:a', 'libmp3lame', '-ac', '1', '-b:a', '96k'],
  },
  {
    name: 'full-range-vp9',
    from: 'launch',
    ext: 'webm',
    description:
      'full-range (pc) VP9, which decodes as plain yuv420p tagged full range, as a webcam MPEG-4 does, not as yuvj420p like full-range H.264',
    args: [
      '-map',
      '0:v:0',
      '-vf',
      'scale=out_range=pc',
      '-color_range',
      'pc',
      '-c:v',
      'libvpx-vp9',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-b:v',
      '2M',
      '-an',
    ],
  },
  {
    name: 'palette-smc-mov',
    from: 'launch',
    ext: 'mov',
    description: 'a palettized picture (QuickTime Graphics, pal8) with a keyframe every 0.5 s: its palette comes in the first packet only',
    args: ['-map', '0:v:0', '-vf', 'scale=320:180,split[a][b];[a]palettegen[p];[b][p]paletteuse', '-c:v', 'smc', '-g', '12', '-an'],
  },
  {
    name: 'line-doubled-scroll',
    from: 'screen',
    ext: 'webm',
    description:
      "a DOS game's cutscene: a 320x200 picture scrolling a line a frame, each line drawn twice in 640x400, VP8 (idet calls it interlaced)",
    args: [
      ...['-map', '0:v:0', '-t', '10', '-an'],
      ...['-vf', 'scale=320:600,crop=320:200:0:mod(n\\,400),scale=640:400:flags=neighbor,setsar=1'],
      ...['-c:v', 'libvpx', '-b:v', '1M', '-deadline', 'realtime', '-cpu-used', '8'],
    ],
  },
  {
    name: 'one-woven-frame',
    from: 'launch',
    ext: 'mkv',
    description:
      'the rocket launch with one frame woven from two pictures 35 frames apart (a bad edit), lossless FFV1: ' +
      'idet decides 4 frames alone and its multiple-frame count carries one of them over the rest',
    args: [
      ...['-t', '8', '-an', '-filter_complex'],
      '[0:v]split=3[a][b][c];[a]trim=end_frame=5,setpts=PTS-STARTPTS[h];' +
        "[b]select='eq(n\\,5)+eq(n\\,40)',tinterlace=mode=interleave_top,setpts=PTS-STARTPTS[k];" +
        '[c]trim=start_frame=6,setpts=PTS-STARTPTS[t];[h][k][t]concat=n=3:v=1:a=0,settb=1/24,setpts=N,setfield=prog[v]',
      ...['-map', '[v]', '-r', '24', '-c:v', 'ffv1', '-pix_fmt', 'yuv420p'],
    ],
  },
  {
    name: 'vfr-mkv',
    from: 'launch',
    ext: 'mkv',
    description: 'variable frame rate: one frame in four dropped without retiming, in Matroska',
    args: ['-map', '0:v:0', '-vf', "select='mod(n\\,4)'", '-fps_mode', 'passthrough', ...X264, '-an'],
  },
  {
    name: 'letterbox-2997',
    from: 'bunny-mkv',
    ext: 'mp4',
    description: 'Big Buck Bunny at 29.97 fps, 2.39:1 picture letterboxed in a 1280x720 frame, AAC',
    args: [
      '-map',
      '0:v:0',
      '-map',
      '0:a:0',
      '-vf',
      'fps=30000/1001,scale=1280:536,pad=1280:720:0:92:black',
      ...X264,
      '-c:a',
      'aac',
      '-ac',
      '2',
    ],
  },
  {
    name: 'launch-60fps',
    from: 'launch',
    ext: 'mp4',
    description: 'the rocket launch at 60 fps (frames repeated to 60 fps), B-frames, AAC',
    args: ['-map', '0:v:0', '-map', '0:a:0', '-vf', 'fps=60', ...X264, '-c:a', 'aac'],
  },
  {
    name: 'open-gop-ts',
    from: 'channels',
    ext: 'ts',
    description: 'open GOPs with B-frames in MPEG-TS (video starting at 1.4 s), AAC',
    args: [
      '-map',
      '0:v:0',
      '-map',
      '0:a:0',
      ...X264,
      '-x264-params',
      'open_gop=1:bframes=3:keyint=24',
      '-c:a',
      'aac',
      '-ac',
      '2',
      '-t',
      '12',
    ],
  },
  // The formats masters arrive in from editing, broadcast and archive, none of which a Debian
  // package ships: each rewrites a real clip's pictures, so the content stays real.
  {
    name: 'prores-mov',
    from: 'phone-1080p',
    ext: 'mov',
    description: 'an edit suite export: ProRes 422 HQ 10-bit 4:2:2 1080p, 24-bit PCM, a timecode track from 01:00:00:00',
    args: [
      ...PICTURE_AND_SOUND,
      ...['-c:v', 'prores_ks', '-profile:v', '3', '-pix_fmt', 'yuv422p10le'],
      ...pcm('s24le'),
      ...['-timecode', '01:00:00:00'],
    ],
  },
  {
    name: 'dnxhr-mxf',
    from: 'diver-mjpeg',
    ext: 'mxf',
    description: 'a broadcast delivery: DNxHR HQ 4:2:2 in MXF OP1a, 24-bit PCM at 48 kHz, 25 fps',
    args: [...PICTURE_AND_SOUND, '-t', '6', ...['-c:v', 'dnxhd', '-profile:v', 'dnxhr_hq', '-pix_fmt', 'yuv422p'], ...pcm('s24le')],
  },
  {
    name: 'pal-dv',
    from: 'balle-pal',
    ext: 'dv',
    description: 'a tape capture: PAL DV 720x576 4:2:0, anamorphic 4:3 (pixels 16:15), 16-bit PCM, raw DV stream',
    args: [...PICTURE_AND_SOUND, ...['-c:v', 'dvvideo', '-pix_fmt', 'yuv420p'], ...pcm('s16le')],
  },
  {
    name: 'av1-mp4',
    from: 'launch',
    ext: 'mp4',
    description: 'AV1 (SVT-AV1) in MP4, as browsers and phones now record and share',
    args: ['-map', '0:v:0', ...['-c:v', 'libsvtav1', '-preset', '10', '-crf', '30']],
  },
  {
    name: 'qtrle-argb-mov',
    from: 'launch',
    ext: 'mov',
    description: 'a motion graphics export: QuickTime Animation (RLE), ARGB with an alpha channel',
    args: ['-map', '0:v:0', '-vf', 'format=argb', '-c:v', 'qtrle'],
  },
  {
    name: 'hevc-mp4',
    from: 'camera-mov',
    ext: 'mp4',
    description: "a phone's HEVC: H.265 Main tagged hvc1 in MP4, the camera's own AAC copied",
    args: [
      ...PICTURE_AND_SOUND,
      ...['-c:v', 'libx265', '-preset', 'fast', '-crf', '20', '-tag:v', 'hvc1', '-x265-params', 'log-level=error'],
      '-c:a',
      'copy',
    ],
  },
  {
    name: 'rotated-mov',
    from: 'camera-mov',
    ext: 'mov',
    description: "a phone held upright: the camera's own H.264 and AAC, copied, with a 90-degree display rotation",
    args: [...PICTURE_AND_SOUND, '-c', 'copy', '-metadata:s:v:0', 'rotate=90'],
  },
  {
    name: 'hlg-phone-mov',
    from: 'phone-1080p',
    ext: 'mov',
    description: "a phone's HDR video: HLG BT.2020 10-bit HEVC 1080p in QuickTime, the phone's own AAC copied",
    args: [...PICTURE_AND_SOUND, ...hdrGrade('arib-std-b67', ''), '-c:a', 'copy'],
  },
  {
    name: 'pq-hdr10-mkv',
    from: 'bunny-mkv',
    ext: 'mkv',
    description: 'an HDR10 grade: PQ BT.2020 10-bit HEVC 720p with its mastering display and MaxCLL (1,000 cd/m²) in Matroska',
    args: [
      '-map',
      '0:v:0',
      ...hdrGrade(
        'smpte2084',
        ':hdr10=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):max-cll=1000,400',
      ),
    ],
  },
  {
    name: 'interlaced-ts',
    from: 'glines-50fps',
    ext: 'ts',
    description: 'a broadcast recording: the 50 fps screen capture woven into 25 interlaced frames, top field first, MPEG-2 in MPEG-TS',
    args: [
      ...['-map', '0:v:0', '-t', '10', '-vf', 'tinterlace=interleave_top,setfield=tff'],
      ...['-c:v', 'mpeg2video', '-b:v', '6M', '-flags', '+ilme+ildct', '-top', '1', '-alternate_scan', '1'],
    ],
  },
];

/** The derived masters, made once into `dir` from the real ones. */
export async function derivedMasters(dir: string): Promise<CorpusMaster[]> {
  const real = await realMasters();
  const out: CorpusMaster[] = [];
  for (const d of DERIVATIONS) out.push(await derive(dir, d, real));
  return out;
}

/** One derived master by name, made once into `dir`. */
export async function derivedMaster(dir: string, name: string): Promise<CorpusMaster> {
  const d = DERIVATIONS.find((x) => x.name === name);
  if (d === undefined) throw new Error(`no derived master ${name}`);
  return derive(dir, d, await realMasters());
}

async function derive(dir: string, d: Derivation, real: readonly CorpusMaster[]): Promise<CorpusMaster> {
  const source = real.find((m) => m.name === d.from)?.file;
  if (source === undefined) throw new Error(`derived master ${d.name}: no corpus master ${d.from}`);
  const file = path.join(dir, `${d.name}.${d.ext}`);
  if (!existsSync(file)) {
    // The audio of an audio-led master is the source's own, read as a second input with no offset.
    const inputs = d.inputArgs === undefined ? ['-i', source] : [...d.inputArgs, '-i', source, '-i', source];
    await runFfmpeg([...inputs, ...d.args, file]);
  }
  return { name: d.name, file, description: d.description };
}
