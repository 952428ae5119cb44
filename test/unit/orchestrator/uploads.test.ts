import { createHash } from 'node:crypto';
import { ERRORS } from '@tus/utils';
import { describe, expect, it } from 'vitest';
import { ChecksumHeaderError, parseUploadChecksum } from '../../../orchestrator/uploads/checksum.ts';
import { UploadHashes } from '../../../orchestrator/uploads/hashes.ts';
import { keyOfToken, newTusKey, titleOfKey, tokenOfKey } from '../../../orchestrator/uploads/ids.ts';
import { LOCKED } from '../../../orchestrator/uploads/redis-locker.ts';
import { CHECKSUM_MISMATCH, plainTusError, tusErrorMapper } from '../../../orchestrator/uploads/tus-errors.ts';
import { HttpErrors } from '../../../orchestrator/errors.ts';

const TITLE = '0b5c8f3e-2f43-4c1e-9a57-7d0f0e3c1a2b';

describe('resumable upload ids', () => {
  it("names an upload by its master's key and a URL token that carries the same two parts", () => {
    const key = newTusKey(TITLE);
    expect(key).toMatch(new RegExp(`^titles/${TITLE}/source/tus-[0-9a-f]{32}/master$`));
    const token = tokenOfKey(key) ?? '';
    expect(token).toMatch(new RegExp(`^${TITLE}\\.[0-9a-f]{32}$`));
    expect(keyOfToken(token)).toBe(key);
    expect(titleOfKey(key)).toBe(TITLE);
    expect(newTusKey(TITLE)).not.toBe(key);
  });

  it('reads no key out of a token that could leave its title source prefix', () => {
    for (const bad of [
      '..',
      `${TITLE}.${'0'.repeat(31)}`,
      `../x.${'0'.repeat(32)}`,
      `${TITLE}.${'0'.repeat(32)}/x`,
      `a/b.${'0'.repeat(32)}`,
      '',
    ]) {
      expect(keyOfToken(bad), bad).toBeUndefined();
    }
    expect(tokenOfKey(`titles/${TITLE}/source/other/master`)).toBeUndefined();
    expect(() => newTusKey('../x')).toThrow(RangeError);
  });
});

describe('Upload-Checksum', () => {
  const digest = (alg: string, s: string): string => createHash(alg).update(s).digest('base64');

  it('reads sha256 and sha1 digests', () => {
    expect(parseUploadChecksum(undefined)).toBeUndefined();
    const c = parseUploadChecksum(`sha256 ${digest('sha256', 'x')}`);
    expect(c?.algorithm).toBe('sha256');
    expect(c?.digest.equals(createHash('sha256').update('x').digest())).toBe(true);
    expect(parseUploadChecksum(`SHA1 ${digest('sha1', 'x')}`)?.algorithm).toBe('sha1');
  });

  it('refuses other algorithms (400 per the protocol) and malformed values, naming what it got', () => {
    const unsupported = (): unknown => parseUploadChecksum(`md5 ${digest('md5', 'x')}`);
    expect(unsupported).toThrow(ChecksumHeaderError);
    expect(unsupported).toThrow(/"md5" is not one of sha1, sha256/);
    expect(() => parseUploadChecksum('sha256')).toThrow(/got "sha256"/);
    expect(() => parseUploadChecksum(`sha256 ${digest('sha1', 'x')}`)).toThrow(/32 bytes, got 20/);
  });
});

describe('tus errors in the API shape', () => {
  const map = tusErrorMapper({ expiryS: 60, maxUploadBytes: 1000 });

  it("gives the protocol's statuses the catalogue's codes", () => {
    const cases: [unknown, number, string][] = [
      [ERRORS.INVALID_OFFSET, 409, 'VF_UPLOAD_OFFSET_MISMATCH'],
      [ERRORS.FILE_NO_LONGER_EXISTS, 410, 'VF_UPLOAD_EXPIRED'],
      [ERRORS.FILE_NOT_FOUND, 404, 'VF_UPLOAD_NOT_FOUND'],
      [ERRORS.ERR_MAX_SIZE_EXCEEDED, 413, 'VF_UPLOAD_TOO_LARGE'],
      [ERRORS.INVALID_TERMINATION, 409, 'VF_UPLOAD_COMPLETE'],
      [LOCKED, 423, 'VF_UPLOAD_LOCKED'],
      [CHECKSUM_MISMATCH, 460, 'VF_UPLOAD_CHECKSUM_MISMATCH'],
      [new HttpErrors.TitleNotFound('t'), 404, 'VF_TITLE_NOT_FOUND'],
    ];
    for (const [err, status, code] of cases) expect(map(err).json, code).toMatchObject({ statusCode: status, code });
    expect(map(CHECKSUM_MISMATCH).json.error).toBe('Checksum Mismatch');
    expect(map(ERRORS.ERR_MAX_SIZE_EXCEEDED).json.message).toContain('1000');
  });

  it('says nothing of an unexpected error (it may carry a path), and flags it to be logged', () => {
    const r = map(new Error('ENOENT: /var/lib/vodforge/storage/titles/x'));
    expect(r).toEqual({
      json: { statusCode: 500, code: 'VF_INTERNAL', error: 'Internal Server Error', message: 'Internal error' },
      unexpected: true,
    });
    expect(plainTusError(412, 'Tus-Resumable Required\n')).toMatchObject({ statusCode: 412, code: 'VF_TUS_VERSION_UNSUPPORTED' });
  });
});

describe('upload hashes', () => {
  it('continues a hash only at the offset it stopped at', () => {
    const h = new UploadHashes();
    const first = h.take('u', 0);
    first?.update('ab');
    if (first !== undefined) h.keep('u', 2, first);
    expect(h.take('u', 5)).toBeUndefined();
    const again = h.take('u', 0);
    again?.update('abcd');
    if (again !== undefined) h.keep('u', 4, again);
    expect(h.digestAt('u', 3)).toBeUndefined();
    expect(h.digestAt('u', 4)).toBe(createHash('sha256').update('abcd').digest('hex'));
    // Peeking does not consume: asked again (a publication retried), the same digest.
    expect(h.digestAt('u', 4)).toBe(createHash('sha256').update('abcd').digest('hex'));
    h.pruneIdle(Date.now() + 1);
    expect(h.size).toBe(0);
  });
});
