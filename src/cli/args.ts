// Flag values shared by commands: parsers commander calls while it reads the command line, so a
// bad value is refused (exit 2, one line) before the command touches anything.
import { InvalidArgumentError } from 'commander';

/** Bad usage found by a command itself (a combination commander cannot check). Exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A whole number >= 0, for flags like `--contacts N`. */
export function wholeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError('takes a whole number');
  return n;
}

/** A whole number >= 1, for flags like `--limit N` where 0 would ask for nothing. */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError('takes a whole number of at least 1');
  return n;
}

/** A TCP port, 0 (any free one) to 65535. */
export function portNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('takes a port number from 0 to 65535 (0: any free port)');
  return n;
}

/** One of `choices`, for flags like `--lister list|search`. */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`takes ${choices.join(' or ')}`);
    return value as T;
  };
}

/** pino's levels, in order. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A level in any case ("DEBUG" is "debug"), or undefined when it is not one. */
export function logLevelOf(value: string): LogLevel | undefined {
  const lower = value.trim().toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(lower) ? (lower as LogLevel) : undefined;
}

export function logLevelArg(value: string): LogLevel {
  const level = logLevelOf(value);
  if (!level) throw new InvalidArgumentError(`takes a level: ${LOG_LEVELS.join(', ')} (any case)`);
  return level;
}
