// `ghl-etl tasks create CONTACT_ID --title T --due ISO` (src/ops createTask): a lost answer is
// resolved by listing the contact's tasks, never by a blind retry.
import type { Command } from 'commander';
import { createTask } from '../../ops/index.ts';
import { group, leaf } from '../command.ts';
import { printOutcome, withOps, writeOptions } from '../ops-command.ts';
import { requireNewTask, taskInput, taskLine, withTaskFlags, type TaskFlags } from '../task-flags.ts';

export function register(program: Command): void {
  leaf<TaskFlags>(withTaskFlags(group(program, 'tasks').command('create')
    .argument('<contact-id>', 'the contact\'s id')
    .summary('Create a task on a contact (--title and --due are required)'), true),
  async (opts, cmd) => {
    const input = requireNewTask(taskInput(opts)); // before anything is opened
    return withOps(opts, async (ctx) => {
      const outcome = await createTask(ctx, cmd.args[0]!, input, writeOptions(opts));
      return printOutcome(outcome, opts, (r) => ({ line: `created ${taskLine(r.task)}`, record: r.task, replayed: r.replayed }));
    });
  });
}
