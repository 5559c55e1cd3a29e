import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, maskSecrets } from '../src/config/load.ts';
import { ConfigError } from '../src/config/errors.ts';

function configFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-config-'));
  const path = join(dir, 'ghl-etl.config.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('configuration', () => {
  it('applies defaults < file < environment', () => {
    const path = configFile({ db: 'from-file.sqlite', rateLimit: { max: 50 }, locations: [{ id: 'loc1', token: 'file-token' }] });
    const config = loadConfig({ configPath: path, env: { GHL_ETL_DB: 'from-env.sqlite', GHL_LOCATION_ID: 'loc1', GHL_TOKEN: 'env-token' } });
    expect(config.db).toBe('from-env.sqlite');
    expect(config.rateLimit.max).toBe(50);
    // Unset: the client follows the window HighLevel reports; the file's max is a ceiling.
    expect(config.rateLimit.intervalMs).toBeUndefined();
    expect(config.locations).toEqual([{ id: 'loc1', token: 'env-token' }]);
  });

  it('derives the authorize URL from a non-production base URL', () => {
    const config = loadConfig({ env: { GHL_BASE_URL: 'http://127.0.0.1:9999/', GHL_ETL_CONFIG: undefined } });
    expect(config.baseUrl).toBe('http://127.0.0.1:9999');
    expect(config.authUrl).toBe('http://127.0.0.1:9999/v2/oauth/chooselocation');
  });

  it('names the bad key and the fix', () => {
    const path = configFile({ sync: { concurrency: 0 } });
    expect(() => loadConfig({ configPath: path, env: {} })).toThrowError(/"sync\.concurrency".*fix that key/);
    const typo = configFile({ rateLimits: {} });
    expect(() => loadConfig({ configPath: typo, env: {} })).toThrowError(ConfigError);
    expect(() => loadConfig({ configPath: configFile('{not json'), env: {} })).toThrowError(/not valid JSON/);
    expect(() => loadConfig({ configPath: '/nonexistent/x.json', env: {} })).toThrowError(/does not exist/);
  });

  it('an empty GHL_ETL_CONFIG is unset: the default file (here none) is read, not the working folder', () => {
    const config = loadConfig({ env: { GHL_ETL_CONFIG: '', GHL_BASE_URL: 'http://127.0.0.1:9999' } });
    expect(config.baseUrl).toBe('http://127.0.0.1:9999');
  });

  it('phoneCountry: ES by default, upper-cased, and refused when no such country', () => {
    expect(loadConfig({ configPath: configFile({}), env: {} }).phoneCountry).toBe('ES');
    expect(loadConfig({ configPath: configFile({ phoneCountry: 'pt' }), env: {} }).phoneCountry).toBe('PT');
    expect(() => loadConfig({ configPath: configFile({ phoneCountry: 'XX' }), env: {} })).toThrowError(/"phoneCountry".*two-letter country code/);
  });

  it('takes base URLs over http(s) only, https beyond this machine, never with a user or password (never echoed)', () => {
    const refused = (env: Record<string, string>) => {
      try {
        loadConfig({ configPath: configFile({}), env });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error(`accepted ${JSON.stringify(env)}`);
    };
    expect(refused({ GHL_BASE_URL: 'https://admin:hunter2@services.example.com' })).toMatch(/^GHL_BASE_URL \("baseUrl"\) must not carry a user or password/);
    expect(refused({ GHL_BASE_URL: 'https://admin:hunter2@services.example.com' })).not.toContain('hunter2');
    expect(refused({ GHL_BASE_URL: 'file:///etc/passwd' })).toMatch(/must be an http\(s\) URL, not file:/);
    expect(refused({ GHL_BASE_URL: 'javascript:alert(1)' })).toMatch(/must be an http\(s\) URL, not javascript:/);
    expect(refused({ GHL_BASE_URL: 'http://services.example.com' })).toMatch(/must use https for a host other than this machine/);
    expect(refused({ LEADCARS_BASE_URL: 'http://api.leadcars.es/api/v2' })).toMatch(/^LEADCARS_BASE_URL .*https/);
    expect(refused({ GHL_AUTH_URL: 'ftp://x.example.com' })).toMatch(/^GHL_AUTH_URL/);
    for (const ok of ['http://127.0.0.1:9', 'http://localhost:8080/', 'http://[::1]:9', 'https://services.example.com']) {
      expect(loadConfig({ configPath: configFile({}), env: { GHL_BASE_URL: ok } }).baseUrl).toBe(ok.replace(/\/$/, ''));
    }
  });

  it('refuses an intake secret shorter than 32 characters', () => {
    expect(() => loadConfig({ configPath: configFile({}), env: { INTAKE_SECRET: 'a' } })).toThrowError(/^INTAKE_SECRET \("intakeSecret"\) must be at least 32 characters/);
    expect(() => loadConfig({ configPath: configFile({}), env: { INTAKE_SECRET: `${' '.repeat(40)}x` } })).toThrowError(/at least 32/);
    expect(loadConfig({ configPath: configFile({}), env: { INTAKE_SECRET: 'x'.repeat(32) } }).intakeSecret).toBe('x'.repeat(32));
  });

  it('refuses a token without its location', () => {
    expect(() => loadConfig({ env: { GHL_TOKEN: 'pit-abc' } })).toThrowError(/GHL_LOCATION_ID/);
  });

  it('accepts the shipped example, whose comment keys are ignored', () => {
    const config = loadConfig({ configPath: join(import.meta.dirname, '..', 'ghl-etl.config.example.json'), env: {} });
    expect(config.sync.lister).toBe('list');
    expect(config.locations.length).toBe(1);
  });

  it('masks every secret', () => {
    const secret = 'x'.repeat(40);
    const config = loadConfig({ env: { GHL_LOCATION_ID: 'l', GHL_TOKEN: 'pit-secret-token', GHL_CLIENT_SECRET: 'client-secret-value', GHL_ETL_SECRET: secret } });
    const text = JSON.stringify(maskSecrets(config));
    for (const s of ['pit-secret-token', 'client-secret-value', secret]) expect(text).not.toContain(s);
  });
});
