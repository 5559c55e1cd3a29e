// `ghl-etl tasks update CONTACT_ID TASK_ID [flags]` (src/ops updateTask).
import type { Command } from 'commander';
import { updateTask } from '../../ops/index.ts';
import { group, leaf } from '../command.ts';
import { printOutcome, withOps, writeOptions } from '../ops-command.ts';
import { taskInput, taskLine, withTaskFlags, type TaskFlags } from '../task-flags.ts';

export function register(program: Command): void {
  leaf<TaskFlags>(withTaskFlags(group(program, 'tasks').command('update')
    .argument('<contact-id>', 'the contact\'s id')
    .argument('<task-id>', 'the task\'s id')
    .summary('Change a task\'s title, due date, body or assignee'), false),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const outcome = await updateTask(ctx, cmd.args[0]!, cmd.args[1]!, taskInput(opts), writeOptions(opts));
    return printOutcome(outcome, opts, (r) => ({ line: `updated ${taskLine(r.task)}`, record: r.task, replayed: r.replayed }));
  }));
}
