import type { CreateTitleBodyT } from '../schemas.ts';
import { UsageError } from './args.ts';

/** One `--audio` choice as the API takes it. */
export type AudioChoiceBody = NonNullable<CreateTitleBodyT['audio']>[number];

const SPEC = /^(\d{1,2}(?:\+\d{1,2})*)(?::([^:]*))?(?::(.+))?$/;

/**
 * Parses `--audio STREAMS[:LANGUAGE[:NAME]]`: the master's audio streams (from 0) of one
 * rendition, joined with `+` when they are channels of one mix (`0+1` left and right), then
 * an optional BCP-47 language and display name: `--audio 0+1:en:English --audio 2:fr`. Pure;
 * the API checks the rest (a stream the master lacks, a tag that is not one).
 */
export function parseAudioOption(spec: string): AudioChoiceBody {
  const m = SPEC.exec(spec);
  if (m === null) {
    throw new UsageError(
      `Expected --audio to be STREAMS[:LANGUAGE[:NAME]] (streams from 0, joined with +: 0+1:en:English), got ${JSON.stringify(spec)}`,
    );
  }
  const [index, ...joinWith] = (m[1] ?? '').split('+').map(Number);
  const language = m[2] === undefined || m[2] === '' ? undefined : m[2];
  return {
    index: index ?? 0,
    ...(joinWith.length === 0 ? {} : { joinWith }),
    ...(language === undefined ? {} : { language }),
    ...(m[3] === undefined ? {} : { name: m[3] }),
  };
}
