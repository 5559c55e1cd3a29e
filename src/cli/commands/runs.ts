// `ghl-etl runs`: the most recent sync and export runs, newest first (src/db/history.ts).
import type { Command } from 'commander';
import type { RunEntry } from '../../db/history.ts';
import { positiveNumber } from '../args.ts';
import { configOf, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { writeOut } from '../../terminal-text.ts';

function seconds(from: string, to: string | null): string {
  if (!to) return '';
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isNaN(ms) ? '' : ` in ${(ms / 1000).toFixed(1)}s`;
}

/** One line per run. */
export function describeRunEntry(r: RunEntry): string {
  const head = `${r.type.padEnd(6)} #${String(r.id).padEnd(5)} ${r.status.padEnd(11)} ${r.startedAt}${seconds(r.startedAt, r.finishedAt)}`;
  if (r.type === 'sync') {
    const counts = `${r.locationId} ${r.mode}: ${r.contactsSeen} contacts (${r.contactsNew} new, ${r.contactsUpdated} updated, ${r.contactsDeleted} deleted), ${r.tasks} tasks, ${r.notes} notes, ${r.apiCalls} API calls`;
    return `${head}  ${counts}${r.error ? `\n    ${r.error.split('\n')[0]}` : ''}`;
  }
  const what = `"${r.segment}"${r.kind === 'contacts' ? '' : ` (${r.kind})`} -> ${r.path ?? '-'}${r.rows !== null ? `, ${r.rows} ${r.rows === 1 ? 'row' : 'rows'}` : ''}${r.sha256 ? `, sha256 ${r.sha256.slice(0, 12)}` : ''}`;
  return `${head}  ${what}${r.error ? `\n    ${r.error.split('\n')[0]}` : ''}`;
}

export function register(program: Command): void {
  leaf<{ limit?: number }>(program.command('runs')
    .summary('The most recent sync and export runs, newest first')
    .option('--limit <n>', 'how many runs to list (default 20)', positiveNumber),
  async (opts) => {
    const config = configOf(opts);
    return withApp(config, async (app) => {
      const runs = await (await app.mirror()).runHistory(opts.limit ?? 20);
      if (opts.json) printJson({ runs });
      else if (runs.length === 0) writeOut('No runs yet: `ghl-etl sync` and `ghl-etl export` record theirs here.\n');
      else writeOut(runs.map(describeRunEntry).join('\n') + '\n');
      return EXIT.ok;
    }, { readonly: true, postgres: true });
  });
}
