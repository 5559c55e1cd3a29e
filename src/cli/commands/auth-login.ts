// `ghl-etl auth login`: connect a location (or an agency) through HighLevel's OAuth page.
import { parseFlags, UsageError } from '../args.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { loadConfig } from '../../config/load.ts';
import { log } from '../../log.ts';
import {
  buildAuthorizeUrl, codeFromRedirect, listenForCallback, newState, readPastedUrl, requireOAuthApp, scopesFor,
} from '../../auth/login.ts';
import { exchangeCode } from '../../auth/oauth-api.ts';
import { tokensFromAnswer } from '../../auth/provider.ts';
import { openAuthContext } from './auth-common.ts';

const usage = 'ghl-etl auth login [--paste] [--user-type Location|Company] [--config FILE] [--json]\n' +
  '  Prints HighLevel\'s authorize URL on stderr; open it, pick the sub-account, approve.\n' +
  '  The browser is sent back to GHL_REDIRECT_URI, where ghl-etl listens once (127.0.0.1).\n' +
  '  --paste      read the redirected URL from stdin instead of listening\n' +
  '  --user-type  token type to request (default Company when GHL_COMPANY_ID is set, else Location)';

export const authLogin: Command = {
  name: 'auth login',
  summary: 'Connect a location (or agency) via OAuth and store its tokens, encrypted',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, { paste: { type: 'boolean' }, 'user-type': { type: 'string' } }, usage);
    const config = loadConfig({ configPath: values.config });
    const app = requireOAuthApp(config);
    const userType = values['user-type'] ?? (config.companyId ? 'Company' : 'Location');
    if (userType !== 'Location' && userType !== 'Company') throw new UsageError(`--user-type takes Location or Company, got "${userType}"`);

    const state = newState();
    const authorizeUrl = buildAuthorizeUrl({ authUrl: config.authUrl, clientId: app.clientId, redirectUri: app.redirectUri, scopes: scopesFor(config), state });
    let code: string;
    if (values.paste) {
      process.stderr.write(`Open this URL in a browser, approve the app, then paste the address you are redirected to and press Enter:\n${authorizeUrl}\n`);
      code = codeFromRedirect(await readPastedUrl(process.stdin), state);
    } else {
      const listener = await listenForCallback(app.redirectUri, state);
      try {
        process.stderr.write(`Open this URL in a browser and approve the app (waiting for the redirect to ${app.redirectUri}):\n${authorizeUrl}\n`);
        code = await listener.code;
      } finally {
        await listener.close();
      }
    }

    const answer = await exchangeCode({ baseUrl: config.baseUrl, clientId: app.clientId, clientSecret: app.clientSecret }, { code, redirectUri: app.redirectUri, userType });
    const subject = answer.userType === 'Company' || !answer.locationId ? answer.companyId : answer.locationId;
    if (!subject) throw new Error('HighLevel\'s token answer names neither a location nor a company: cannot store it');

    const { db, store } = openAuthContext(values.config);
    try {
      const tokens = tokensFromAnswer(answer, Date.now());
      store.save(subject, tokens);
      const summary = store.summary(subject)!;
      log().info({ locationId: subject, userType: summary.userType, scopes: summary.scopes.length }, 'stored OAuth tokens');
      if (values.json) {
        process.stdout.write(JSON.stringify({ locationId: subject, userType: summary.userType, companyId: summary.companyId, scopes: summary.scopes, expiresAt: summary.expiresAt }) + '\n');
      } else {
        const what = summary.userType === 'Company' ? `agency ${subject}` : `location ${subject}`;
        process.stderr.write(`Connected ${what}; tokens stored encrypted in ${db.path}.\n`);
      }
    } finally {
      db.close();
    }
    return EXIT.ok;
  },
};
