// `ghl-etl tasks show CONTACT_ID TASK_ID [--live]`: one task from the mirror, or from HighLevel
// (GET /contacts/{contactId}/tasks/{taskId}) with --live.
import type { Command } from 'commander';
import { getTask } from '../../ops/index.ts';
import { group, leaf, printJson } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { MIRROR_LOCATION_HELP, withLocationFlag, withOps, type LocationFlags } from '../ops-command.ts';

export function register(program: Command): void {
  leaf<LocationFlags & { live?: boolean }>(withLocationFlag(group(program, 'tasks').command('show')
    .argument('<contact-id>', 'the contact\'s id')
    .argument('<task-id>', 'the task\'s id')
    .summary('Show one task from the mirror (or HighLevel with --live)')
    .option('--live', 'ask HighLevel instead of the mirror'), MIRROR_LOCATION_HELP),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const [contactId, taskId] = cmd.args as [string, string];
    const task = await getTask(ctx, contactId, taskId, { live: opts.live ?? false });
    if (!task) {
      process.stderr.write(`task ${taskId} of contact ${contactId} is not in the mirror: run \`ghl-etl sync\`, or add --live to ask HighLevel\n`);
      return EXIT.failed;
    }
    if (opts.json) printJson(task);
    else process.stdout.write(`${[task.id, task.completed ? 'done' : 'open', task.dueDate, task.title].join('\t')}\n${task.body ? `${task.body}\n` : ''}`);
    return EXIT.ok;
  }, { readonly: !opts.live, allLocations: !opts.live }));
}
