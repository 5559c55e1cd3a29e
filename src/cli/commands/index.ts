// Every command the binary knows, in the order --help lists them.
// Add a command: create its file beside this one, exporting `register(program)`, and add it here.
import type { Command } from 'commander';
import { register as authLocations } from './auth-locations.ts';
import { register as authLogin } from './auth-login.ts';
import { register as authLogout } from './auth-logout.ts';
import { register as authStatus } from './auth-status.ts';
import { register as configCheck } from './config-check.ts';
import { register as contactsShow } from './contacts-show.ts';
import { register as demo } from './demo.ts';
import { register as exportCsv } from './export.ts';
import { register as purge } from './purge.ts';
import { register as runs } from './runs.ts';
import { register as sandbox } from './sandbox.ts';
import { register as schedule } from './schedule.ts';
import { register as status } from './status.ts';
import { register as sync } from './sync.ts';

export const COMMANDS: Array<(program: Command) => void> = [
  sandbox,
  sync,
  exportCsv,
  schedule,
  status,
  runs,
  purge,
  demo,
  authLogin,
  authStatus,
  authLogout,
  authLocations,
  configCheck,
  contactsShow,
];
