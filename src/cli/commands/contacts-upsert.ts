// `ghl-etl contacts upsert`: create or update the contact with this email/phone (src/ops
// upsertContact); what HighLevel dropped (a phone another contact has) is a warning on stderr.
import type { Command } from 'commander';
import { upsertContact } from '../../ops/index.ts';
import { group, leaf } from '../command.ts';
import { contactInput, contactLabel, withContactFlags, type ContactFlags } from '../contact-flags.ts';
import { printOutcome, withOps, writeOptions } from '../ops-command.ts';

export function register(program: Command): void {
  leaf<ContactFlags>(withContactFlags(group(program, 'contacts').command('upsert')
    .summary('Create or update the contact with this email or phone; warns when HighLevel drops a phone or email'), true),
  async (opts) => withOps(opts, async (ctx) => {
    const outcome = await upsertContact(ctx, contactInput(opts), writeOptions(opts));
    return printOutcome(outcome, opts, (r) => ({
      line: `${r.created ? 'created' : 'updated'} contact ${contactLabel(r.contact)}`, record: r.contact, warnings: r.warnings, replayed: r.replayed,
    }));
  }));
}
