// Task operations on a contact: create, update, complete (or undo), delete, list. A create whose
// answer is lost is resolved by listing the contact's tasks before any retry.
import type * as Api from '../highlevel-api/api-types.ts';
import { mirrorOfOps, plan, type OpsContext, type WriteOptions } from './context.ts';
import { deleteChild, ensureContactMirrored, listChildren } from './children.ts';
import type { DeleteResult } from './contacts.ts';
import { OperationInputError } from './errors.ts';
import { createOnce, runWrite, type Outcome, type Replayable } from './run.ts';
import { checkId, checkIsoDate, checkText } from './validate.ts';

export interface TaskInput {
  title?: string;
  /** ISO-8601 date-time. */
  dueDate?: string;
  body?: string;
  assignedTo?: string;
  completed?: boolean;
}

export interface TaskResult extends Replayable {
  task: Api.Task;
  recovered: boolean;
}

function taskBody(input: TaskInput, create: boolean): Record<string, unknown> {
  if (typeof input !== 'object' || input === null) throw new OperationInputError('task', 'expected an object');
  const { title, dueDate, body, assignedTo, completed, ...rest } = input as TaskInput & Record<string, unknown>;
  const out: Record<string, unknown> = { ...rest }; // anything else is left to the spec check
  const cleanTitle = checkText('title', title, { required: create });
  if (cleanTitle !== undefined) out.title = cleanTitle;
  if (dueDate !== undefined || create) out.dueDate = checkIsoDate('dueDate', dueDate);
  const cleanBody = checkText('body', body);
  if (cleanBody !== undefined) out.body = cleanBody;
  if (assignedTo !== undefined) out.assignedTo = checkId('assignedTo', assignedTo);
  if (completed !== undefined && typeof completed !== 'boolean') throw new OperationInputError('completed', 'must be true or false');
  // The spec requires `completed` on a create (NOTES.md "Writing"): a new task is open unless told.
  if (completed !== undefined || create) out.completed = completed ?? false;
  return out;
}

function taskResult(task: Api.Task, recovered = false): TaskResult {
  return { task, recovered, replayed: false };
}

/** The task a lost create made: same title, due date and body, not yet in the mirror. */
async function findCreatedTask(ctx: OpsContext, contactId: string, body: Record<string, unknown>): Promise<Api.Task | undefined> {
  const known = await mirrorOfOps(ctx).mirroredChildIds('tasks', contactId);
  const tasks = await ctx.client.listContactTasks(ctx.locationId, contactId);
  return tasks.find((t) =>
    !known.has(t.id)
    && t.title === body.title
    && Date.parse(t.dueDate) === Date.parse(String(body.dueDate))
    && (t.body || null) === ((body.body as string | undefined) || null));
}

export async function createTask<O extends WriteOptions>(ctx: OpsContext, contactId: string, input: TaskInput, opts?: O): Promise<Outcome<O, TaskResult>> {
  const id = checkId('contactId', contactId);
  const body = taskBody(input, true);
  return await runWrite<TaskResult>(ctx, opts, {
    action: 'createTask',
    contactId: id,
    planned: [plan('createTask', { contactId: id }, { body })],
    send: async () => {
      const mirrorContact = await ensureContactMirrored(ctx, id);
      const { record, recovered } = await createOnce(
        () => ctx.client.createTask(ctx.locationId, id, body as Api.CreateTaskBody),
        () => findCreatedTask(ctx, id, body),
      );
      return { result: taskResult(record, recovered), mirror: async (tx) => { await mirrorContact(tx); await tx.writeTask(record, id, ctx.locationId, ctx.clock); } };
    },
    findEarlier: async () => {
      const found = await findCreatedTask(ctx, id, body);
      if (!found) return undefined;
      const mirrorContact = await ensureContactMirrored(ctx, id);
      return { result: taskResult(found, true), mirror: async (tx) => { await mirrorContact(tx); await tx.writeTask(found, id, ctx.locationId, ctx.clock); } };
    },
  }) as Outcome<O, TaskResult>;
}

async function changeTask<O extends WriteOptions>(
  ctx: OpsContext, action: 'updateTask' | 'completeTask', contactId: string, taskId: string, body: Record<string, unknown>, opts?: O,
): Promise<Outcome<O, TaskResult>> {
  const ids = { contactId: checkId('contactId', contactId), taskId: checkId('taskId', taskId) };
  return await runWrite<TaskResult>(ctx, opts, {
    action,
    contactId: ids.contactId,
    planned: [plan(action, ids, { body })],
    send: async () => {
      const mirrorContact = await ensureContactMirrored(ctx, ids.contactId);
      const task = action === 'completeTask'
        ? await ctx.client.completeTask(ctx.locationId, ids.contactId, ids.taskId, body.completed as boolean)
        : await ctx.client.updateTask(ctx.locationId, ids.contactId, ids.taskId, body as Api.UpdateTaskBody);
      return { result: taskResult(task), mirror: async (tx) => { await mirrorContact(tx); await tx.writeTask(task, ids.contactId, ctx.locationId, ctx.clock); } };
    },
  }) as Outcome<O, TaskResult>;
}

export async function updateTask<O extends WriteOptions>(ctx: OpsContext, contactId: string, taskId: string, input: TaskInput, opts?: O): Promise<Outcome<O, TaskResult>> {
  const body = taskBody(input, false);
  if (Object.keys(body).length === 0) throw new OperationInputError('task', 'nothing to update: give a title, due date, body, assignee or completed');
  return await changeTask(ctx, 'updateTask', contactId, taskId, body, opts);
}

/** Marks the task completed; `undo` marks it open again. */
export function completeTask<O extends WriteOptions>(ctx: OpsContext, contactId: string, taskId: string, options: { undo?: boolean } = {}, opts?: O): Promise<Outcome<O, TaskResult>> {
  return changeTask(ctx, 'completeTask', contactId, taskId, { completed: options.undo !== true }, opts);
}

export function deleteTask<O extends WriteOptions>(ctx: OpsContext, contactId: string, taskId: string, opts?: O): Promise<Outcome<O, DeleteResult>> {
  return deleteChild(ctx, 'tasks', { contactId, childId: taskId }, opts, (c, t) => ctx.client.deleteTask(ctx.locationId, c, t));
}

/** A contact's tasks from the mirror, or from HighLevel with `live`. */
export function listTasks(ctx: OpsContext, contactId: string, q: { live?: boolean } = {}): Promise<Api.Task[]> {
  return listChildren(ctx, 'tasks', contactId, q.live, (id) => ctx.client.listContactTasks(ctx.locationId, id));
}
