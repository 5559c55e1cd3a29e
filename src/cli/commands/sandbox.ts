// `ghl-etl sandbox`: run the HighLevel simulator on 127.0.0.1 until SIGINT/SIGTERM.
import { UsageError, intFlag, parseFlags } from '../args.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { log } from '../../log.ts';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/index.ts';
import { oauthExtension } from '../../sandbox/oauth.ts';

const USAGE = `ghl-etl sandbox [--port N] [--locations N] [--contacts N] [--seed N]
    [--rate-limit 100/10s|none] [--rate-window sliding|fixed] [--daily-limit N]
    [--faults RATE] [--slow-ms MS] [--time-scale X] [--token-ttl SECONDS] [--json]

  --port N            port on 127.0.0.1 (0 picks a free one; default 0)
  --locations N       sub-accounts to seed (default 2)
  --contacts N        contacts per location (default 100)
  --seed N            same seed, same data (default 1)
  --rate-limit R      burst limit per location, "100/10s" (default) or "none"
  --rate-window W     sliding (default, the stricter) or fixed
  --daily-limit N     requests per location per day (default 200000)
  --faults RATE       share of requests that fail, 0..1 (500/502/503, dropped, slow)
  --slow-ms MS        how long a slow answer is held (default 2000 / time scale)
  --time-scale X      divides rate windows, the day and token lifetimes (default 1)
  --token-ttl S       OAuth access token lifetime in seconds (default 86399)
  --json              print one JSON line: {"url","locations","oauth","companyId"}`;

const FLAGS = {
  port: { type: 'string' },
  locations: { type: 'string' },
  contacts: { type: 'string' },
  seed: { type: 'string' },
  'rate-limit': { type: 'string' },
  'rate-window': { type: 'string' },
  'daily-limit': { type: 'string' },
  faults: { type: 'string' },
  'slow-ms': { type: 'string' },
  'time-scale': { type: 'string' },
  'token-ttl': { type: 'string' },
  'webhook-url': { type: 'string' },
  leadcars: { type: 'boolean' },
} as const;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "100/10s" -> {max: 100, windowMs: 10000}; "none" -> 'none'. */
export function parseRateLimit(text: string): { max: number; windowMs: number } | 'none' {
  if (text === 'none') return 'none';
  const m = /^(\d+)\/(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m || Number(m[1]) < 1 || Number(m[2]) <= 0) {
    throw new UsageError(`--rate-limit takes REQUESTS/WINDOW like "100/10s" (units ms, s, m, h) or "none", got "${text}"`);
  }
  return { max: Number(m[1]), windowMs: Number(m[2]) * UNIT_MS[m[3]!]! };
}

function rateFlag(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} takes a number from ${min} to ${max}, got "${value}"`);
  return n;
}

export function sandboxOptionsFromFlags(argv: string[]): { options: SandboxOptions; json: boolean } {
  const { values } = parseFlags(argv, FLAGS, USAGE);
  if (values['webhook-url'] !== undefined) throw new UsageError('--webhook-url is not yet supported by this sandbox');
  if (values.leadcars) throw new UsageError('--leadcars is not yet supported by this sandbox');
  const rateWindow = values['rate-window'];
  if (rateWindow !== undefined && rateWindow !== 'sliding' && rateWindow !== 'fixed') {
    throw new UsageError(`--rate-window takes "sliding" or "fixed", got "${rateWindow}"`);
  }
  const timeScale = rateFlag(values['time-scale'], 'time-scale', Number.MIN_VALUE, Number.MAX_SAFE_INTEGER);
  const options: SandboxOptions = {
    port: intFlag(values.port, 'port', 0),
    locations: intFlag(values.locations, 'locations', 2),
    contacts: intFlag(values.contacts, 'contacts', 100),
    seed: intFlag(values.seed, 'seed', 1),
    rateLimit: parseRateLimit(values['rate-limit'] ?? '100/10s'),
    rateWindow: rateWindow ?? 'sliding',
    dailyLimit: intFlag(values['daily-limit'], 'daily-limit', 200_000),
    faults: rateFlag(values.faults, 'faults', 0, 1) ?? 0,
    ...(values['slow-ms'] !== undefined ? { slowMs: intFlag(values['slow-ms'], 'slow-ms') } : {}),
    ...(timeScale !== undefined ? { timeScale } : {}),
    tokenTtlSeconds: intFlag(values['token-ttl'], 'token-ttl', 86_399),
  };
  return { options, json: values.json === true };
}

/** The `--json` line of CONVENTIONS.md. */
export function describeSandbox(sandbox: Sandbox): Record<string, unknown> {
  return {
    url: sandbox.url,
    locations: sandbox.locations,
    ...(sandbox.oauth ? { oauth: { clientId: sandbox.oauth.clientId, clientSecret: sandbox.oauth.clientSecret } } : {}),
    companyId: sandbox.companyId,
  };
}

function humanSummary(sandbox: Sandbox): string {
  const first = sandbox.locations[0];
  const lines = [
    `HighLevel sandbox listening on ${sandbox.url}`,
    ...sandbox.locations.map((l) => `  location ${l.id}  token ${l.token}`),
    `  company  ${sandbox.companyId}`,
    ...(sandbox.oauth ? [`  OAuth app client id ${sandbox.oauth.clientId} (--json also prints its secret)`] : []),
  ];
  if (first) {
    lines.push(
      '',
      'Try:',
      `  curl -s -H "Authorization: Bearer ${first.token}" -H "Version: 2021-07-28" \\`,
      `    "${sandbox.url}/contacts/?locationId=${first.id}&limit=2"`,
      '',
      `Ground truth: ${sandbox.url}/__sandbox/state?locationId=${first.id}   Stats: ${sandbox.url}/__sandbox/stats`,
    );
  }
  lines.push('Ctrl-C stops it.');
  return lines.join('\n');
}

async function run(argv: string[]): Promise<number> {
  const { options, json } = sandboxOptionsFromFlags(argv);
  const sandbox = await startSandbox({ ...options, extensions: [oauthExtension()] });
  // The sandbox's tokens are fake and printing them is its purpose; stdout only, never the log.
  process.stdout.write(json ? `${JSON.stringify(describeSandbox(sandbox))}\n` : `${humanSummary(sandbox)}\n`);
  log().info({ url: sandbox.url, locations: sandbox.locations.length }, 'sandbox started');

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await sandbox.stop();
  log().info({ signal }, 'sandbox stopped');
  return EXIT.ok;
}

export const sandboxCommand: Command = {
  name: 'sandbox',
  summary: 'Run the HighLevel simulator on 127.0.0.1 (for trying the tool and for tests)',
  usage: USAGE,
  run,
};
