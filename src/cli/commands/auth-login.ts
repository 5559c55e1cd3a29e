// `ghl-etl auth login`: connect a location (or an agency) through HighLevel's OAuth page.
import type { Command } from 'commander';
import { log } from '../../log.ts';
import {
  AGENCY_SCOPES, buildAuthorizeUrl, codeFromRedirect, listenForCallback, newState, READ_SCOPES, readPastedUrl, requireOAuthApp,
  scopesFor, WRITE_SCOPES,
} from '../../auth/login.ts';
import { exchangeCode } from '../../auth/oauth-api.ts';
import { checkTokenSecret } from '../../auth/crypto.ts';
import { databaseTarget } from '../../config/database.ts';
import { tokensFromAnswer } from '../../auth/provider.ts';
import { oneOf } from '../args.ts';
import { configOf, group, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { writeErr } from '../../terminal-text.ts';

const DETAILS = `
Prints HighLevel's authorize URL on stderr; open it, pick the sub-account, approve. The browser is
sent back to GHL_REDIRECT_URI ("oauth.redirectUri"), where ghl-etl listens once (127.0.0.1).

Scopes requested (unless "oauth.scopes" lists them):
  always (the read-only mirror): ${READ_SCOPES.join(' ')}
  with the LeadCars bridge or the lead intake configured ("leadcars.token", "intakeSecret"): ${WRITE_SCOPES.join(' ')}
    (to change contacts, tasks and notes without either, list the scopes in "oauth.scopes")
  for an agency (GHL_COMPANY_ID, "companyId"): ${AGENCY_SCOPES.join(' ')}`;

export function register(program: Command): void {
  leaf<{ paste?: boolean; userType?: 'Location' | 'Company' }>(group(program, 'auth').command('login')
    .summary('Connect a location (or agency) via OAuth and store its tokens, encrypted')
    .description('Connect a location (or an agency) through HighLevel\'s OAuth page and store its tokens, encrypted.')
    .addHelpText('after', DETAILS)
    .option('--paste', 'read the redirected URL from stdin instead of listening')
    .option('--user-type <type>', 'token type to request: Location or Company (default Company when GHL_COMPANY_ID is set)', oneOf(['Location', 'Company'] as const)),
  async (opts) => {
    const config = configOf(opts);
    const app = requireOAuthApp(config);
    const userType = opts.userType ?? (config.companyId ? 'Company' : 'Location');
    // Before the browser: tokens stored in PostgreSQL need the secret.
    checkTokenSecret(databaseTarget(config.db).engine, config.secret);

    const state = newState();
    const authorizeUrl = buildAuthorizeUrl({ authUrl: config.authUrl, clientId: app.clientId, redirectUri: app.redirectUri, scopes: scopesFor(config), state });
    let code: string;
    if (opts.paste) {
      writeErr(`Open this URL in a browser, approve the app, then paste the address you are redirected to and press Enter:\n${authorizeUrl}\n`);
      code = codeFromRedirect(await readPastedUrl(process.stdin), state);
    } else {
      const listener = await listenForCallback(app.redirectUri, state);
      try {
        writeErr(`Open this URL in a browser and approve the app (waiting for the redirect to ${app.redirectUri}):\n${authorizeUrl}\n`);
        code = await listener.code;
      } finally {
        await listener.close();
      }
    }

    const answer = await exchangeCode({ baseUrl: config.baseUrl, clientId: app.clientId, clientSecret: app.clientSecret }, { code, redirectUri: app.redirectUri, userType });
    const subject = answer.userType === 'Company' || !answer.locationId ? answer.companyId : answer.locationId;
    if (!subject) throw new Error('HighLevel\'s token answer names neither a location nor a company: cannot store it');

    return withApp(config, async (ctx) => {
      const store = await ctx.tokenStore();
      const tokens = tokensFromAnswer(answer, Date.now());
      await store.save(subject, tokens);
      const summary = (await store.summary(subject))!;
      log().info({ locationId: subject, userType: summary.userType, scopes: summary.scopes.length }, 'stored OAuth tokens');
      if (opts.json) {
        printJson({ locationId: subject, userType: summary.userType, companyId: summary.companyId, scopes: summary.scopes, expiresAt: summary.expiresAt });
      } else {
        const what = summary.userType === 'Company' ? `agency ${subject}` : `location ${subject}`;
        writeErr(`Connected ${what}; tokens stored encrypted in ${(await ctx.mirror()).shown}.\n`);
      }
      return EXIT.ok;
    }, { postgres: true });
  });
}
