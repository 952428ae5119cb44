/**
 * The master's picture as the title view describes it: upright display size, frame rate,
 * rotation, deinterlacing and colour (what the probe job stored on the title), so content ops
 * can see why a ladder is portrait, runs at 50 fps or was tone-mapped from HDR.
 */
import { Type, type Static } from 'typebox';
import { frameRateValue, type VideoInfo } from '../ffmpeg/probe.ts';
import { dynamicRangeOf } from '../ffmpeg/video-colour.ts';

export const SourceVideo = Type.Object(
  {
    width: Type.Integer({ description: 'Display width in pixels: upright, square pixels' }),
    height: Type.Integer({ description: 'Display height in pixels: upright' }),
    frameRate: Type.Number({ description: "The title's frame rate (the field rate once 50i/60i is deinterlaced field by field)" }),
    rotation: Type.Optional(Type.Integer({ description: 'Clockwise degrees the master is turned to display upright (90, 180, 270)' })),
    deinterlace: Type.Optional(
      Type.Object({ mode: Type.String({ description: '`send_field` (a frame per field) or `send_frame`' }), parity: Type.String() }),
    ),
    colour: Type.Optional(
      Type.Object({
        dynamicRange: Type.Union([Type.Literal('sdr'), Type.Literal('pq'), Type.Literal('hlg')], {
          description: 'PQ and HLG masters are tone-mapped to the SDR BT.709 ladder',
        }),
        transfer: Type.Optional(Type.String({ description: 'As ffprobe names it: bt709, smpte2084 (PQ), arib-std-b67 (HLG), ...' })),
        primaries: Type.Optional(Type.String()),
        matrix: Type.Optional(Type.String()),
        range: Type.Optional(Type.Union([Type.Literal('tv'), Type.Literal('pc')])),
        bitDepth: Type.Integer(),
        maxCllNits: Type.Optional(Type.Number({ description: 'MaxCLL the master states, cd/m²' })),
        masteringPeakNits: Type.Optional(Type.Number({ description: "Peak of the master's mastering display, cd/m²" })),
      }),
    ),
  },
  { description: 'The master as probed' },
);
export type SourceVideoT = Static<typeof SourceVideo>;

export function sourceVideoView(v: VideoInfo): SourceVideoT {
  return {
    width: v.displayWidth,
    height: v.displayHeight,
    frameRate: Math.round(frameRateValue(v.frameRate) * 1000) / 1000,
    ...(v.rotation === undefined ? {} : { rotation: v.rotation }),
    ...(v.deinterlace === undefined ? {} : { deinterlace: { mode: v.deinterlace.mode, parity: v.deinterlace.parity } }),
    ...(v.colour === undefined ? {} : { colour: { dynamicRange: dynamicRangeOf(v.colour), ...v.colour } }),
  };
}
