// The one logger. JSON lines on stderr (stdout is kept for `--json` output and CSVs).
// Redaction is a second line of defence: code never passes a secret to the logger on purpose.
import pino, { type Logger } from 'pino';

export type { Logger };

const REDACT = [
  'token', 'accessToken', 'refreshToken', 'access_token', 'refresh_token', 'clientSecret',
  'client_secret', 'code', 'secret', 'authorization', 'Authorization',
  '*.token', '*.accessToken', '*.refreshToken', '*.access_token', '*.refresh_token',
  '*.clientSecret', '*.client_secret', '*.secret', '*.authorization', '*.Authorization',
  'headers.authorization', 'headers.Authorization',
];

let root: Logger | undefined;

export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino(
    { level, base: undefined, redact: { paths: REDACT, censor: '[redacted]' } },
    pino.destination({ fd: 2, sync: true }),
  );
}

/** The process-wide logger; `setLogLevel` is called once by the CLI after parsing flags. */
export function log(): Logger {
  root ??= createLogger();
  return root;
}

export function setLogLevel(level: string): void {
  log().level = level;
}
