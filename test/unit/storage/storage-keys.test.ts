import { describe, expect, it } from 'vitest';
import { assertValidKey, StorageKeyError } from '../../../storage/port.ts';

describe('assertValidKey', () => {
  it.each([
    'titles/t1/master.mp4',
    'titles/t1/published/v0/seg_00000.m4s',
    'a',
    '..hidden/file', // '..' only matters as a whole segment
    'a/b..c/d',
    'titles/t1/a b+c=d.mp4',
  ])('accepts %j', (key) => {
    expect(() => assertValidKey(key)).not.toThrow();
  });

  it.each([
    ['', 'empty key'],
    ['..', 'parent segment alone'],
    ['a/../b', 'parent segment inside'],
    ['a/..', 'parent segment at the end'],
    ['./a', 'leading current-directory segment'],
    ['a/./b', 'current-directory segment inside'],
    ['/etc/passwd', 'leading slash'],
    ['a//b', 'empty segment'],
    ['a/', 'trailing slash (empty last segment)'],
    ['a\\..\\b', 'backslash'],
    ['a\0b', 'NUL byte'],
    ['k'.repeat(1025), 'longer than S3 allows (1,024)'],
  ])('rejects %j (%s) with VF_STORAGE_BAD_KEY', (key) => {
    let caught: unknown;
    try {
      assertValidKey(key);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StorageKeyError);
    expect(caught).toMatchObject({ code: 'VF_STORAGE_BAD_KEY', key });
  });

  it('accepts a key of exactly 1,024 characters', () => {
    expect(() => assertValidKey('k'.repeat(1024))).not.toThrow();
  });

  // S3 limits keys to 1,024 bytes of UTF-8, not 1,024 UTF-16 code units. 600 × 'é' is 600
  // characters but 1,200 bytes: the port should refuse it rather than let S3 answer 400
  // (KeyTooLongError) deep inside an adapter call. The register-by-key route passes
  // user-supplied keys of up to 1,024 characters straight here.
  it('rejects a key under 1,024 characters but over 1,024 UTF-8 bytes', () => {
    const key = `titles/${'é'.repeat(600)}`;
    expect(key.length).toBeLessThan(1024);
    expect(() => assertValidKey(key)).toThrow(StorageKeyError);
  });

  // Keys are never URL-decoded by the port: '%2e%2e' is the literal six characters, a valid
  // S3 key and a harmless file name, so the function (rightly) accepts it. Adapters must keep
  // it literal too; the S3 SDK encodes '%' as '%25' on the wire.
  it('treats percent-encoded traversal as literal characters and accepts it', () => {
    expect(() => assertValidKey('a/%2e%2e/b')).not.toThrow();
    expect(() => assertValidKey('%2E%2E%2Fetc')).not.toThrow();
  });
});
