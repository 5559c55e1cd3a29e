// Tasks of a contact (apps/contacts.json "Tasks") and the location-wide task search
// (apps/locations.json task-search). Lists per contact have no paging, as live.
import { SandboxError } from '../types.ts';
import type { SandboxRequest } from '../http.ts';
import { accessibleContact, checkLocation, intQuery, objectBody, type RouteContext, type SandboxRoute } from './context.ts';

function taskOf(ctx: RouteContext, req: SandboxRequest) {
  const contact = accessibleContact(ctx, req.params.contactId!);
  const task = ctx.store.getTask(contact.id, req.params.taskId!);
  if (!task) throw new SandboxError(400, 'Task not found');
  return { contact, task };
}

const stringList = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;

export function taskRoutes(): SandboxRoute[] {
  return [
    {
      method: 'GET',
      pattern: '/contacts/{contactId}/tasks',
      handler: (req, ctx) => ({ status: 200, body: { tasks: ctx.store.listTasks(accessibleContact(ctx, req.params.contactId!).id) } }),
    },
    {
      method: 'POST',
      pattern: '/contacts/{contactId}/tasks',
      handler: (req, ctx) => {
        const { id } = accessibleContact(ctx, req.params.contactId!);
        return { status: 201, body: { task: ctx.store.createTask(id, objectBody(req.body)) } };
      },
    },
    {
      method: 'GET',
      pattern: '/contacts/{contactId}/tasks/{taskId}',
      handler: (req, ctx) => ({ status: 200, body: { task: taskOf(ctx, req).task } }),
    },
    {
      method: 'PUT',
      pattern: '/contacts/{contactId}/tasks/{taskId}',
      handler: (req, ctx) => {
        const { contact, task } = taskOf(ctx, req);
        return { status: 200, body: { task: ctx.store.updateTask(contact.id, task.id, objectBody(req.body)) } };
      },
    },
    {
      method: 'PUT',
      pattern: '/contacts/{contactId}/tasks/{taskId}/completed',
      handler: (req, ctx) => {
        const { contact, task } = taskOf(ctx, req);
        const completed = objectBody(req.body).completed;
        if (typeof completed !== 'boolean') throw new SandboxError(422, ['completed must be a boolean value']);
        return { status: 200, body: { task: ctx.store.completeTask(contact.id, task.id, completed) } };
      },
    },
    {
      method: 'DELETE',
      pattern: '/contacts/{contactId}/tasks/{taskId}',
      handler: (req, ctx) => {
        const { contact, task } = taskOf(ctx, req);
        ctx.store.deleteTask(contact.id, task.id);
        return { status: 200, body: { succeded: true } };
      },
    },
    {
      method: 'POST',
      pattern: '/locations/{locationId}/tasks/search',
      handler: (req, ctx) => {
        const locationId = req.params.locationId!;
        checkLocation(ctx, locationId);
        const body = objectBody(req.body);
        const contactId = stringList(body.contactId);
        const assignedTo = stringList(body.assignedTo);
        const result = ctx.store.searchTasks(locationId, {
          ...(contactId ? { contactId } : {}),
          ...(assignedTo ? { assignedTo } : {}),
          ...(typeof body.completed === 'boolean' ? { completed: body.completed } : {}),
          ...(typeof body.query === 'string' ? { query: body.query } : {}),
          skip: Math.max(0, intQuery(body.skip === undefined ? undefined : String(body.skip), 0)),
          limit: Math.max(1, intQuery(body.limit === undefined ? undefined : String(body.limit), 25)),
        });
        return { status: 200, body: { tasks: result.tasks } };
      },
    },
  ];
}
