// What every command file uses to register itself with commander: the noun group, the common
// flags, and the action wrapper that turns the command's result into the process's exit code.
// A new command is one file in src/cli/commands/ exporting `register(program)`, listed in
// src/cli/commands/index.ts.
import { Command } from 'commander';
import { openContext, type AppContext, type OpenContextOptions } from '../app/context.ts';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import { damagedDatabase } from '../db/open.ts';
import { log } from '../log.ts';
import { logLevelArg } from './args.ts';

/** Flags every command takes. */
export interface CommonOptions {
  json?: boolean;
  logLevel?: string;
  config?: string;
}

/** The common flags' help, shared by every command and the program (where they may come first). */
export const COMMON_FLAG_HELP = {
  json: 'print one JSON document on stdout (logs stay on stderr)',
  logLevel: 'trace, debug, info, warn, error, fatal or silent (any case; LOG_LEVEL)',
  config: 'the config file (default ./ghl-etl.config.json; GHL_ETL_CONFIG)',
} as const;

/** The common flags given before the command (`ghl-etl --config F status`). */
function globalFlags(command: Command): CommonOptions {
  let root = command;
  while (root.parent) root = root.parent;
  if (root === command) return {};
  return Object.fromEntries(Object.entries(root.opts()).filter(([, v]) => v !== undefined)) as CommonOptions;
}

let exitCode = 0;
/** The command running (`contacts create`), for messages that name it. */
let running: string | undefined;

/** `contacts create` for the leaf command `create` of `contacts`. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The exit code the last action returned (main reads it after parsing). */
export function takeExitCode(): number {
  const code = exitCode;
  exitCode = 0;
  return code;
}

/** The nouns whose verbs are commands of their own (`auth login`), with their line of help. */
const NOUNS = {
  auth: 'Connect HighLevel (OAuth) and check credentials: login, status, logout, locations',
  config: 'Check the configuration: check',
  contacts: 'Look up and change HighLevel contacts (one, or many with bulk), written through to the mirror',
  tasks: 'A contact\'s tasks: list, show, create, update, complete, delete (written through to the mirror)',
  notes: 'A contact\'s notes: list, show, create, update, delete (written through to the mirror)',
  leads: 'LeadCars leads: import a file into HighLevel, link a lead to a contact',
  outbox: 'Calls owed to LeadCars (and HighLevel, bridge.onNewContact): list, retry ID, drop ID',
  enqueue: 'Put work in the PostgreSQL job queue for `ghl-etl worker` processes: sync',
} as const;

/** The group `name` ("auth"), created on first use, so each verb's file can add itself to it. */
export function group(program: Command, name: keyof typeof NOUNS): Command {
  const existing = program.commands.find((c) => c.name() === name);
  if (existing) return existing;
  const noun = program.command(name).summary(NOUNS[name]).description(NOUNS[name]);
  // `ghl-etl auth` alone shows the group's help; a wrong verb is a usage error with a suggestion.
  noun.showSuggestionAfterError(true).helpCommand(false);
  return noun;
}

/** Adds the common flags to a leaf command and sets its action; the action returns the exit code. */
export function leaf<O extends object>(
  cmd: Command,
  run: (opts: O & CommonOptions, cmd: Command) => Promise<number>,
): Command {
  // `<command> --help` opens with what the command does: its summary, unless it has a longer description.
  if (!cmd.description()) cmd.description(cmd.summary());
  return cmd
    .option('--json', COMMON_FLAG_HELP.json)
    .option('--log-level <level>', COMMON_FLAG_HELP.logLevel, logLevelArg)
    .option('--config <file>', COMMON_FLAG_HELP.config)
    .action(async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      running = commandPath(command);
      // Flags given after the command win over the same flags given before it.
      exitCode = await run({ ...globalFlags(command), ...command.opts() } as O & CommonOptions, command);
    });
}

/** Loads the configuration (`--config`, GHL_ETL_CONFIG, environment) for a command. */
export function configOf(opts: CommonOptions): LoadedConfig {
  const config = loadConfig({ ...(opts.config !== undefined ? { configPath: opts.config } : {}) });
  applyFilePermissions(config);
  return config;
}

/**
 * Personal data stays private: with `privateFiles` (the default) everything this process
 * creates from now on (the database, SQLite's -wal/-shm, which take the database's mode,
 * exports, folders) is 0600 / 0700, whatever the umask lets through for group and others.
 */
function applyFilePermissions(config: Pick<LoadedConfig, 'privateFiles'>): void {
  if (config.privateFiles) process.umask(process.umask() | 0o077);
}

/** Runs `fn` with the app context built from `config`, and closes it after. */
export async function withApp<T>(config: LoadedConfig, fn: (app: AppContext) => Promise<T>, opts: Partial<OpenContextOptions> = {}): Promise<T> {
  applyFilePermissions(config);
  // The CLI's one logger (its level set from --log-level), handed down to every job and client.
  const app = openContext(config, { logger: log(), ...(running ? { command: running } : {}), ...opts });
  try {
    return await fn(app);
  } catch (err) {
    // SQLite finds damage when a statement reads the bad page, anywhere in the command.
    throw damagedDatabase(config.db, err) ?? err;
  } finally {
    await app.close();
  }
}

/** One JSON document on stdout, for `--json`. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}
