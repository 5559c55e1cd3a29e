#!/usr/bin/env node
// The published entry point. `ghl-etl` works straight after `npm ci`, with no build step to
// forget: `prepare` bundles the CLI into dist/ (src/cli/build.mjs), which starts several times
// faster; without a fresh bundle the TypeScript sources run through tsx, as they are.
import { readFileSync } from 'node:fs';
import { BUNDLE, bundleIsFresh } from './bundle.mjs';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  // Asked only for the version (scripts and health checks do this often): no need to load the CLI.
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${version}\n`);
} else {
  process.exitCode = await (await loadMain())(argv);
}

async function loadMain() {
  if (bundleIsFresh()) return (await import(BUNDLE)).main;
  const { register } = await import('tsx/esm/api');
  register();
  return (await import('./main.ts')).main;
}
