// The one config loader: defaults < config file < environment < flags (applied by the caller).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { maskDatabaseUrl } from './database.ts';
import { ConfigError } from './errors.ts';
import { configSchema, type Config } from './schema.ts';

export const DEFAULT_CONFIG_FILE = 'ghl-etl.config.json';
const PRODUCTION_BASE_URL = 'https://services.leadconnectorhq.com';
const MARKETPLACE_AUTH_URL = 'https://marketplace.gohighlevel.com/v2/oauth/chooselocation';

type Env = Record<string, string | undefined>;

function readConfigFile(path: string | undefined, env: Env): { data: Record<string, unknown>; path?: string } {
  // An empty GHL_ETL_CONFIG (e.g. `GHL_ETL_CONFIG= ghl-etl ...`) means unset, as for any variable.
  const explicit = path ?? (env.GHL_ETL_CONFIG || undefined);
  const file = resolve(explicit ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(file)) {
    if (explicit) throw new ConfigError(`config file ${file} does not exist: fix --config / GHL_ETL_CONFIG`);
    return { data: {} };
  }
  if (statSync(file).isDirectory()) {
    throw new ConfigError(`config file ${file} is a folder: name the JSON file in --config / GHL_ETL_CONFIG, e.g. ${join(file, DEFAULT_CONFIG_FILE)}`);
  }
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new Error('the top level must be a JSON object');
    }
    return { data: stripComments(data) as Record<string, unknown>, path: file };
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid JSON (${(err as Error).message}): fix the file`);
  }
}

/** JSON has no comments, so keys starting with "//" are comments (see ghl-etl.config.example.json). */
function stripComments(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripComments);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).filter(([k]) => !k.startsWith('//')).map(([k, v]) => [k, stripComments(v)]),
  );
}

/** Environment variables of CONVENTIONS.md and the config key each one sets. */
export const ENV_KEYS: Record<string, string> = {
  GHL_BASE_URL: 'baseUrl',
  GHL_AUTH_URL: 'authUrl',
  GHL_ETL_DB: 'db',
  GHL_ETL_SECRET: 'secret',
  GHL_COMPANY_ID: 'companyId',
  GHL_WEBHOOK_PUBLIC_KEY: 'webhookPublicKey',
  INTAKE_SECRET: 'intakeSecret',
  GHL_CLIENT_ID: 'oauth.clientId',
  GHL_CLIENT_SECRET: 'oauth.clientSecret',
  GHL_REDIRECT_URI: 'oauth.redirectUri',
  LEADCARS_BASE_URL: 'leadcars.baseUrl',
  LEADCARS_TOKEN: 'leadcars.token',
  GHL_ETL_MCP_TOKEN: 'mcp.httpToken',
};

/** Environment variables of CONVENTIONS.md, written over the file's values. */
function applyEnv(data: Record<string, unknown>, env: Env): Record<string, unknown> {
  const out: Record<string, any> = structuredClone(data);
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const [section, field] = key.split('.') as [string, string | undefined];
    if (field === undefined) out[section] = value;
    else out[section] = { ...(out[section] ?? {}), [field]: value };
  }
  if (env.GHL_LOCATION_ID) {
    // One location from the environment; its token overrides the file's entry for that id.
    const listed: Array<Record<string, unknown>> = Array.isArray(out.locations) ? out.locations : [];
    const others = listed.filter((l) => l.id !== env.GHL_LOCATION_ID);
    const same = listed.find((l) => l.id === env.GHL_LOCATION_ID) ?? {};
    out.locations = [...others, { ...same, id: env.GHL_LOCATION_ID, ...(env.GHL_TOKEN ? { token: env.GHL_TOKEN } : {}) }];
  } else if (env.GHL_TOKEN) {
    throw new ConfigError('GHL_TOKEN is set without GHL_LOCATION_ID: set the location id the token belongs to (or put both in "locations[]" of the config file)');
  }
  return out;
}

export interface LoadedConfig extends Config {
  /** The config file read, if any. */
  configFile?: string;
  /** The authorize URL actually used: explicit, else derived from baseUrl. */
  authUrl: string;
}

export function loadConfig(opts: { configPath?: string; env?: Env } = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const file = readConfigFile(opts.configPath, env);
  const parsed = configSchema.safeParse(applyEnv(file.data, env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.join('.') || '(top level)';
    // A value that came from the environment is fixed there: name the variable and the key.
    const fromEnv = Object.entries(ENV_KEYS).find(([name, k]) => k === key && env[name]);
    if (fromEnv) throw new ConfigError(`${fromEnv[0]} ("${key}") ${issue.message}: fix ${fromEnv[0]}`);
    const where = file.path ? `config file ${file.path}` : 'configuration';
    throw new ConfigError(`${where}: "${key}" ${issue.message}: fix that key (see ghl-etl.config.example.json)`);
  }
  const config = parsed.data;
  const base = config.baseUrl.replace(/\/+$/, '');
  const authUrl = config.authUrl ?? (base === PRODUCTION_BASE_URL ? MARKETPLACE_AUTH_URL : `${base}/v2/oauth/chooselocation`);
  return { ...config, baseUrl: base, authUrl, ...(file.path ? { configFile: file.path } : {}) };
}

/** The configuration with every secret masked, for `config check` and logs. */
export function maskSecrets(config: LoadedConfig): unknown {
  const mask = (s: string | undefined) => (s ? '****' : s);
  return {
    ...config,
    db: maskDatabaseUrl(config.db),
    secret: mask(config.secret),
    locations: config.locations.map((l) => ({ ...l, token: mask(l.token) })),
    oauth: { ...config.oauth, clientSecret: mask(config.oauth.clientSecret) },
    leadcars: { ...config.leadcars, token: mask(config.leadcars.token) },
    intakeSecret: mask(config.intakeSecret),
    mcp: { ...config.mcp, httpToken: mask(config.mcp.httpToken) },
  };
}
