// Every command the binary knows, in the order --help lists them.
// Add a command: create its module beside this file and add one line here.
import type { Command } from '../command.ts';
import { configCheck } from './config-check.ts';
import { sandboxCommand } from './sandbox.ts';

export const COMMANDS: Command[] = [
  sandboxCommand,
  configCheck,
];
