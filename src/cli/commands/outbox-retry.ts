// `ghl-etl outbox retry ID`: make a dead (or unknown) row due again now.
import type { Command } from 'commander';
import { UsageError, wholeNumber } from '../args.ts';
import { configOf, group, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { writeOut } from '../../terminal-text.ts';

export function register(program: Command): void {
  leaf<{ force?: boolean }>(group(program, 'outbox').command('retry').argument('<id>', 'outbox row id', wholeNumber)
    .summary('Send an outbox row again (a dead one, or with --force a lead create whose outcome is unknown)')
    .option('--force', 'retry a LeadCars create whose outcome is unknown (it may make a second lead; prefer `leads link`)'),
  async (opts, cmd) => {
    const id = cmd.processedArgs[0] as number;
    return withApp(configOf(opts), async (app) => {
      const { bridge } = await app.mirror();
      const row = await bridge.getOutboxRow(id);
      if (!row) throw new UsageError(`no outbox row ${id}: see \`ghl-etl outbox list\``);
      if (row.status === 'done') throw new UsageError(`outbox row ${id} is already done`);
      if (row.status === 'unknown' && row.kind === 'leadcars.createLead' && !opts.force) {
        throw new UsageError(`outbox row ${id} is a LeadCars create that may have happened: find the lead and run \`ghl-etl leads link CONTACT_ID LEAD_ID\`, or retry with --force`);
      }
      await bridge.retryOutboxRow(id);
      if (opts.json) printJson({ id, status: 'pending' });
      else writeOut(`Outbox row ${id} is due again; \`ghl-etl serve\` or the next \`ghl-etl sync\` sends it.\n`);
      return EXIT.ok;
    }, { postgres: true });
  });
}
