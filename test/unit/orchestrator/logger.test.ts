import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../orchestrator/runtime/services.ts';

describe('process logger', () => {
  it('writes no presigned query, password or storage path, whatever a line carries', () => {
    const config = {
      storage: { kind: 'local' as const, root: '/srv/vf/data/storage' },
      tmpDir: '/srv/vf/data/scratch',
      dataDir: '/srv/vf/data',
    };
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      const log = createLogger('info', config);
      const err = new Error(
        'Server returned 403 for https://minio:9000/b/titles/t/source/u/master?X-Amz-Credential=AK%2F20261202&X-Amz-Signature=abc; ' +
          '/srv/vf/data/scratch/c1/out.mp4',
      );
      log.warn({ err, redis: 'redis://:hunter2@127.0.0.1:6379', file: '/srv/vf/data/storage/titles/t/source/u/master' }, 'job failed');
    } finally {
      process.stdout.write = write;
    }
    const text = lines.join('');
    expect(text).toContain('job failed');
    expect(text).not.toMatch(/X-Amz-|hunter2|\/srv\/vf/);
    expect(text).toContain('<storage>/titles/t/source/u/master');
    expect(text).toContain('<scratch>/c1/out.mp4');
  });
});
