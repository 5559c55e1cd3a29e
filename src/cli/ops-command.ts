// What the contacts, tasks and notes commands share: the flags of a write (--location, --from,
// --dry-run, --idempotency-key), the location they act on, the operations' context, the JSON
// document of --from, and how an outcome is printed (a dry run's requests, --json's record, or
// one short line). The commands only map their flags to a src/ops call.
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { ConfigError } from '../config/errors.ts';
import type { LoadedConfig } from '../config/load.ts';
import { isDryRun, type DeleteResult, type DryRun, type OpsContext, type WriteOptions } from '../ops/index.ts';
import { UsageError } from './args.ts';
import { configOf, printJson, withApp, type CommonOptions } from './command.ts';
import { chooseLocations } from './locations.ts';
import { EXIT } from './exit-codes.ts';
import { writeOut, writeErr } from '../terminal-text.ts';

export interface LocationFlags {
  location?: string;
}

export interface WriteFlags extends LocationFlags {
  from?: string;
  dryRun?: boolean;
  idempotencyKey?: string;
}

/** `--location ID`, for every command that acts in one location (or, reading the mirror, in all by default). */
export function withLocationFlag(cmd: Command, help = 'the location to act in (required when several are configured)'): Command {
  return cmd.option('--location <id>', help);
}

/** The help of --location for a command that reads the mirror, where every location is. */
export const MIRROR_LOCATION_HELP = 'only this location (default: every configured one; with --live, required when several are configured)';

/** The flags every write takes; `from` says what the --from document holds. */
export function withWriteFlags(cmd: Command, from?: string): Command {
  withLocationFlag(cmd);
  if (from) cmd.option('--from <file>', `a JSON document shaped as HighLevel's request body (${from}); "-" reads stdin; flags override it`);
  return cmd
    .option('--dry-run', 'print the request(s) that would be sent, and send nothing')
    .option('--idempotency-key <key>', 'recorded locally: a rerun with the same key prints the first result and writes nothing');
}

/** Collects a repeatable flag (`--tag a --tag b`). */
export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Collects `--field NAME=VALUE` flags into `{ NAME: VALUE }`. */
export function fieldArg(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('takes NAME=VALUE (the custom field\'s name or key)');
  return { ...previous, [value.slice(0, at).trim()]: value.slice(at + 1) };
}

/** The one location a single-record command acts in: --location, or the only one configured. */
export function chooseLocation(config: LoadedConfig, only: string | undefined): string {
  const locations = chooseLocations(config, only);
  if (locations.length > 1) {
    throw new ConfigError(`several locations are configured (${locations.map((l) => l.id).join(', ')}): choose one with --location ID`);
  }
  return locations[0]!.id;
}

export interface WithOpsOptions {
  /** The command only reads the mirror: it is opened read-only (never created or migrated). */
  readonly?: boolean;
  /**
   * The command reads the mirror, which holds every location: without --location it covers all
   * the configured ones (like `export`) instead of asking which. `fn` gets them all; the context's
   * location is the first.
   */
  allLocations?: boolean;
}

/** Runs `fn` with the operations' context of the chosen location (and the locations it covers), and closes it after. */
export async function withOps(
  opts: CommonOptions & LocationFlags, fn: (ctx: OpsContext, locations: string[]) => Promise<number>, options: WithOpsOptions = {},
): Promise<number> {
  const config = configOf(opts);
  const locations = options.allLocations ? chooseLocations(config, opts.location).map((l) => l.id) : [chooseLocation(config, opts.location)];
  return withApp(config, async (app) => fn({ db: await app.mirror(), client: app.client, locationId: locations[0]!, config }, locations), { readonly: options.readonly ?? false, postgres: true });
}

export function writeOptions(opts: WriteFlags): WriteOptions {
  return {
    ...(opts.dryRun ? { dryRun: true } : {}),
    ...(opts.idempotencyKey !== undefined ? { idempotencyKey: opts.idempotencyKey } : {}),
  };
}

/** The JSON object of `--from FILE` (`-`: stdin), or `{}` without it. */
export function fromDocument(file: string | undefined): Record<string, unknown> {
  if (file === undefined) return {};
  const where = file === '-' ? 'stdin' : file;
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new UsageError(`--from ${where}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--from ${where}: not JSON (${(err as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new UsageError(`--from ${where}: expected a JSON object shaped as HighLevel's request body`);
  return doc as Record<string, unknown>;
}

/** The flags that were given (commander leaves the others undefined), for merging over --from. */
export function given<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export interface Printed {
  /** The human line(s) on stdout. */
  line: string;
  /** What --json prints: the record as HighLevel returned it. */
  record: unknown;
  /** Said on stderr (HighLevel did something other than asked). */
  warnings?: string[];
  replayed?: boolean;
}

/** Prints a write's outcome: its requests on a dry run, else the record (--json) or a line. */
export function printOutcome<T>(outcome: T | DryRun, opts: CommonOptions, describe: (result: T) => Printed): number {
  if (isDryRun(outcome)) {
    if (opts.json) printJson(outcome);
    else {
      for (const r of outcome.requests) {
        const query = r.query ? `?${new URLSearchParams(r.query).toString()}` : '';
        writeOut(`${r.method} ${r.path}${query}${r.body !== undefined ? ` ${JSON.stringify(r.body)}` : ''}\n`);
      }
      writeErr('dry run: nothing was sent\n');
    }
    return EXIT.ok;
  }
  const printed = describe(outcome);
  for (const w of printed.warnings ?? []) writeErr(`warning: ${w}\n`);
  const pending = (outcome as { mirrorPending?: unknown }).mirrorPending;
  if (typeof pending === 'string') writeErr(`notice: ${pending}\n`);
  if (printed.replayed) writeErr('already done by an earlier run with this --idempotency-key: nothing was sent\n');
  if (opts.json) printJson(printed.record);
  else writeOut(printed.line + '\n');
  return EXIT.ok;
}

/** Prints a list: one JSON array with --json, else one line per record and a count on stderr. */
export function printList<T>(records: T[], opts: CommonOptions, noun: [string, string], line: (record: T) => string): number {
  if (opts.json) printJson(records);
  else {
    for (const r of records) writeOut(line(r) + '\n');
    writeErr(`${records.length} ${records.length === 1 ? noun[0] : noun[1]}\n`);
  }
  return EXIT.ok;
}

/** The line of a delete; --json prints `{id, deleted, alreadyGone}` (HighLevel answers a delete with no record). */
export function deletedLine(noun: string, r: DeleteResult): Printed {
  return {
    line: r.alreadyGone
      ? `${noun} ${r.id} is gone (HighLevel no longer has it: deleted before, or by a first attempt whose answer was lost)`
      : `deleted ${noun} ${r.id}`,
    record: { id: r.id, deleted: true, alreadyGone: r.alreadyGone }, replayed: r.replayed,
  };
}

/** A text's first line, shortened, for one-line listings. */
export function firstLine(text: string | undefined | null, max = 60): string {
  const line = (text ?? '').split('\n', 1)[0]!.trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
