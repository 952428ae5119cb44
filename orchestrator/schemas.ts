import { Type, type Static } from 'typebox';
import { TITLE_PRIORITIES, TITLE_STATES, type TitlePriority, type TitleState } from '../titles/model.ts';
import { SourceVideo } from './source-video.ts';

export const TitleId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Title id' });
export const IdParams = Type.Object({ id: TitleId }, { additionalProperties: false });

export const ErrorBody = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String(),
});

const Rung = Type.Object({
  width: Type.Integer(),
  height: Type.Integer(),
  bitrateKbps: Type.Number({
    description:
      'Target (fixed ladder) or predicted (per-title) average bitrate. A per-title rung is encoded at its CRF under a peak cap set ' +
      "from this rate (the encode settings' maxrateRatio and bufsizeRatio), and spends at most about this much",
  }),
  crf: Type.Optional(Type.Number()),
  predictedPsnrDb: Type.Optional(
    Type.Number({
      description:
        'PSNR-Y (dB) the sample encodes predict for the rung at its CRF, uncapped as the samples are encoded. Where the ' +
        "title's keyframes or busiest stretches need more than the peak cap lets them spend, the rung measures lower: its " +
        "rendition's measuredPsnrDb is what it is",
    }),
  ),
  predictedSsim: Type.Optional(Type.Number({ description: 'SSIM the sample encodes predict for the rung, uncapped as predictedPsnrDb' })),
});

const RdPoint = Type.Object({
  width: Type.Integer(),
  height: Type.Integer(),
  crf: Type.Number(),
  bitrateKbps: Type.Number(),
  psnrY: Type.Number(),
  ssim: Type.Number(),
});

const LadderAnalysis = Type.Object({
  policy: Type.Union([Type.Literal('per-title'), Type.Literal('fixed')]),
  fallbackReason: Type.Optional(Type.String()),
  points: Type.Optional(Type.Array(RdPoint, { description: 'Every sampled size × CRF, averaged over the sample windows' })),
  hull: Type.Optional(Type.Array(RdPoint, { description: 'Upper convex hull of PSNR-Y over log-bitrate' })),
  bdRateVsFixed: Type.Optional(
    Type.Number({
      description:
        'BD-rate (PSNR-Y) against the fixed Apple ladder, percent; negative is a saving. Both ladders are read off the ' +
        "sample curves as if encoded alike (capped CRF): the choice of sizes and rates only, not the fixed policy's " +
        'bitrate-targeted encodes. Against a fixed ladder of one ' +
        "measured rung (note BD_RATE_AT_ONE_POINT), this ladder's rate at that rung's quality against the rung's",
    }),
  ),
  notes: Type.Optional(Type.Array(Type.String())),
  sampledS: Type.Optional(Type.Number()),
  analysisS: Type.Optional(Type.Number()),
});

const Loudness = Type.Object(
  {
    inputLufs: Type.Number({ description: 'Integrated loudness of the source stream (EBU R128), LUFS' }),
    inputTruePeakDbtp: Type.Number(),
    inputLraLu: Type.Number({ description: 'Loudness range of the source, LU' }),
    outputLufs: Type.Number({ description: 'Integrated loudness after normalisation, as loudnorm measured it' }),
    outputTruePeakDbtp: Type.Number(),
    normalization: Type.Union([Type.Literal('linear'), Type.Literal('dynamic')], {
      description: '`linear`: one gain for the whole track; `dynamic`: the source needed compression to meet the target',
    }),
  },
  { description: 'Measured on the first loudnorm pass (input) and the second (output)' },
);

