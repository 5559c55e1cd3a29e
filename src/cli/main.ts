// `ghl-etl <noun> [verb] [flags]`, parsed by commander. Every failure ends here: one line on
// stderr (or, with --json, one JSON document on stdout) and the exit code of src/cli/errors.ts.
import { createRequire } from 'node:module';
import { Command, CommanderError, Help, type Option } from 'commander';
import { log, setLogLevel } from '../log.ts';
import { LOG_LEVELS, logLevelArg, logLevelOf, UsageError } from './args.ts';
import { COMMON_FLAG_HELP, takeExitCode, type CommonOptions } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { exitCodeFor, isUsageProblem, StoppedBeforeStartError } from './errors.ts';
import { EXIT } from './exit-codes.ts';
import { exitCodeForSignal, signalBeforeStart, unhandledEarlySignal } from './interrupt.ts';
import { writeErr } from '../terminal-text.ts';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string; description: string };

function buildProgram(): Command {
  const program = new Command('ghl-etl')
    .description(`${pkg.description}\n\nCommon flags of every command: --json, --log-level LEVEL, --config FILE, --help`)
    .version(pkg.version, '-v, --version')
    // The common flags are accepted before the command too (`ghl-etl --config F status`).
    .option('--json', COMMON_FLAG_HELP.json)
    .option('--log-level <level>', COMMON_FLAG_HELP.logLevel, logLevelArg)
    .option('--config <file>', COMMON_FLAG_HELP.config)
    .showSuggestionAfterError(true);
  for (const register of COMMANDS) register(program);
  // The top-level help lists every command as typed ("auth login"), not just the nouns.
  program.configureHelp({
    visibleCommands: (cmd) => cmd.commands.flatMap((c) => (c.commands.length ? c.commands : [c])),
    subcommandTerm: (c) => (c.parent && c.parent !== program ? `${c.parent.name()} ${c.name()}` : c.name()),
  });
  // Every group and command: errors come back here as exceptions, never as commander's own
  // output and process.exit.
  const quiet = (cmd: Command): void => {
    cmd.exitOverride().configureOutput({ outputError: () => { failedIn = cmd; } });
    cmd.configureHelp({ ...cmd.configureHelp(), optionDescription: plainDefaults });
    cmd.commands.forEach(quiet);
  };
  quiet(program);
  program.hook('preAction', (_program, action) => {
    // A Ctrl-C while the CLI was loading stops the command here, before it opens anything.
    const names: string[] = [];
    for (let c: Command | null = action; c && c !== program; c = c.parent) names.unshift(c.name());
    const early = signalBeforeStart(names.join(' '));
    if (early) throw new StoppedBeforeStartError(early, exitCodeForSignal(early));
    const level = (action.opts() as CommonOptions).logLevel ?? (program.opts() as CommonOptions).logLevel;
    if (level) setLogLevel(level);
  });
  return program;
}

/** Help shows defaults as a person writes them: no default for an empty list, a word without JSON quotes. */
function plainDefaults(this: Help, option: Option): string {
  const value: unknown = option.defaultValue;
  const emptyList = Array.isArray(value) && value.length === 0;
  if (!emptyList && typeof value !== 'string') return Help.prototype.optionDescription.call(this, option);
  const shown = Object.assign(Object.create(Object.getPrototypeOf(option) as object) as Option, option,
    emptyList ? { defaultValue: undefined } : { defaultValueDescription: option.defaultValueDescription ?? value });
  return Help.prototype.optionDescription.call(this, shown);
}

/** The closest command noun to a mistyped one (`contact` -> `contacts`), when commander found none. */
function closestNoun(typed: string, nouns: string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    return row[b.length]!;
  };
  const ranked = nouns.map((n) => ({ n, d: distance(typed.toLowerCase(), n) })).filter((x) => x.d <= Math.max(1, Math.floor(typed.length / 3)));
  return ranked.sort((a, b) => a.d - b.d)[0]?.n;
}

/** The command commander was parsing when it refused the command line. */
let failedIn: Command | undefined;

/** "sync", "auth", "auth login", ...: to name the command a failure belongs to. */
let commandNames = new Set<string>();

