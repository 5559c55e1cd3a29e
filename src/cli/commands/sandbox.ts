// `ghl-etl sandbox`: run the HighLevel simulator on 127.0.0.1 until SIGINT/SIGTERM.
import { InvalidArgumentError, type Command } from 'commander';
import { log } from '../../log.ts';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/index.ts';
import { oauthExtension } from '../../sandbox/oauth.ts';
import { oneOf, UsageError, wholeNumber } from '../args.ts';
import { leaf } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "100/10s" -> {max: 100, windowMs: 10000}; "none" -> 'none'. */
export function parseRateLimit(text: string): { max: number; windowMs: number } | 'none' {
  if (text === 'none') return 'none';
  const m = /^(\d+)\/(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m || Number(m[1]) < 1 || Number(m[2]) <= 0) {
    throw new InvalidArgumentError('takes REQUESTS/WINDOW like "100/10s" (units ms, s, m, h) or "none"');
  }
  return { max: Number(m[1]), windowMs: Number(m[2]) * UNIT_MS[m[3]!]! };
}

function numberFrom(min: number, max: number, what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`takes ${what}`);
    return n;
  };
}

interface SandboxFlags {
  port: number;
  locations: number;
  contacts: number;
  seed: number;
  rateLimit: { max: number; windowMs: number } | 'none';
  rateWindow: 'sliding' | 'fixed';
  dailyLimit: number;
  faults: number;
  slowMs?: number;
  timeScale?: number;
  tokenTtl: number;
  webhookUrl?: string;
  leadcars?: boolean;
  quirks?: boolean;
  leadcarsPort?: number;
}

export function sandboxOptions(flags: SandboxFlags): SandboxOptions {
  if (flags.webhookUrl !== undefined && !/^https?:\/\/\S+$/.test(flags.webhookUrl)) {
    throw new UsageError(`--webhook-url takes an http(s) URL such as http://127.0.0.1:8787/webhooks/ghl, not "${flags.webhookUrl}"`);
  }
  return {
    port: flags.port,
    locations: flags.locations,
    contacts: flags.contacts,
    seed: flags.seed,
    rateLimit: flags.rateLimit,
    rateWindow: flags.rateWindow,
    dailyLimit: flags.dailyLimit,
    faults: flags.faults,
    ...(flags.slowMs !== undefined ? { slowMs: flags.slowMs } : {}),
    ...(flags.timeScale !== undefined ? { timeScale: flags.timeScale } : {}),
    tokenTtlSeconds: flags.tokenTtl,
    // --leadcars-port implies --leadcars.
    ...(flags.leadcarsPort !== undefined ? { leadcars: { port: flags.leadcarsPort } } : flags.leadcars ? { leadcars: true } : {}),
    ...(flags.quirks ? { quirks: true } : {}),
    ...(flags.webhookUrl !== undefined ? { webhookUrl: flags.webhookUrl } : {}),
  };
}

/** The `--json` line of CONVENTIONS.md. */
export function describeSandbox(sandbox: Sandbox): Record<string, unknown> {
  return {
    url: sandbox.url,
    locations: sandbox.locations,
    ...(sandbox.oauth ? { oauth: { clientId: sandbox.oauth.clientId, clientSecret: sandbox.oauth.clientSecret } } : {}),
    companyId: sandbox.companyId,
    ...(sandbox.leadcars ? { leadcars: { url: sandbox.leadcars.url, token: sandbox.leadcars.token } } : {}),
    ...(sandbox.webhookPublicKey ? { webhookPublicKey: sandbox.webhookPublicKey } : {}),
  };
}

function humanSummary(sandbox: Sandbox): string {
  const first = sandbox.locations[0];
  const lines = [
    `HighLevel sandbox listening on ${sandbox.url}`,
    ...sandbox.locations.map((l) => `  location ${l.id}  token ${l.token}`),
    `  company  ${sandbox.companyId}`,
    ...(sandbox.oauth ? [`  OAuth app client id ${sandbox.oauth.clientId} (--json also prints its secret)`] : []),
    ...(sandbox.leadcars ? [`LeadCars sandbox on ${sandbox.leadcars.url}  cliente-token ${sandbox.leadcars.token}`] : []),
    ...(sandbox.quirks ? ['Quirks on: answers depart from HighLevel\'s files the way live ones do (`ghl-etl status` lists what the client tolerated)'] : []),
    ...(sandbox.webhookPublicKey ? [`Webhooks signed with public key ${sandbox.webhookPublicKey} (GHL_WEBHOOK_PUBLIC_KEY for serve)`] : []),
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

export function register(program: Command): void {
  leaf<SandboxFlags>(program.command('sandbox')
    .summary('Run the HighLevel simulator on 127.0.0.1 (for trying the tool and for tests)')
    .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', wholeNumber, 0)
    .option('--locations <n>', 'sub-accounts to seed', wholeNumber, 2)
    .option('--contacts <n>', 'contacts per location', wholeNumber, 100)
    .option('--seed <n>', 'same seed, same data', wholeNumber, 1)
    .option('--rate-limit <r>', 'burst limit per location, "100/10s" or "none"', parseRateLimit, parseRateLimit('100/10s'))
    .option('--rate-window <w>', 'sliding (the stricter) or fixed', oneOf(['sliding', 'fixed'] as const), 'sliding')
    .option('--daily-limit <n>', 'requests per location per day', wholeNumber, 200_000)
    .option('--faults <rate>', 'share of requests that fail, 0..1 (500/502/503, dropped, slow)', numberFrom(0, 1, 'a number from 0 to 1'), 0)
    .option('--slow-ms <ms>', 'how long a slow answer is held (default 2000 / time scale)', wholeNumber)
    .option('--time-scale <x>', 'divides rate windows, the day and token lifetimes (default 1)', numberFrom(Number.MIN_VALUE, Number.MAX_SAFE_INTEGER, 'a positive number'))
    .option('--token-ttl <seconds>', 'OAuth access token lifetime', wholeNumber, 86_399)
    .option('--webhook-url <url>', 'deliver signed HighLevel webhooks for every change to this URL (e.g. serve\'s /webhooks/ghl)')
    .option('--leadcars', 'also run the LeadCars sandbox (same seed, faults and time scale)')
    .option('--quirks', 'answer as live HighLevel departs from its files: nulls, a string for a list of one, numbers where strings are documented, pages without meta, unknown fields')
    .option('--leadcars-port <n>', 'port of the LeadCars sandbox on 127.0.0.1 (implies --leadcars; default: a free one)', numberFrom(0, 65_535, 'a port number from 0 to 65535'))
    .addHelpText('after', '\n--json prints one JSON line: {"url","locations","oauth","companyId","leadcars"?,"webhookPublicKey"?}. Ctrl-C stops it.'),
  async (flags) => {
    const options = sandboxOptions(flags);
    const json = flags.json === true;
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
  });
}