const Rendition = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('video'), Type.Literal('audio'), Type.Literal('subtitles')]),
  language: Type.Optional(Type.String({ description: 'BCP-47, or `und` when the master said nothing understood' })),
  name: Type.Optional(Type.String()),
  isDefault: Type.Optional(Type.Boolean()),
  channels: Type.Optional(Type.Integer()),
  loudness: Type.Optional(Loudness),
  width: Type.Optional(Type.Integer()),
  height: Type.Optional(Type.Integer()),
  codecs: Type.String(),
  targetBitrateKbps: Type.Optional(Type.Number()),
  averageBitrateKbps: Type.Number({ description: 'Measured over all segments' }),
  peakBitrateKbps: Type.Number({
    description: 'Peak segment bit rate (RFC 8216 4.1): the highest rate over runs of 0.5-1.5 target durations',
  }),
  segmentCount: Type.Integer(),
  measuredPsnrDb: Type.Optional(
    Type.Number({ description: "PSNR-Y of the packaged rung against the master, over the frames `rungQuality` names (the whole title's)" }),
  ),
  measuredSsim: Type.Optional(Type.Number({ description: 'SSIM-Y of the packaged rung against the master, over the same frames' })),
});

const TitlePriorityT = Type.Unsafe<TitlePriority>({
  type: 'string',
  enum: [...TITLE_PRIORITIES],
  description: "How urgently the title's chunks are encoded: every chunk of a `high` title before any `normal` one, those before `low`",
});

export const PriorityBody = Type.Object({ priority: TitlePriorityT }, { additionalProperties: false });

export const TitleView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  state: Type.Unsafe<TitleState>({ type: 'string', enum: [...TITLE_STATES] }),
  priority: TitlePriorityT,
  progress: Type.Integer({ minimum: 0, maximum: 100, description: 'Aggregated over all chunk, audio and packaging jobs' }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  durationS: Type.Optional(Type.Number()),
  video: Type.Optional(SourceVideo),
  source: Type.Optional(
    Type.Object({ key: Type.String(), sizeBytes: Type.Integer(), sha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })) }),
  ),
  ladder: Type.Optional(Type.Array(Rung)),
  ladderAnalysis: Type.Optional(LadderAnalysis),
  renditions: Type.Optional(Type.Array(Rendition)),
  rungQuality: Type.Optional(
    Type.Object(
      {
        status: Type.Union([Type.Literal('pending'), Type.Literal('measured'), Type.Literal('failed')]),
        reason: Type.Optional(Type.String()),
        frames: Type.Optional(
          Type.Array(Type.Object({ startFrame: Type.Integer({ minimum: 0 }), endFrame: Type.Integer({ minimum: 1 }) }), {
            description:
              "Once measured: the title's frames compared with the master, by index from its first frame (end exclusive), paired frame by frame",
          }),
        ),
        frameStep: Type.Optional(
          Type.Integer({
            minimum: 1,
            description:
              'A share of one frame in this many of `frames` was compared: frame n of each range (from 0) when the fractional part of ' +
              'n × 0.6180339887498949 is under 1/frameStep',
          }),
        ),
      },
      {
        description:
          "The rungs' PSNR-Y and SSIM are measured once the title is ready (players do not wait for them); `measured` means they are in `renditions`",
      },
    ),
  ),
  cpuS: Type.Record(Type.String(), Type.Number({ minimum: 0 }), {
    description:
      "CPU seconds (user + system) the title's ffmpeg and ffprobe processes have spent so far, whole processes, " +
      'by job type (probe, sample, encode-chunk, ...), retries included',
  }),
  cpuStepsS: Type.Optional(
    Type.Record(Type.String(), Type.Number({ minimum: 0 }), {
      description:
        "CPU seconds of named steps inside a job, each already counted in that job's `cpuS`: `probe/scan` is the per-title " +
        "analysis' reads of the master (its scan, and where its sample windows land), which the probe job runs beside the " +
        'ingest checks every title needs (decodability, black bars, interlacing). Absent until a job has such a step',
    }),
  ),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  upload: Type.Optional(
    Type.Object(
      {
        receivedBytes: Type.Integer({ minimum: 0 }),
        totalBytes: Type.Integer({ minimum: 0 }),
        status: Type.Union([Type.Literal('receiving'), Type.Literal('verifying')]),
      },
      {
        description:
          'While uploading: bytes a resumable upload has received so far, or a direct upload whose SHA-256 is being verified before the title is queued',
      },
    ),
  ),
  queue: Type.Optional(
    Type.Object(
      {
        jobsAhead: Type.Integer({ minimum: 0, description: "Jobs of other titles a free worker takes before this title's next job" }),
        jobsWaiting: Type.Integer({ minimum: 0, description: "This title's own jobs waiting for a worker" }),
      },
      {
        description:
          'Its place in the queue, while it has jobs waiting for a worker (BullMQ order: unprioritised steps, then chunks by priority)',
      },
    ),
  ),
  warnings: Type.Optional(
    Type.Array(Type.Object({ code: Type.String(), message: Type.String() }), {
      description: 'What did not stop the title but you should know: an audio track that could not be decoded, an unknown language',
    }),
  ),
  timeline: Type.Optional(
    Type.Object(
      {
        phases: Type.Array(
          Type.Object({
            job: Type.String(),
            runs: Type.Integer(),
            firstStartS: Type.Number({ description: "Seconds from the title's creation" }),
            lastEndS: Type.Number(),
            longestS: Type.Number({ description: 'The longest single run: what the step costs the critical path' }),
          }),
        ),
        criticalPathS: Type.Number({
          description:
            'Seconds the title would take with a worker free for every job: probe + longest sample + ladder + longest encode job + package',
        }),
      },
      { description: 'Where the time went, from every job run (GET /v1/titles/:id only)' },
    ),
  ),
  hls: Type.Optional(Type.String({ description: 'Multivariant playlist URL path, once ready' })),
  dash: Type.Optional(Type.String({ description: 'DASH MPD URL path, once ready' })),
});
export type TitleViewT = Static<typeof TitleView>;

