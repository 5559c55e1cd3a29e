// `ghl-etl notes delete CONTACT_ID NOTE_ID` (src/ops deleteNote).
import type { Command } from 'commander';
import { deleteNote } from '../../ops/index.ts';
import { group, leaf } from '../command.ts';
import { deletedLine, printOutcome, withOps, withWriteFlags, writeOptions, type WriteFlags } from '../ops-command.ts';

export function register(program: Command): void {
  leaf<WriteFlags>(withWriteFlags(group(program, 'notes').command('delete')
    .argument('<contact-id>', 'the contact\'s id')
    .argument('<note-id>', 'the note\'s id')
    .summary('Delete a note; the mirror keeps it, soft-deleted')),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const outcome = await deleteNote(ctx, cmd.args[0]!, cmd.args[1]!, writeOptions(opts));
    return printOutcome(outcome, opts, (r) => deletedLine('note', r));
  }));
}
