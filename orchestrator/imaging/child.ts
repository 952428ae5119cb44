/**
 * The imaging helper: a child process of the API (see runtime/helper-process.ts) that does the
 * API's untrusted-media work, one request at a time: it checks, decodes and crops uploaded
 * images (from scratch files the API wrote), and extracts and crops a frame of a master that
 * content ops pin. It returns crops; the API stores them.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { cropFrameAt, type CroppedFrame } from '../../stills/render.ts';
import { artworkVideoOf } from '../../stills/extract.ts';
import type { ProbeResult } from '../../ffmpeg/probe.ts';
import { DEFAULT_ARTWORK_SETTINGS } from '../../stills/settings.ts';
import { serveRequests } from '../runtime/helper-child.ts';
import { prepareCustomArtwork, type PreparedArtwork } from './prepare.ts';

export type ImagingRequest =
  | { readonly kind: 'upload'; readonly file: string }
  | { readonly kind: 'frame'; readonly input: string; readonly probe: ProbeResult; readonly atS: number; readonly tmpDir: string };
export type ImagingReply =
  | { readonly kind: 'upload'; readonly prepared: PreparedArtwork }
  | { readonly kind: 'frame'; readonly cropped: CroppedFrame };

// libvips' operation cache keeps decoded images alive between requests; one request at a time
// gains nothing from it, nor from more than two libvips threads.
sharp.cache(false);
sharp.concurrency(2);

serveRequests<ImagingRequest, ImagingReply>(async (req) =>
  req.kind === 'upload'
    ? { kind: 'upload', prepared: await prepareCustomArtwork(await readFile(req.file)) }
    : {
        kind: 'frame',
        cropped: await cropFrameAt(req.input, artworkVideoOf(req.probe), req.atS, DEFAULT_ARTWORK_SETTINGS.crops, req.tmpDir),
      },
);
