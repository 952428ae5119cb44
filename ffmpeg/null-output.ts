/**
 * Output options of a read that keeps nothing: the master's first video stream only, through
 * `filter` (whose side effects, metadata printed to a file, are the result), `frames` of it at
 * most, to the null muxer.
 */
export function videoToNull(filter: string, frames?: number): string[] {
  return [
    '-map',
    '0:v:0',
    '-an',
    '-sn',
    '-dn',
    ...(frames === undefined ? [] : ['-frames:v', String(frames)]),
    '-vf',
    filter,
    '-f',
    'null',
    '-',
  ];
}
