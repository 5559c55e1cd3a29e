// `ghl-etl tasks list CONTACT_ID`: a contact's tasks from the mirror, or HighLevel with --live.
import type { Command } from 'commander';
import { listTasks } from '../../ops/index.ts';
import { group, leaf } from '../command.ts';
import { MIRROR_LOCATION_HELP, printList, withLocationFlag, withOps, type LocationFlags } from '../ops-command.ts';

export function register(program: Command): void {
  leaf<LocationFlags & { live?: boolean }>(withLocationFlag(group(program, 'tasks').command('list')
    .argument('<contact-id>', 'the contact\'s id')
    .summary('List a contact\'s tasks from the mirror (or HighLevel with --live)')
    .option('--live', 'ask HighLevel instead of the mirror'), MIRROR_LOCATION_HELP),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const tasks = await listTasks(ctx, cmd.args[0]!, { live: opts.live ?? false });
    return printList(tasks, opts, ['task', 'tasks'], (t) => [t.id, t.completed ? 'done' : 'open', t.dueDate, t.title].join('\t'));
  }, { readonly: !opts.live, allLocations: !opts.live })); // the mirror finds the contact in any location
}
