// `ghl-etl notes update CONTACT_ID NOTE_ID --body B` (src/ops updateNote).
import type { Command } from 'commander';
import { updateNote } from '../../ops/index.ts';
import { group, leaf } from '../command.ts';
import { noteInput, noteLine, withNoteFlags, type NoteFlags } from '../note-flags.ts';
import { printOutcome, withOps, writeOptions } from '../ops-command.ts';

export function register(program: Command): void {
  leaf<NoteFlags>(withNoteFlags(group(program, 'notes').command('update')
    .argument('<contact-id>', 'the contact\'s id')
    .argument('<note-id>', 'the note\'s id')
    .summary('Change a note\'s text')),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const outcome = await updateNote(ctx, cmd.args[0]!, cmd.args[1]!, noteInput(opts), writeOptions(opts));
    return printOutcome(outcome, opts, (r) => ({ line: `updated ${noteLine(r.note, cmd.args[0]!)}`, record: r.note, replayed: r.replayed }));
  }));
}
