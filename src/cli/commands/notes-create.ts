// `ghl-etl notes create CONTACT_ID --body B` (src/ops createNote): a lost answer is resolved by
// listing the contact's notes, never by a blind retry.
import type { Command } from 'commander';
import { createNote } from '../../ops/index.ts';
import { group, leaf } from '../command.ts';
import { noteInput, noteLine, withNoteFlags, type NoteFlags } from '../note-flags.ts';
import { printOutcome, withOps, writeOptions } from '../ops-command.ts';

export function register(program: Command): void {
  leaf<NoteFlags>(withNoteFlags(group(program, 'notes').command('create')
    .argument('<contact-id>', 'the contact\'s id')
    .summary('Add a note to a contact')),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const outcome = await createNote(ctx, cmd.args[0]!, noteInput(opts), writeOptions(opts));
    return printOutcome(outcome, opts, (r) => ({ line: `created ${noteLine(r.note, cmd.args[0]!)}`, record: r.note, replayed: r.replayed }));
  }));
}
