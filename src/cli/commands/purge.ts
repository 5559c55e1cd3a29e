// `ghl-etl purge --deleted-before DATE`: GDPR retention. Erases the personal data of contacts
// soft-deleted before DATE (and their tasks' and notes' text), keeping ids and dates
// (src/db/purge.ts; PostgreSQL: src/db/pg/purge.ts). It cannot be undone, so it asks on a
// terminal and needs --yes elsewhere.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { dateBound } from '../../config/segments.ts';
import { UsageError } from '../args.ts';
import { configOf, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { writeOut, writeErr } from '../../terminal-text.ts';

interface PurgeFlags {
  deletedBefore: string;
  yes?: boolean;
}

async function confirmed(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function register(program: Command): void {
  leaf<PurgeFlags>(program.command('purge')
    .summary('Erase the personal data of contacts soft-deleted before a date (GDPR retention); ids and dates stay')
    .requiredOption('--deleted-before <date>', 'a date (2026-01-31, UTC) or date-time with offset: contacts deleted before it')
    .option('--yes', 'do not ask (required when not on a terminal, e.g. under cron)'),
  async (opts) => {
    const before = opts.deletedBefore.trim();
    if (!dateBound.safeParse(before).success) {
      throw new UsageError(`--deleted-before "${opts.deletedBefore}" is not a date: give one like 2026-01-31 or 2026-01-31T00:00:00Z`);
    }
    const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;
    if (!opts.yes && !interactive) {
      throw new UsageError('purge erases personal data for good: add --yes to run it without a terminal (e.g. from cron)');
    }
    const config = configOf(opts);
    return withApp(config, async (app) => {
      const db = await app.mirror();
      if (!opts.yes) {
        const n = await db.countPurgeable(before);
        if (n === 0) {
          writeErr(`No contacts soft-deleted before ${before} hold personal data: nothing to erase.\n`);
        } else if (!(await confirmed(`Erase the personal data of ${plural(n, 'contact')} soft-deleted before ${before} in ${db.shown}? This cannot be undone. [y/N] `))) {
          writeErr('Nothing erased.\n');
          return EXIT.failed;
        }
      }
      const result = await db.purgeDeleted(before, { retentionDays: config.retention.days });
      if (opts.json) printJson({ deletedBefore: before, ...result });
      else {
        writeOut(`Erased the personal data of ${plural(result.contacts, 'contact')} soft-deleted before ${before} ` +
          `(${plural(result.tasks, 'task')}, ${plural(result.notes, 'note')}); their ids and dates are kept.\n`);
        const old = result.retention!;
        if (old.inbox + old.webhookEvents + old.outbox > 0) {
          writeOut(`Removed rows older than ${config.retention.days} days (retention.days): ` +
            `${plural(old.inbox, 'inbox lead')}, ${plural(old.webhookEvents, 'webhook event')}, ${plural(old.outbox, 'outbox call')}.\n`);
        }
      }
      return EXIT.ok;
    }, { postgres: true });
  });
}
