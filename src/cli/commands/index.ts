// Every command the binary knows, in the order --help lists them.
// Add a command: create its file beside this one, exporting `register(program)`, and add it here.
import type { Command } from 'commander';
import { register as authLocations } from './auth-locations.ts';
import { register as authLogin } from './auth-login.ts';
import { register as authLogout } from './auth-logout.ts';
import { register as authStatus } from './auth-status.ts';
import { register as configCheck } from './config-check.ts';
import { register as demo } from './demo.ts';
import { register as leadsImport } from './leads-import.ts';
import { register as leadsLink } from './leads-link.ts';
import { register as outboxDrop } from './outbox-drop.ts';
import { register as outboxList } from './outbox-list.ts';
import { register as outboxRetry } from './outbox-retry.ts';
import { register as sandbox } from './sandbox.ts';
import { register as serve } from './serve.ts';
import { register as sync } from './sync.ts';

export const COMMANDS: Array<(program: Command) => void> = [
  sandbox,
  sync,
  demo,
  authLogin,
  authStatus,
  authLogout,
  authLocations,
  configCheck,
  leadsImport,
  leadsLink,
  serve,
  outboxList,
  outboxRetry,
  outboxDrop,
];
