#!/usr/bin/env node
// The published entry point. It registers tsx so the TypeScript sources run as they are:
// `ghl-etl` works straight after `npm ci`, with no build step to forget.
//
// Loading takes about a second: a Ctrl-C or SIGTERM meanwhile is recorded here, from the first
// line, and handed to src/cli/interrupt.ts (guardSignals) rather than killing the process.
const early = [];
const record = (sig) => {
  early.push(sig);
  if (early.length > 1) process.exit(130); // asked twice: stop now (nothing is open yet)
};
process.on('SIGINT', record);
process.on('SIGTERM', record);

const { register } = await import('tsx/esm/api');
register();
const { main } = await import('./main.ts');
const { guardSignals } = await import('./interrupt.ts');
process.off('SIGINT', record);
process.off('SIGTERM', record);
guardSignals(early);
process.exitCode = await main(process.argv.slice(2));
