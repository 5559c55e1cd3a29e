// Ctrl-C and SIGTERM become an AbortSignal the sync checks between pages and transactions, so a
// stop always lands on a checkpoint. A second Ctrl-C exits at once: every write is already
// transactional, so even that loses nothing but the page in flight.
//
// Loading the CLI takes about a second, long before a command installs its handler. bin.mjs
// records signals from its first line and hands them to `guardSignals`, whose gate then:
// - during start-up (until the command's action begins): remembers the signal; the command then
//   stops before it opens anything (`signalBeforeStart`), a second signal exits at once;
// - while the command runs: leaves the signal to the command's own handler when it has one
//   (onInterrupt, the sandbox's), else exits at once with the interrupt's exit code.
// No path leaves the process to be killed by the signal itself.
import { EXIT } from './exit-codes.ts';
import { writeErr } from '../terminal-text.ts';

export interface Interrupt {
  signal: AbortSignal;
  dispose(): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/** Commands that run until stopped: SIGTERM is their normal end (exit 0, CONVENTIONS.md). */
const LONG_RUNNING = new Set(['schedule', 'serve', 'sandbox', 'worker']);

let phase: 'startup' | 'running' = 'startup';
let pending: NodeJS.Signals | undefined;
let command = '';
let guarded = false;

/** The exit code of a stop by `sig`: 130, or 0 for SIGTERM of a long-running command. */
export function exitCodeForSignal(sig: NodeJS.Signals): number {
  return sig === 'SIGTERM' && LONG_RUNNING.has(command) ? EXIT.ok : EXIT.interrupted;
}

function gate(sig: NodeJS.Signals): void {
  if (phase === 'startup') {
    if (pending) process.exit(exitCodeForSignal(sig)); // asked twice: stop now
    pending = sig;
    return;
  }
  if (process.listenerCount(sig) > 1) return; // the command handles it
  writeErr(`ghl-etl${command ? ` ${command}` : ''}: stopped by ${sig}\n`);
  process.exit(exitCodeForSignal(sig));
}

/** Takes over from bin.mjs's recorder; `early` are the signals it saw, in order. */
export function guardSignals(early: readonly NodeJS.Signals[] = []): void {
  if (guarded) return;
  guarded = true;
  for (const sig of early) gate(sig);
  for (const sig of SIGNALS) process.on(sig, gate);
}

/**
 * Called as a command's action begins (`command` as typed: "sync", "auth login"): returns the
 * signal received during start-up, if any, so the command stops before opening anything.
 */
export function signalBeforeStart(name: string): NodeJS.Signals | undefined {
  command = name;
  phase = 'running';
  return pending;
}

/** A signal received during start-up that no command has acted on (e.g. during `--help`). */
export function unhandledEarlySignal(): NodeJS.Signals | undefined {
  return phase === 'startup' ? pending : undefined;
}

export function onInterrupt(onFirst?: (signal: NodeJS.Signals) => void): Interrupt {
  const controller = new AbortController();
  const handler = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      // Said, not just done: the user sees why the process ended without the usual summary.
      writeErr(`\nghl-etl${command ? ` ${command}` : ''}: stopped at once by a second ${sig === 'SIGINT' ? 'Ctrl-C' : sig}; the next run resumes from the last checkpoint\n`);
      process.exit(EXIT.interrupted);
    }
    onFirst?.(sig);
    controller.abort(new Error(`received ${sig}`));
  };
  for (const sig of SIGNALS) process.on(sig, handler);
  return {
    signal: controller.signal,
    dispose() {
      for (const sig of SIGNALS) process.off(sig, handler);
    },
  };
}
