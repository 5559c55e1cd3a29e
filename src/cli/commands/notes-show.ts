// `ghl-etl notes show CONTACT_ID NOTE_ID [--live]`: one note from the mirror, or from HighLevel
// (GET /contacts/{contactId}/notes/{id}) with --live.
import type { Command } from 'commander';
import { getNote } from '../../ops/index.ts';
import { group, leaf, printJson } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { MIRROR_LOCATION_HELP, withLocationFlag, withOps, type LocationFlags } from '../ops-command.ts';

export function register(program: Command): void {
  leaf<LocationFlags & { live?: boolean }>(withLocationFlag(group(program, 'notes').command('show')
    .argument('<contact-id>', 'the contact\'s id')
    .argument('<note-id>', 'the note\'s id')
    .summary('Show one note from the mirror (or HighLevel with --live)')
    .option('--live', 'ask HighLevel instead of the mirror'), MIRROR_LOCATION_HELP),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const [contactId, noteId] = cmd.args as [string, string];
    const note = await getNote(ctx, contactId, noteId, { live: opts.live ?? false });
    if (!note) {
      process.stderr.write(`note ${noteId} of contact ${contactId} is not in the mirror: run \`ghl-etl sync\`, or add --live to ask HighLevel\n`);
      return EXIT.failed;
    }
    if (opts.json) printJson(note);
    else process.stdout.write(`${[note.id, note.dateAdded ?? ''].join('\t')}\n${note.body ?? ''}\n`);
    return EXIT.ok;
  }, { readonly: !opts.live, allLocations: !opts.live }));
}
