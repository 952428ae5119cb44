/**
 * Which hosts players may be steered to. An approved plan sends every steered player's segment
 * requests to its appliances' `baseUrl`s, so one operator key could otherwise point a whole
 * region at any host. Appliance origins are configured (`VF_APPLIANCE_ORIGINS`), https only;
 * a plan naming another origin is refused, and a stored plan is re-checked when it steers.
 */

export class ApplianceOriginError extends Error {
  override readonly name = 'ApplianceOriginError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The origin of an https URL with no credentials, query or fragment, or undefined. */
function httpsUrl(value: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return undefined;
  return url;
}

/**
 * Parses the configured allowlist: comma-separated https origins (`https://edge.isp.example`,
 * a port allowed, no path). Returns them normalised (`URL.origin`); throws on any other entry.
 */
export function parseApplianceOrigins(raw: string | undefined): readonly string[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry) => {
      const url = httpsUrl(entry);
      if (url === undefined || (url.pathname !== '/' && url.pathname !== '')) {
        throw new ApplianceOriginError(
          'VF_APPLIANCE_ORIGINS',
          `Expected VF_APPLIANCE_ORIGINS to list https origins such as https://edge-1.isp.example, got ${JSON.stringify(entry)}`,
        );
      }
      return url.origin;
    });
}

/**
 * A plan's appliance `baseUrl`, normalised: https, its origin on the allowlist. The path is
 * kept as the URL parser serialises it (percent-encoded, so no `"` or space can reach a
 * manifest attribute), without a trailing slash. Throws naming `field`.
 */
export function allowedBaseUrl(field: string, value: string, allowed: readonly string[]): string {
  const url = httpsUrl(value);
  if (url === undefined)
    throw new ApplianceOriginError(
      field,
      `Expected \`${field}\` to be an https URL without credentials, query or fragment, got ${JSON.stringify(value)}`,
    );
  if (!allowed.includes(url.origin)) {
    const list = allowed.length === 0 ? 'none is configured (set VF_APPLIANCE_ORIGINS)' : allowed.join(', ');
    throw new ApplianceOriginError(field, `\`${field}\` names ${url.origin}, which is not an allowed appliance origin; allowed: ${list}`);
  }
  return url.href.replace(/\/+$/, '');
}

/** `baseUrl` as `allowedBaseUrl` returns it, or undefined when it would be refused (a stored plan checked again before it steers). */
export function steerableBaseUrl(baseUrl: string, allowed: readonly string[]): string | undefined {
  try {
    return allowedBaseUrl('baseUrl', baseUrl, allowed);
  } catch {
    return undefined;
  }
}
