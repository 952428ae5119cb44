/**
 * The imaging helper: a child process of the API that decodes and crops uploaded images one
 * at a time. Requests `{ id, file }` (a scratch file the API wrote); answers `{ id, result }`
 * or `{ id, error }`, with its resident set so the API can replace it when it has grown.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { prepareCustomArtwork, type PreparedArtwork } from './prepare.ts';

export interface ImagingRequest {
  readonly id: number;
  readonly file: string;
}
export type ImagingReply = { readonly id: number; readonly rssBytes: number } & ({ readonly result: PreparedArtwork } | { readonly error: string });

// libvips' operation cache keeps decoded images alive between requests; one request at a time
// gains nothing from it, nor from more than two libvips threads.
sharp.cache(false);
sharp.concurrency(2);

const send = (m: ImagingReply): void => {
  process.send?.(m);
};

process.on('message', (m: ImagingRequest) => {
  void readFile(m.file)
    .then(prepareCustomArtwork)
    .then(
      (result) => send({ id: m.id, rssBytes: process.memoryUsage.rss(), result }),
      (err: unknown) => send({ id: m.id, rssBytes: process.memoryUsage.rss(), error: (err as Error).message }),
    );
});
// The API is gone: so is its helper.
process.on('disconnect', () => process.exit(0));
