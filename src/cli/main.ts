// Dispatch: `ghl-etl <noun> [verb] [flags]`. Errors become one line on stderr and an exit code.
import { createRequire } from 'node:module';
import { UsageError } from './args.ts';
import { COMMANDS } from './commands/index.ts';
import { EXIT } from './exit-codes.ts';
import { ConfigError } from '../config/errors.ts';
import { log, setLogLevel } from '../log.ts';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `ghl-etl ${pkg.version}: mirror HighLevel contacts, tasks and notes into SQLite`,
    '',
    'Usage: ghl-etl <command> [flags]   (ghl-etl <command> --help for its flags)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Common flags: --json, --log-level LEVEL, --config FILE, --help',
  ].join('\n');
}

function findCommand(argv: string[]) {
  const two = argv.slice(0, 2).join(' ');
  const byTwo = COMMANDS.find((c) => c.name === two);
  if (byTwo) return { command: byTwo, rest: argv.slice(2) };
  const byOne = COMMANDS.find((c) => c.name === argv[0]);
  if (byOne) return { command: byOne, rest: argv.slice(1) };
  return undefined;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(help() + '\n');
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    process.stdout.write(pkg.version + '\n');
    return EXIT.ok;
  }
  const found = findCommand(argv);
  if (!found) {
    const nouns = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `)).map((c) => c.name);
    const hint = nouns.length ? `try one of: ${nouns.join(', ')}` : 'run `ghl-etl --help` for the list';
    process.stderr.write(`ghl-etl: unknown command "${argv.slice(0, 2).join(' ')}": ${hint}\n`);
    return EXIT.usage;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.summary}\n\nUsage: ${command.usage}\n`);
    return EXIT.ok;
  }
  const levelAt = rest.indexOf('--log-level');
  const level = levelAt >= 0 ? rest[levelAt + 1] : undefined;
  if (level) setLogLevel(level);
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`ghl-etl ${command.name}: ${err.message}\n`);
      return EXIT.usage;
    }
    const e = err as Error & { exitCode?: number };
    process.stderr.write(`ghl-etl ${command.name}: ${e.message}\n`);
    // The logger's level, however it was set (LOG_LEVEL or --log-level), decides.
    if (log().isLevelEnabled('debug') && e.stack) process.stderr.write(e.stack + '\n');
    return e.exitCode ?? EXIT.failed;
  }
}
