import type { CreateTitleBodyT } from '../schemas.ts';
import { UsageError } from './args.ts';

/** One `--audio` choice as the API takes it. */
export type AudioChoiceBody = NonNullable<CreateTitleBodyT['audio']>[number];

const SPEC = /^(\d{1,2}(?:\.\d{1,2})?(?:\+\d{1,2}(?:\.\d{1,2})?)*)(?::([^:]*))?(?::(.+))?$/;

const FORM = 'STREAMS[:LANGUAGE[:NAME]] (streams from 0 joined with +, or channels of one stream as S.C: 0+1:en:English, 0.0+0.1:en)';

/**
 * Parses `--audio STREAMS[:LANGUAGE[:NAME]]`: the master's audio streams (from 0) of one
 * rendition, joined with `+` when they are channels of one mix (`0+1`: left and right), or
 * channels of one stream as `stream.channel` (`0.0+0.1`: the first two of stream 0), then an
 * optional BCP-47 language and display name: `--audio 0+1:en:English --audio 2:fr`. Pure;
 * the API checks the rest (a stream the master lacks, a tag that is not one).
 */
export function parseAudioOption(spec: string): AudioChoiceBody {
  const m = SPEC.exec(spec);
  if (m === null) throw new UsageError(`Expected --audio to be ${FORM}, got ${JSON.stringify(spec)}`);
  const parts = (m[1] ?? '').split('+').map((t) => t.split('.').map(Number) as [number, number?]);
  const language = m[2] === undefined || m[2] === '' ? undefined : m[2];
  const labels = { ...(language === undefined ? {} : { language }), ...(m[3] === undefined ? {} : { name: m[3] }) };
  const [index = 0] = parts[0] ?? [];
  if (parts.every(([, channel]) => channel === undefined)) {
    const joinWith = parts.slice(1).map(([s]) => s);
    return { index, ...(joinWith.length === 0 ? {} : { joinWith }), ...labels };
  }
  if (parts.some(([s, channel]) => channel === undefined || s !== index)) {
    throw new UsageError(`Expected --audio to name whole streams or channels of one stream, got ${JSON.stringify(spec)}`);
  }
  return { index, channels: parts.map(([, channel]) => channel ?? 0), ...labels };
}
