// `ghl-etl tasks complete CONTACT_ID TASK_ID [--undo]` (src/ops completeTask).
import type { Command } from 'commander';
import { completeTask } from '../../ops/index.ts';
import { group, leaf } from '../command.ts';
import { printOutcome, withOps, withWriteFlags, writeOptions, type WriteFlags } from '../ops-command.ts';
import { taskLine } from '../task-flags.ts';

export function register(program: Command): void {
  leaf<WriteFlags & { undo?: boolean }>(withWriteFlags(group(program, 'tasks').command('complete')
    .argument('<contact-id>', 'the contact\'s id')
    .argument('<task-id>', 'the task\'s id')
    .summary('Mark a task completed (--undo: open again)')
    .option('--undo', 'mark it not completed')),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const outcome = await completeTask(ctx, cmd.args[0]!, cmd.args[1]!, { undo: opts.undo ?? false }, writeOptions(opts));
    return printOutcome(outcome, opts, (r) => ({ line: `${r.task.completed ? 'completed' : 'reopened'} ${taskLine(r.task)}`, record: r.task, replayed: r.replayed }));
  }));
}
