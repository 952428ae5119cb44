/**
 * The browser pages an API process can serve (`VF_PAGES`). The console keeps an API key in its
 * origin's storage: a deployment can serve it alone on one origin, and the player pages (which
 * load manifests from any `?src=`) and the API docs on another.
 */
export const PAGES = ['console', 'player', 'docs'] as const;
export type Page = (typeof PAGES)[number];
