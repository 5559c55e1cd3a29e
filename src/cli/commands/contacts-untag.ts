// `ghl-etl contacts untag ID T...` (src/ops untagContact).
import type { Command } from 'commander';
import { untagContact } from '../../ops/index.ts';
import { group, leaf } from '../command.ts';
import { contactLabel } from '../contact-flags.ts';
import { fromDocument, printOutcome, withOps, withWriteFlags, writeOptions, type WriteFlags } from '../ops-command.ts';

export function register(program: Command): void {
  leaf<WriteFlags>(withWriteFlags(group(program, 'contacts').command('untag')
    .argument('<id>', 'the contact\'s id')
    .argument('[tags...]', 'the tags (or "tags" in --from)')
    .summary('Remove tags from a contact'), '{"tags": [...]}'),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const [id, tags] = cmd.processedArgs as [string, string[]];
    const doc = fromDocument(opts.from);
    const all = [...(Array.isArray(doc.tags) ? (doc.tags as string[]) : []), ...tags];
    const outcome = await untagContact(ctx, id, all, writeOptions(opts));
    return printOutcome(outcome, opts, (r) => ({
      line: `untagged contact ${contactLabel(r.contact)}: ${all.join(', ')} (tags now: ${(r.contact.tags ?? []).join(', ') || 'none'})`,
      record: r.contact, replayed: r.replayed,
    }));
  }));
}
