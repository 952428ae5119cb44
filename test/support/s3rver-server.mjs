// s3rver with the multipart calls it lacks: ListParts and AbortMultipartUpload, which every S3
// service has and tus's S3 store needs (it reads an upload's offset from its parts). Each part
// s3rver keeps is a file named by its number (and its MD5 beside it) in the upload's directory.
// Usage: node --openssl-legacy-provider s3rver-server.mjs DIR PORT BUCKET
import { createRequire } from 'node:module';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

const require = createRequire(import.meta.url);
const S3rver = require('s3rver');

const [directory, port, bucket] = process.argv.slice(2);
const s3rver = new S3rver({ directory, silent: true, vhostBuckets: false, configureBuckets: [{ name: bucket }] });
await s3rver.configureBuckets();
const koa = s3rver.callback();

const xml = (body) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
const xmlText = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function noSuchUpload(res, uploadId) {
  res.writeHead(404, { 'content-type': 'application/xml' });
  res.end(
    xml(
      `<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist</Message><UploadId>${xmlText(uploadId)}</UploadId></Error>`,
    ),
  );
}

async function uploadDir(bucketName, uploadId) {
  if (!/^[0-9a-f]+$/.test(uploadId)) return undefined;
  const dir = path.join(s3rver.store.getResourcePath(bucketName, undefined, 'uploads'), uploadId);
  return (await stat(dir).catch(() => undefined))?.isDirectory() ? dir : undefined;
}

async function listParts(res, bucketName, key, uploadId) {
  const dir = await uploadDir(bucketName, uploadId);
  if (dir === undefined) return noSuchUpload(res, uploadId);
  const numbers = (await readdir(dir))
    .filter((f) => /^\d+$/.test(f))
    .map(Number)
    .sort((a, b) => a - b);
  const parts = [];
  for (const n of numbers) {
    const [s, md5] = await Promise.all([stat(path.join(dir, String(n))), readFile(path.join(dir, `${n}.md5`), 'utf8').catch(() => '')]);
    parts.push(
      `<Part><PartNumber>${n}</PartNumber><LastModified>${s.mtime.toISOString()}</LastModified><ETag>"${md5}"</ETag><Size>${s.size}</Size></Part>`,
    );
  }
  res.writeHead(200, { 'content-type': 'application/xml' });
  res.end(
    xml(
      `<ListPartsResult><Bucket>${xmlText(bucketName)}</Bucket><Key>${xmlText(key)}</Key><UploadId>${uploadId}</UploadId>` +
        `<PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>${numbers.at(-1) ?? 0}</NextPartNumberMarker>` +
        `<MaxParts>10000</MaxParts><IsTruncated>false</IsTruncated>${parts.join('')}</ListPartsResult>`,
    ),
  );
}

async function abort(res, bucketName, uploadId) {
  const dir = await uploadDir(bucketName, uploadId);
  if (dir === undefined) return noSuchUpload(res, uploadId);
  await rm(dir, { recursive: true, force: true });
  res.writeHead(204);
  res.end();
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://s3rver');
  const uploadId = url.searchParams.get('uploadId');
  const [, bucketName = '', ...keyParts] = url.pathname.split('/');
  const key = decodeURIComponent(keyParts.join('/'));
  const extra =
    uploadId !== null && key !== '' && req.method === 'GET' && !url.searchParams.has('partNumber')
      ? listParts(res, bucketName, key, uploadId)
      : uploadId !== null && key !== '' && req.method === 'DELETE'
        ? abort(res, bucketName, uploadId)
        : undefined;
  if (extra === undefined) return koa(req, res);
  extra.catch((err) => {
    res.writeHead(500);
    res.end(String(err));
  });
});
server.listen(Number(port), '127.0.0.1');
