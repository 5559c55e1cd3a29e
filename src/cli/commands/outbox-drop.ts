// `ghl-etl outbox drop ID`: give up on a row (it is deleted; nothing is sent).
import type { Command } from 'commander';
import { UsageError, wholeNumber } from '../args.ts';
import { configOf, group, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { writeOut } from '../../terminal-text.ts';

export function register(program: Command): void {
  leaf(group(program, 'outbox').command('drop').argument('<id>', 'outbox row id', wholeNumber)
    .summary('Remove an outbox row without sending it'),
  async (opts, cmd) => {
    const id = cmd.processedArgs[0] as number;
    return withApp(configOf(opts), async (app) => {
      const { bridge } = await app.mirror();
      const row = await bridge.getOutboxRow(id);
      if (!row) throw new UsageError(`no outbox row ${id}: see \`ghl-etl outbox list\``);
      if (!(await bridge.dropOutboxRow(id))) throw new UsageError(`outbox row ${id} is done; there is nothing to drop`);
      if (opts.json) printJson({ id, dropped: true });
      else writeOut(`Outbox row ${id} dropped.\n`);
      return EXIT.ok;
    }, { postgres: true });
  });
}
