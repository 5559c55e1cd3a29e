// The task flags of `tasks create|update`, and the library input they make together with the
// --from document (HighLevel's body; the flags override it).
import type { Command } from 'commander';
import type { Task } from '../highlevel-api/api-types.ts';
import type { TaskInput } from '../ops/index.ts';
import { UsageError } from './args.ts';
import { firstLine, fromDocument, given, withWriteFlags, type WriteFlags } from './ops-command.ts';

export interface TaskFlags extends WriteFlags {
  title?: string;
  due?: string;
  body?: string;
  assignedTo?: string;
}

export function withTaskFlags(cmd: Command, create: boolean): Command {
  cmd
    .option('--title <title>', create ? 'the task\'s title (required)' : 'the task\'s title')
    .option('--due <iso>', `when it is due, ISO-8601 (e.g. 2026-12-01T09:00:00Z)${create ? ' (required)' : ''}`)
    .option('--body <text>', 'the task\'s description')
    .option('--assigned-to <user-id>', 'the HighLevel user it is assigned to');
  return withWriteFlags(cmd, 'e.g. {"title", "dueDate", "body", "assignedTo", "completed"}');
}

export function taskInput(opts: TaskFlags): TaskInput {
  const flags = given({ title: opts.title, dueDate: opts.due, body: opts.body, assignedTo: opts.assignedTo });
  return { ...(fromDocument(opts.from) as TaskInput), ...flags };
}

/** A new task's required inputs, named as the user gives them (a flag, or the --from document's key). */
export function requireNewTask(input: TaskInput): TaskInput {
  if (input.title === undefined) throw new UsageError('--title is required: what the task is (or "title" in the --from document)');
  if (input.dueDate === undefined) throw new UsageError('--due is required: when the task is due, ISO-8601 such as 2026-12-01T09:00:00Z (or "dueDate" in the --from document)');
  return input;
}

/** "task T1 on contact C1: Call back (due 2026-12-01T09:00:00Z)". */
export function taskLine(t: Task): string {
  return `task ${t.id} on contact ${t.contactId}: ${firstLine(t.title)} (due ${t.dueDate}${t.completed ? ', completed' : ''})`;
}
