// `ghl-etl contacts create`: a new contact (src/ops createContact), never duplicated on a lost answer.
import type { Command } from 'commander';
import { createContact } from '../../ops/index.ts';
import { group, leaf } from '../command.ts';
import { contactInput, contactLabel, withContactFlags, type ContactFlags } from '../contact-flags.ts';
import { printOutcome, withOps, writeOptions } from '../ops-command.ts';

export function register(program: Command): void {
  leaf<ContactFlags>(withContactFlags(group(program, 'contacts').command('create')
    .summary('Create a contact in HighLevel and the mirror (a lost answer is looked up, never retried blindly)'), true),
  async (opts) => withOps(opts, async (ctx) => {
    const outcome = await createContact(ctx, contactInput(opts), writeOptions(opts));
    return printOutcome(outcome, opts, (r) => ({
      line: `created contact ${contactLabel(r.contact)}${r.recovered ? ' (its answer was lost; found by looking it up)' : ''}`,
      record: r.contact, warnings: r.warnings, replayed: r.replayed,
    }));
  }));
}
