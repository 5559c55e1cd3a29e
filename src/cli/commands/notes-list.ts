// `ghl-etl notes list CONTACT_ID`: a contact's notes from the mirror, or HighLevel with --live.
import type { Command } from 'commander';
import { listNotes } from '../../ops/index.ts';
import { group, leaf } from '../command.ts';
import { firstLine, MIRROR_LOCATION_HELP, printList, withLocationFlag, withOps, type LocationFlags } from '../ops-command.ts';

export function register(program: Command): void {
  leaf<LocationFlags & { live?: boolean }>(withLocationFlag(group(program, 'notes').command('list')
    .argument('<contact-id>', 'the contact\'s id')
    .summary('List a contact\'s notes from the mirror (or HighLevel with --live)')
    .option('--live', 'ask HighLevel instead of the mirror'), MIRROR_LOCATION_HELP),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const notes = await listNotes(ctx, cmd.args[0]!, { live: opts.live ?? false });
    return printList(notes, opts, ['note', 'notes'], (n) => [n.id, n.dateAdded ?? '', firstLine(n.body)].join('\t'));
  }, { readonly: !opts.live, allLocations: !opts.live })); // the mirror finds the contact in any location
}