export const CreateTitleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    sourceKey: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1024, description: 'Register a master already in the bucket instead of uploading one' }),
    ),
    priority: Type.Optional(TitlePriorityT),
    audio: Type.Optional(
      Type.Array(
        Type.Object(
          {
            index: Type.Integer({ minimum: 0, maximum: 63, description: "Position among the master's audio streams, from 0" }),
            joinWith: Type.Optional(
              Type.Array(Type.Integer({ minimum: 0, maximum: 63 }), {
                minItems: 1,
                maxItems: 5,
                description:
                  "Streams whose channels follow this one's in the same rendition, in order: discrete mono tracks of one mix " +
                  '(2 channels L R, or 6 L R C LFE Ls Rs)',
              }),
            ),
            channels: Type.Optional(
              Type.Array(Type.Integer({ minimum: 0, maximum: 63 }), {
                minItems: 1,
                maxItems: 6,
                description:
                  'Channels of this stream (from 0) that make the rendition, in order: 1, 2 (L R) or 6 (L R C LFE Ls Rs); ' +
                  'for a stream that carries more than one mix. Not with joinWith',
              }),
            ),
            language: Type.Optional(Type.String({ minLength: 2, maxLength: 35, description: "BCP-47 tag replacing the stream's own" })),
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            isDefault: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        {
          maxItems: 64,
          description: "The master's audio streams to ship, with their labels; absent: every audio stream, labelled from its tags",
        },
      ),
    ),
  },
  { additionalProperties: false },
);

export type CreateTitleBodyT = Static<typeof CreateTitleBody>;

export const ListQuery = Type.Object(
  {
    offset: Type.Integer({ minimum: 0, default: 0 }),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  },
  { additionalProperties: false },
);

export const MediaParams = Type.Object(
  {
    id: TitleId,
    // Video rungs; audio (`a`, before several tracks; `a<stream>`, `a<stream>-51`); subtitles from the master or a sidecar.
    track: Type.String({ pattern: '^(v[0-9]{1,2}|a|a[0-9]{1,2}(-51)?|s[0-9]{1,2}|s-[A-Za-z0-9-]{2,35}-[0-9a-f]{8})$' }),
    file: Type.String({ pattern: '^(init\\.mp4|playlist\\.m3u8|seg_[0-9]{1,8}\\.(m4s|vtt)|subtitles\\.vtt)$' }),
  },
  { additionalProperties: false },
);
