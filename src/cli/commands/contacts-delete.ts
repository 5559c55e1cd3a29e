// `ghl-etl contacts delete ID` (src/ops deleteContact): a retry that finds it gone has succeeded.
import type { Command } from 'commander';
import { deleteContact } from '../../ops/index.ts';
import { group, leaf } from '../command.ts';
import { deletedLine, printOutcome, withOps, withWriteFlags, writeOptions, type WriteFlags } from '../ops-command.ts';

export function register(program: Command): void {
  leaf<WriteFlags>(withWriteFlags(group(program, 'contacts').command('delete')
    .argument('<id>', 'the contact\'s id')
    .summary('Delete a contact in HighLevel; the mirror keeps it, soft-deleted')),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const outcome = await deleteContact(ctx, cmd.args[0]!, writeOptions(opts));
    return printOutcome(outcome, opts, (r) => deletedLine('contact', r));
  }));
}
