// The one place that turns a failure into an exit code (CONVENTIONS.md). Jobs and the client
// throw typed errors and know nothing of exit codes; this maps them by class, and API failures by kind.
import { CommanderError } from 'commander';
import { ConfigError } from '../config/errors.ts';
import { NotOnPostgresError } from '../db/mirror.ts';
import { DatabaseOpenError, DatabaseVersionError } from '../db/open.ts';
import { QueueNeedsPostgresError } from '../db/queue.ts';
import { ExportUsageError } from '../export/errors.ts';
import { isGhlError } from '../ghl/errors.ts';
import { OperationError, OperationInputError } from '../ops/errors.ts';
import { ScheduleUsageError } from '../schedule/errors.ts';
import { UsageError } from './args.ts';
import { EXIT } from './exit-codes.ts';

/** Another run holds the database's lock; nothing was done. Exit 4. */
export class LockedError extends Error {
  override name = 'LockedError';
}

/** A Ctrl-C or SIGTERM arrived while the CLI was starting: the command stopped before it began. */
export class StoppedBeforeStartError extends Error {
  override name = 'StoppedBeforeStartError';
  constructor(signal: NodeJS.Signals, readonly exitCode: number) {
    super(`stopped by ${signal} before it started; nothing was changed`);
  }
}

/** Bad usage or configuration: nothing was done, and the message names the fix. */
export function isUsageProblem(err: unknown): boolean {
  return err instanceof UsageError || err instanceof OperationInputError || err instanceof ConfigError || err instanceof DatabaseOpenError ||
    err instanceof DatabaseVersionError || err instanceof NotOnPostgresError || err instanceof QueueNeedsPostgresError || err instanceof ExportUsageError || err instanceof ScheduleUsageError ||
    (err instanceof CommanderError && err.exitCode !== 0);
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError && err.exitCode === 0) return EXIT.ok; // --help, --version
  if (isUsageProblem(err)) return EXIT.usage;
  if (isGhlError(err, 'budget')) return EXIT.dailyBudget;
  if (err instanceof LockedError) return EXIT.locked;
  // HighLevel refused a single-record operation (400/401/404/422) or could not complete it.
  if (err instanceof OperationError) return EXIT.failed;
  if (err instanceof StoppedBeforeStartError) return err.exitCode;
  // Everything else (refused tokens, API failures, the mass-delete guard) failed the work.
  return EXIT.failed;
}
