import { describe, expect, it } from 'vitest';
import { allowedBaseUrl, parseApplianceOrigins, steerableBaseUrl } from '../../../orchestrator/fill-plans/appliance-origins.ts';
import { parsePublicUrl, publicOrigin } from '../../../orchestrator/public-url.ts';
import { loadConfig } from '../../../orchestrator/config.ts';

describe('appliance origin allowlist', () => {
  it('normalises configured https origins and refuses anything else', () => {
    expect(parseApplianceOrigins(' https://Edge-1.ISP.example/ , https://edge-2.isp.example:8443')).toEqual([
      'https://edge-1.isp.example',
      'https://edge-2.isp.example:8443',
    ]);
    expect(parseApplianceOrigins(undefined)).toEqual([]);
    for (const bad of [
      'http://edge.example',
      'https://edge.example/cache',
      'https://u:p@edge.example',
      'edge.example',
      'https://edge.example/?a=1',
    ]) {
      expect(() => parseApplianceOrigins(bad), bad).toThrow(/VF_APPLIANCE_ORIGINS/);
    }
  });

  it('allows a baseUrl only on a listed origin, https, with its path percent-encoded', () => {
    const allowed = ['https://edge-1.isp.example'];
    expect(allowedBaseUrl('a.baseUrl', 'https://EDGE-1.isp.example/v"f/', allowed)).toBe('https://edge-1.isp.example/v%22f');
    expect(() => allowedBaseUrl('a.baseUrl', 'http://edge-1.isp.example', allowed)).toThrow(/`a.baseUrl`.*https URL/);
    expect(() => allowedBaseUrl('a.baseUrl', 'https://edge-1.isp.example.evil.example', allowed)).toThrow(
      /`a.baseUrl` names https:\/\/edge-1.isp.example.evil.example/,
    );
    expect(() => allowedBaseUrl('a.baseUrl', 'https://edge-1.isp.example@evil.example', allowed)).toThrow(/`a.baseUrl`/);
    expect(steerableBaseUrl('https://edge-1.isp.example:444', allowed)).toBeUndefined();
    expect(steerableBaseUrl('https://edge-1.isp.example', [])).toBeUndefined();
  });
});

describe('public URL', () => {
  it('is the configured one, else the address the request arrived on, never a header', () => {
    expect(parsePublicUrl('https://vod.example.com/')).toBe('https://vod.example.com');
    expect(() => parsePublicUrl('ftp://vod.example.com')).toThrow(/VF_PUBLIC_URL/);
    expect(publicOrigin('https://vod.example.com', { localAddress: '10.0.0.1', localPort: 8080 })).toBe('https://vod.example.com');
    expect(publicOrigin(undefined, { localAddress: '::ffff:10.0.0.1', localPort: 8080 })).toBe('http://10.0.0.1:8080');
    expect(publicOrigin(undefined, { localAddress: '::1', localPort: 8080 })).toBe('http://[::1]:8080');
  });

  it('is read from the environment with the allowlist, and a bad value stops start-up', () => {
    const c = loadConfig({ VF_PUBLIC_URL: 'https://vod.example.com', VF_APPLIANCE_ORIGINS: 'https://edge.example' });
    expect(c.publicUrl).toBe('https://vod.example.com');
    expect(c.applianceOrigins).toEqual(['https://edge.example']);
    expect(() => loadConfig({ VF_APPLIANCE_ORIGINS: 'http://edge.example' })).toThrow(expect.objectContaining({ code: 'VF_CONFIG' }));
  });
});
