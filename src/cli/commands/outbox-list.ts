// `ghl-etl outbox list`: the calls owed to LeadCars, those needing a person first.
import type { Command } from 'commander';
import type { OutboxStatus } from '../../db/outbox.ts';
import { oneOf } from '../args.ts';
import { configOf, group, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { writeOut } from '../../terminal-text.ts';

const STATUSES = ['pending', 'done', 'dead', 'unknown'] as const;

export function register(program: Command): void {
  leaf<{ status?: OutboxStatus; all?: boolean }>(group(program, 'outbox').command('list')
    .summary('List outbox rows (default: all but done)')
    .option('--status <s>', 'only rows in this status: pending, done, dead, unknown', oneOf(STATUSES))
    .option('--all', 'include done rows'),
  async (opts) => withApp(configOf(opts), async (app) => {
    const rows = (await (await app.mirror()).bridge.listOutbox(opts.status ? { status: opts.status } : {})).filter((r) => opts.all || opts.status || r.status !== 'done');
    const items = rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as unknown, result: r.result === null ? null : JSON.parse(r.result) as unknown }));
    if (opts.json) printJson({ outbox: items });
    else {
      if (rows.length === 0) writeOut('The outbox is empty.\n');
      for (const r of rows) {
        writeOut(`${r.id}\t${r.status}\t${r.kind}\tattempts ${r.attempts}\t${r.dedupeKey}${r.lastError ? `\n\t${r.lastError}` : ''}\n`);
      }
    }
    return EXIT.ok;
  }, { readonly: true, postgres: true }));
}
