import { createHash } from 'node:crypto';

/**
 * Content-Security-Policy of a page vodforge serves, allowing its own inline `<script>` and
 * `<style>` blocks by hash (CSP level 2) and nothing else inline: an injected script, or a
 * script from elsewhere, does not run. `directives` adds or replaces the rest.
 */
export function pageCsp(html: string, directives: Readonly<Record<string, string>>): string {
  const hashes = (tag: 'script' | 'style'): string[] =>
    [...html.matchAll(new RegExp(`<${tag}(?![^>]*\\bsrc=)[^>]*>([\\s\\S]*?)</${tag}>`, 'g'))].map(
      (m) =>
        `'sha256-${createHash('sha256')
          .update(m[1] ?? '')
          .digest('base64')}'`,
    );
  const policy: Record<string, string> = {
    'default-src': "'none'",
    'script-src': ["'self'", ...hashes('script')].join(' '),
    'style-src': ["'self'", ...hashes('style')].join(' '),
    'base-uri': "'none'",
    'form-action': "'none'",
    'object-src': "'none'",
    'frame-ancestors': "'none'",
    ...directives,
  };
  return Object.entries(policy)
    .map(([k, v]) => `${k} ${v}`)
    .join('; ');
}