/** The command the failure belongs to, as the user typed it ("ghl-etl auth login"). */
function commandPath(argv: string[]): string {
  // Skip the common flags given before the command (`--config F status`).
  const rest = [...argv];
  while (rest[0]?.startsWith('-')) if (['--config', '--log-level'].includes(rest.shift()!)) rest.shift();
  const [noun, verb] = rest;
  const known = commandNames.has(`${noun} ${verb}`) ? `${noun} ${verb}` : noun && commandNames.has(noun) ? noun : undefined;
  return known ? `ghl-etl ${known}` : 'ghl-etl';
}

/** Commander's refusals as one line in our words: `--contacts takes a whole number, got "abc"`. */
function oneLine(err: unknown): string {
  const text = (err as Error).message.replace(/^error: /, '');
  const invalid = /^option '(-[^ ,']+)(?:[^']*)' argument '(.*)' is invalid\. (.*)$/s.exec(text);
  if (invalid) return `${invalid[1]} ${invalid[3]!.replace(/\.$/, '')}, got "${invalid[2]}"`;
  return text.split('\n').map((l) => l.trim()).filter(Boolean).join(' ').replace(/'([^']*)'/g, '"$1"');
}

/** "ghl-etl auth login [options]" for the command commander refused. */
function usageOf(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return `${names.join(' ')} ${cmd.usage()}`;
}

function report(err: unknown, argv: string[]): number {
  const code = exitCodeFor(err);
  const where = commandPath(argv);
  let message = oneLine(err);
  // The help lists `contacts list`, not `contacts`, so commander's suggestions miss the nouns.
  if (err instanceof CommanderError && err.code === 'commander.unknownCommand' && !/Did you mean/.test(message)) {
    const typed = /unknown command "([^"]*)"/.exec(message)?.[1];
    const noun = typed === undefined ? undefined : closestNoun(typed, [...commandNames].filter((n) => !n.includes(' ')));
    if (noun) message += ` (Did you mean ${noun}?)`;
  }
  // An operation's error names its command already ("contacts update: not found ..."): once is enough.
  const label = `${where.replace(/^ghl-etl /, '')}: `;
  if (where !== 'ghl-etl' && message.startsWith(label)) message = message.slice(label.length);
  if (err instanceof CommanderError && failedIn) message += `. Usage: ${usageOf(failedIn)} (\`${where} --help\` explains)`;
  if (argv.includes('--json')) {
    process.stdout.write(JSON.stringify({ error: { message, exitCode: code } }) + '\n');
  } else {
    writeErr(`${where}: ${message}\n`);
  }
  // A failure the user did not cause: the stack helps when asked for (--log-level debug).
  if (!isUsageProblem(err) && log().isLevelEnabled('debug') && (err as Error).stack) writeErr((err as Error).stack + '\n');
  return code;
}

/**
 * A reader that closed our output (`ghl-etl catalog | head -1`) has what it wanted: the rest is
 * dropped and the command ends as it would have, not with an EPIPE stack trace.
 */
function dropOutputOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  dropOutputOnClosedPipe();
  // LOG_LEVEL is read when the logger is made: check it first, in any case.
  const envLevel = process.env.LOG_LEVEL;
  if (envLevel !== undefined && envLevel !== '') {
    const level = logLevelOf(envLevel);
    if (!level) return report(new UsageError(`LOG_LEVEL "${envLevel}" is not a log level: use one of ${LOG_LEVELS.join(', ')}`), argv);
    process.env.LOG_LEVEL = level;
  }
  const program = buildProgram();
  commandNames = new Set(program.commands.flatMap((c) => [c.name(), ...c.commands.map((v) => `${c.name()} ${v.name()}`)]));
  if (argv.length === 0) {
    process.stdout.write(program.helpInformation());
    return EXIT.usage;
  }
  const code = await run(program, argv);
  // A signal during start-up that no command acted on (--help, a usage error) still counts.
  const early = unhandledEarlySignal();
  return early && code === EXIT.ok ? exitCodeForSignal(early) : code;
}

async function run(program: Command, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return takeExitCode();
  } catch (err) {
    // --help, --version, `ghl-etl help`: done. A group without its verb (`ghl-etl auth`) printed
    // its help on stderr with a non-zero code: bad usage.
    if (err instanceof CommanderError && err.exitCode === 0) return EXIT.ok;
    if (err instanceof CommanderError && err.code === 'commander.help') return EXIT.usage;
    return report(err, argv);
  }
}
export { guardSignals } from './interrupt.ts';
