// Every command the binary knows, in the order --help lists them.
// Add a command: create its module beside this file and add one line here.
import type { Command } from '../command.ts';
import { authLocations } from './auth-locations.ts';
import { authLogin } from './auth-login.ts';
import { authLogout } from './auth-logout.ts';
import { authStatus } from './auth-status.ts';
import { configCheck } from './config-check.ts';
import { sandboxCommand } from './sandbox.ts';
import { syncCommand } from './sync.ts';
import { demoCommand } from './demo.ts';

export const COMMANDS: Command[] = [
  sandboxCommand,
  syncCommand,
  demoCommand,
  authLogin,
  authStatus,
  authLogout,
  authLocations,
  configCheck,
];
