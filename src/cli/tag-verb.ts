// `contacts tag` and `contacts untag`: one command shape, the two directions (src/ops tagContact,
// untagContact).
import type { Command } from 'commander';
import { tagContact, untagContact } from '../ops/index.ts';
import { group, leaf } from './command.ts';
import { contactLabel } from './contact-flags.ts';
import { fromDocument, printOutcome, withOps, withWriteFlags, writeOptions, type WriteFlags } from './ops-command.ts';

const VERBS = {
  tag: { run: tagContact, past: 'tagged', summary: 'Add tags to a contact (its other tags stay)' },
  untag: { run: untagContact, past: 'untagged', summary: 'Remove tags from a contact' },
} as const;

export function registerTagVerb(program: Command, verb: keyof typeof VERBS): void {
  const { run, past, summary } = VERBS[verb];
  leaf<WriteFlags>(withWriteFlags(group(program, 'contacts').command(verb)
    .argument('<id>', 'the contact\'s id')
    .argument('[tags...]', 'the tags (or "tags" in --from)')
    .summary(summary), '{"tags": [...]}'),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const [id, tags] = cmd.processedArgs as [string, string[]];
    const doc = fromDocument(opts.from);
    const all = [...(Array.isArray(doc.tags) ? (doc.tags as string[]) : []), ...tags];
    const outcome = await run(ctx, id, all, writeOptions(opts));
    return printOutcome(outcome, opts, (r) => ({
      line: `${past} contact ${contactLabel(r.contact)}: ${all.join(', ')} (tags now: ${(r.contact.tags ?? []).join(', ') || 'none'})`,
      record: r.contact, replayed: r.replayed,
    }));
  }));
}
