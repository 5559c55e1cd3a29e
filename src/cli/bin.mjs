#!/usr/bin/env node
// The published entry point. `ghl-etl` works straight after `npm ci`, with no build step to
// forget: `prepare` bundles the CLI into dist/ (src/cli/build.mjs), which starts several times
// faster; without a fresh bundle the TypeScript sources run through tsx, as they are.
//
// Loading takes a moment: a Ctrl-C or SIGTERM meanwhile is recorded here, from the first line,
// and handed to src/cli/interrupt.ts (guardSignals) rather than killing the process.
import { readFileSync } from 'node:fs';
import { BUNDLE, bundleIsFresh } from './bundle.mjs';

const early = [];
const record = (sig) => {
  early.push(sig);
  if (early.length > 1) process.exit(130); // asked twice: stop now (nothing is open yet)
};
process.on('SIGINT', record);
process.on('SIGTERM', record);

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  // Asked only for the version (scripts and health checks do this often): no need to load the CLI.
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${version}\n`);
} else {
  const { main, guardSignals } = await loadCli();
  process.off('SIGINT', record);
  process.off('SIGTERM', record);
  guardSignals(early);
  process.exitCode = await main(argv);
}

/** The CLI module (main.ts, which also exports guardSignals): the fresh bundle, else the sources. */
async function loadCli() {
  if (bundleIsFresh()) return import(BUNDLE);
  const { register } = await import('tsx/esm/api');
  register();
  return import('./main.ts');
}
