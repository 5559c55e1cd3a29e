// `ghl-etl tasks delete CONTACT_ID TASK_ID` (src/ops deleteTask).
import type { Command } from 'commander';
import { deleteTask } from '../../ops/index.ts';
import { group, leaf } from '../command.ts';
import { deletedLine, printOutcome, withOps, withWriteFlags, writeOptions, type WriteFlags } from '../ops-command.ts';

export function register(program: Command): void {
  leaf<WriteFlags>(withWriteFlags(group(program, 'tasks').command('delete')
    .argument('<contact-id>', 'the contact\'s id')
    .argument('<task-id>', 'the task\'s id')
    .summary('Delete a task; the mirror keeps it, soft-deleted')),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const outcome = await deleteTask(ctx, cmd.args[0]!, cmd.args[1]!, writeOptions(opts));
    return printOutcome(outcome, opts, (r) => deletedLine('task', r));
  }));
}
