// Tasks: per contact (no paging, NOTES.md) and the location-wide search (skip/limit).
import type * as Api from '../highlevel-api/api-types.ts';
import { listOf, oneOf, TASK_NEEDS } from './answers.ts';
import type { Transport } from './transport.ts';

export interface TaskSearchQuery {
  contactId?: string[];
  completed?: boolean;
  skip: number;
  limit: number;
}

export interface TaskSearchPage {
  tasks: Api.Task[];
  total: number;
}

const enc = encodeURIComponent;
const taskPath = (contactId: string, taskId: string) => `/contacts/${enc(contactId)}/tasks/${enc(taskId)}`;

export function tasksApi(t: Transport) {
  async function listContactTasks(locationId: string, contactId: string): Promise<Api.Task[]> {
    const res = await t.request<Api.TaskListResponse>({ name: 'listContactTasks', method: 'GET', path: `/contacts/${enc(contactId)}/tasks`, locationId, needs: listOf('tasks', TASK_NEEDS) });
    return res.tasks;
  }

  async function getTask(locationId: string, contactId: string, taskId: string): Promise<Api.Task> {
    const res = await t.request<Api.TaskResponse>({ name: 'getTask', method: 'GET', path: taskPath(contactId, taskId), locationId, needs: oneOf('task', TASK_NEEDS) });
    return res.task;
  }

  /** Not idempotent: an unknown outcome throws a GhlError of kind 'outcome-unknown' instead of repeating. */
  async function createTask(locationId: string, contactId: string, body: Api.CreateTaskBody): Promise<Api.Task> {
    const res = await t.request<Api.TaskResponse>({
      name: 'createTask', method: 'POST', path: `/contacts/${enc(contactId)}/tasks`, locationId, body, idempotent: false, needs: oneOf('task', TASK_NEEDS),
    });
    return res.task;
  }

  async function updateTask(locationId: string, contactId: string, taskId: string, body: Api.UpdateTaskBody): Promise<Api.Task> {
    const res = await t.request<Api.TaskResponse>({ name: 'updateTask', method: 'PUT', path: taskPath(contactId, taskId), locationId, body, needs: oneOf('task', TASK_NEEDS) });
    return res.task;
  }

  async function completeTask(locationId: string, contactId: string, taskId: string, completed = true): Promise<Api.Task> {
    const res = await t.request<Api.TaskResponse>({
      name: 'completeTask', method: 'PUT', path: `${taskPath(contactId, taskId)}/completed`, locationId, body: { completed }, needs: oneOf('task', TASK_NEEDS),
    });
    return res.task;
  }

  async function deleteTask(locationId: string, contactId: string, taskId: string): Promise<void> {
    await t.request({ name: 'deleteTask', method: 'DELETE', path: taskPath(contactId, taskId), locationId });
  }

  async function searchLocationTasks(locationId: string, q: TaskSearchQuery): Promise<TaskSearchPage> {
    const body: Api.TaskSearchBody = { skip: q.skip, limit: q.limit };
    if (q.contactId !== undefined) body.contactId = q.contactId;
    if (q.completed !== undefined) body.completed = q.completed;
    const res = await t.request<Api.TaskSearchResponse>({
      name: 'searchLocationTasks', method: 'POST', path: `/locations/${enc(locationId)}/tasks/search`, locationId, body, idempotent: true,
      needs: listOf('tasks', TASK_NEEDS),
    });
    const tasks = res.tasks;
    return { tasks, total: typeof res.total === 'number' ? res.total : tasks.length };
  }

  return { listContactTasks, getTask, createTask, updateTask, completeTask, deleteTask, searchLocationTasks };
}

export type TasksApi = ReturnType<typeof tasksApi>;
