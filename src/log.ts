// The one logger. JSON lines on stderr (stdout is kept for `--json` output and CSVs).
// Redaction is a second line of defence: code never passes a secret to the logger on purpose.
import pino, { type DestinationStream, type Logger } from 'pino';
import { terminalSafe } from './terminal-text.ts';

export type { Logger };

const REDACT = [
  'token', 'accessToken', 'refreshToken', 'access_token', 'refresh_token', 'clientSecret',
  'client_secret', 'code', 'secret', 'authorization', 'Authorization',
  '*.token', '*.accessToken', '*.refreshToken', '*.access_token', '*.refresh_token',
  '*.clientSecret', '*.client_secret', '*.secret', '*.authorization', '*.Authorization',
  'headers.authorization', 'headers.Authorization',
];

/**
 * Something drawn on the terminal's last line (the progress line) that a log line must not
 * tear: it is cleared before each log line and drawn again after it.
 */
export interface StatusLine {
  clear(): void;
  redraw(): void;
}

let statusLine: StatusLine | undefined;
let explicitLevel = process.env.LOG_LEVEL !== undefined && process.env.LOG_LEVEL !== '';

/** Routes log lines around a status line (or stops doing so, with undefined). */
export function setStatusLine(line: StatusLine | undefined): void {
  statusLine = line;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/**
 * A JSON log line as a person reads it on a terminal: `02:00:01 INFO  scheduled run ok  key=value ...`.
 * Pipes and files (cron, systemd's journal, tests) keep the JSON lines.
 */
export function humanLogLine(chunk: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(chunk) as Record<string, unknown>;
  } catch {
    return chunk;
  }
  const { time, level, msg, ...fields } = entry;
  const at = typeof time === 'number' ? new Date(time).toISOString().slice(11, 19) : '';
  const rest = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  // Fields may carry text from outside (a contact's name in an error): shown, never interpreted.
  return `${terminalSafe(`${at} ${(LEVEL_NAMES[level as number] ?? String(level)).padEnd(5)} ${String(msg ?? '')}${rest ? `  ${rest}` : ''}`)}\n`;
}

const stderr: DestinationStream = {
  write(chunk: string) {
    statusLine?.clear();
    process.stderr.write(process.stderr.isTTY ? humanLogLine(chunk) : chunk);
    statusLine?.redraw();
  },
};

let root: Logger | undefined;

export function createLogger(level = process.env.LOG_LEVEL || 'info', destination: DestinationStream = stderr): Logger {
  return pino({ level, base: undefined, redact: { paths: REDACT, censor: '[redacted]' } }, destination);
}

/** The process-wide logger. */
export function log(): Logger {
  root ??= createLogger();
  return root;
}

/** Sets the level chosen by the user (--log-level); it wins over `quietByDefault`. */
export function setLogLevel(level: string): void {
  explicitLevel = true;
  log().level = level;
}

/**
 * Raises the level to `level` unless the user chose one (LOG_LEVEL or --log-level): a command
 * that tells its own story on a terminal (the progress line, the demo) keeps only warnings.
 */
export function quietByDefault(level = 'warn'): void {
  if (!explicitLevel) log().level = level;
}
