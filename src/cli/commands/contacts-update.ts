// `ghl-etl contacts update ID`: change a contact (src/ops updateContact); --tag adds tags.
import type { Command } from 'commander';
import { updateContact } from '../../ops/index.ts';
import { group, leaf } from '../command.ts';
import { contactInput, contactLabel, withContactFlags, type ContactFlags } from '../contact-flags.ts';
import { printOutcome, withOps, writeOptions } from '../ops-command.ts';

export function register(program: Command): void {
  leaf<ContactFlags>(withContactFlags(group(program, 'contacts').command('update')
    .argument('<id>', 'the contact\'s id')
    .summary('Change a contact; --tag adds tags, never replaces the others'), false),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const outcome = await updateContact(ctx, cmd.args[0]!, contactInput(opts), writeOptions(opts));
    return printOutcome(outcome, opts, (r) => ({ line: `updated contact ${contactLabel(r.contact)}`, record: r.contact, warnings: r.warnings, replayed: r.replayed }));
  }));
}
