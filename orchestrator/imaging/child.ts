/**
 * The imaging helper: a child process of the API (see runtime/helper-process.ts) that checks,
 * decodes and crops uploaded images, one at a time, from scratch files the API wrote.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { serveRequests } from '../runtime/helper-child.ts';
import { prepareCustomArtwork, type PreparedArtwork } from './prepare.ts';

export interface ImagingRequest {
  readonly file: string;
}

// libvips' operation cache keeps decoded images alive between requests; one request at a time
// gains nothing from it, nor from more than two libvips threads.
sharp.cache(false);
sharp.concurrency(2);

serveRequests<ImagingRequest, PreparedArtwork>(async ({ file }) => prepareCustomArtwork(await readFile(file)));
