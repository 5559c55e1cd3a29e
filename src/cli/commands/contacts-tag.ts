// `ghl-etl contacts tag ID T...` (src/ops tagContact).
import type { Command } from 'commander';
import { tagContact } from '../../ops/index.ts';
import { group, leaf } from '../command.ts';
import { contactLabel } from '../contact-flags.ts';
import { fromDocument, printOutcome, withOps, withWriteFlags, writeOptions, type WriteFlags } from '../ops-command.ts';

export function register(program: Command): void {
  leaf<WriteFlags>(withWriteFlags(group(program, 'contacts').command('tag')
    .argument('<id>', 'the contact\'s id')
    .argument('[tags...]', 'the tags (or "tags" in --from)')
    .summary('Add tags to a contact (its other tags stay)'), '{"tags": [...]}'),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const [id, tags] = cmd.processedArgs as [string, string[]];
    const doc = fromDocument(opts.from);
    const all = [...(Array.isArray(doc.tags) ? (doc.tags as string[]) : []), ...tags];
    const outcome = await tagContact(ctx, id, all, writeOptions(opts));
    return printOutcome(outcome, opts, (r) => ({
      line: `tagged contact ${contactLabel(r.contact)}: ${all.join(', ')} (tags now: ${(r.contact.tags ?? []).join(', ') || 'none'})`,
      record: r.contact, replayed: r.replayed,
    }));
  }));
}
