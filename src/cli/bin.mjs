#!/usr/bin/env node
// The published entry point. It registers tsx so the TypeScript sources run as they are:
// `ghl-etl` works straight after `npm ci`, with no build step to forget.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
