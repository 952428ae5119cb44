import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../../ffmpeg/run.ts';
import { masterInput } from '../../../ffmpeg/master-input.ts';
import { failureOf } from '../../../workers/jobs/context.ts';
import { redactError, redactor, storageRoots } from '../../../observability/redact.ts';
import { storeKinds, type TestStore } from '../../support/stores.ts';

describe('redaction of what leaves a process', () => {
  let s3: TestStore;
  beforeAll(async () => {
    s3 = await storeKinds.s3();
  });
  afterAll(async () => {
    await s3?.close();
  });

  it('takes the presigned query out of a real ffmpeg failure on an S3 master, keeping host and key', async () => {
    const url = await s3.store.readableLocation('titles/t1/source/u1/master');
    expect(url).toContain('X-Amz-Signature=');
    // The real thing: ffmpeg opening a presigned URL of an object that is not there.
    const err = await runFfmpeg([...masterInput(url), '-f', 'null', '-']).then(
      () => undefined,
      (e: unknown) => e,
    );
    const { error } = failureOf(err, 'VF_JOB_FAILED');
    expect(`${error.message}\n${error.stack}`).toContain('X-Amz-');
    const redact = redactor(storageRoots(s3.store.describe, '/var/tmp/vf'));
    redactError(error, redact);
    expect(`${error.message}\n${error.stack}`).not.toMatch(/X-Amz-|Signature|Credential/i);
    expect(error.message).toContain('titles/t1/source/u1/master?<presigned query redacted>');
  });

  it('replaces storage and scratch roots with labels, nested roots first, and passwords in URLs', () => {
    const redact = redactor(storageRoots('file:///srv/vf/storage', '/srv/vf'));
    expect(redact('open /srv/vf/storage/titles/a/source/master failed; scratch /srv/vf/chunk-1/out.mp4')).toBe(
      'open <storage>/titles/a/source/master failed; scratch <scratch>/chunk-1/out.mp4',
    );
    expect(redact('connect redis://:s3cr3t@127.0.0.1:6379 refused; s3 http://key:secret@minio:9000/b')).toBe(
      'connect redis://:<redacted>@127.0.0.1:6379 refused; s3 http://key:<redacted>@minio:9000/b',
    );
    expect(redact('nothing to hide')).toBe('nothing to hide');
  });
});
