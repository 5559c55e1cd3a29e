// Progress on stderr for long work. On a terminal: one line redrawn in place (a bar when the
// total is known, counts, ETA, wall time spent waiting on the rate limit). Elsewhere (cron, CI, pipes)
// nothing is drawn: the job's JSON logs tell the story, with a "progress" line every few seconds
// so a long phase (the tasks and notes) is not silent.
import { log, quietByDefault, setStatusLine } from '../log.ts';
import type { ProgressFields, SyncProgress } from '../sync/progress.ts';
import { terminalLine, terminalSafe } from '../terminal-text.ts';

export type { ProgressFields } from '../sync/progress.ts';
/** The sync's progress, plus lines printed above the bar without tearing it. */
export interface Progress extends SyncProgress {
  /** One message on the progress stream, above the bar. */
  note(message: string): void;
  /** Print something (e.g. a finished location's summary, on stdout) above the bar. */
  above(print: () => void): void;
  /** The work is stopping: print `message` and draw no more (the work left only winds down). */
  halt(message: string): void;
}

/** How often a run that is not on a terminal logs its progress. */
export const PIPED_PROGRESS_EVERY_MS = 3_000;

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** The line drawn for a state; pure so it can be tested. */
export function renderProgressLine(f: ProgressFields, elapsedMs: number, width = 24): string {
  const parts = [terminalLine(f.label)];
  if (f.total && f.total > 0) {
    const share = Math.min(1, f.done / f.total);
    const filled = Math.round(share * width);
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${f.done}/${f.total}`);
    const etaMs = f.etaMs ?? (f.done > 0 ? (elapsedMs / f.done) * (f.total - f.done) : undefined);
    if (etaMs !== undefined && share < 1) parts.push(`ETA ${formatDuration(etaMs)}`);
  } else {
    parts.push(String(f.done));
  }
  for (const [k, v] of Object.entries(f.counts ?? {})) parts.push(`${k} ${v}`);
  if (f.waitedMs) parts.push(`rate-limit wait ${formatDuration(f.waitedMs)}`);
  return parts.join('  ');
}

/**
 * On a terminal, the progress line replaces the info logs (warnings still show, above the line);
 * LOG_LEVEL or --log-level bring them back.
 */
export function createProgress(stream: NodeJS.WriteStream = process.stderr, enabled = stream.isTTY === true): Progress {
  if (!enabled) return pipedProgress(stream);
  const started = Date.now();
  let halted = false;
  let last = 0;
  let line = '';
  const clear = () => { if (line) stream.write('\r\x1b[2K'); };
  const redraw = () => { if (line) stream.write(line); };
  quietByDefault();
  setStatusLine({ clear, redraw });
  return {
    update(fields) {
      const now = Date.now();
      if (halted || now - last < 100) return; // redraw at most 10 times a second
      last = now;
      clear();
      line = renderProgressLine(fields, now - started).slice(0, (stream.columns ?? 120) - 1);
      redraw();
    },
    note(message) {
      clear();
      stream.write(terminalSafe(message) + '\n');
      redraw();
    },
    above(print) {
      clear();
      print();
      redraw();
    },
    halt(message) {
      clear();
      line = '';
      halted = true;
      stream.write(terminalSafe(message) + '\n');
    },
    done(message) {
      clear();
      line = '';
      setStatusLine(undefined);
      if (message) stream.write(terminalSafe(message) + '\n');
    },
  };
}

/** Not a terminal: a log line per label change and every PIPED_PROGRESS_EVERY_MS, never a bar. */
function pipedProgress(stream: NodeJS.WriteStream): Progress {
  /** When each label (a location's phase) last logged: locations synced at once each get their line. */
  const lastAt = new Map<string, number>();
  let halted = false;
  return {
    update(f) {
      const now = Date.now();
      const last = lastAt.get(f.label);
      if (halted || (last !== undefined && now - last < PIPED_PROGRESS_EVERY_MS)) return;
      lastAt.set(f.label, now);
      log().info({ phase: f.label, done: f.done, ...(f.total !== undefined ? { total: f.total } : {}), ...f.counts }, 'progress');
    },
    done() {},
    note: (message) => void stream.write(message + '\n'),
    above: (print) => print(),
    halt(message) {
      halted = true;
      stream.write(terminalSafe(message) + '\n');
    },
  };
}
