/**
 * Language tags for renditions: BCP-47 as HLS (`LANGUAGE`, RFC 8216 4.4.6.1) and DASH (`lang`)
 * want them, from what containers write (ISO 639-2 `fre`/`fra`, `ger`, or already BCP-47).
 * Canonicalisation is CLDR's, through `Intl`: it maps the three-letter codes that have a
 * two-letter form to it (`fre`, `fra` → `fr`), so no table of our own can drift from it.
 */

/** A tag players can use, and whether it was understood. */
export interface Language {
  /** Canonical BCP-47, or `und` when the source gave none or one nobody knows. */
  readonly tag: string;
  /** English display name (`French`, `Brazilian Portuguese`); absent for `und`. */
  readonly displayName?: string;
  /** Why the source's tag became `und`, when it had one that was not understood. */
  readonly unknown?: string;
}

const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/** Canonical BCP-47 of `tag`, or undefined when it is not a well-formed tag. */
export function canonicalTag(tag: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(tag.trim().replace(/_/g, '-'))[0];
  } catch {
    return undefined;
  }
}

/**
 * Reads a container's language tag. Well-formed tags whose language CLDR does not name
 * (`xyz`, `qaa` for "original version", `mis`) become `und`, and say so: a made-up tag
 * would make players offer a language that is not one.
 */
export function languageOf(raw: string | undefined): Language {
  if (raw === undefined || raw.trim() === '' || /^(und|unk|zxx|mul)$/i.test(raw.trim())) return { tag: 'und' };
  const tag = canonicalTag(raw);
  if (tag === undefined) return { tag: 'und', unknown: `"${raw}" is not a language tag` };
  const displayName = names.of(tag) ?? names.of(tag.split('-')[0] ?? '');
  if (displayName === undefined) return { tag: 'und', unknown: `"${raw}" names no known language` };
  return { tag, displayName };
}
