// Notes of a contact (apps/contacts.json "Notes"). There is no bulk notes endpoint: one call
// per contact, as live.
import { SandboxError } from '../types.ts';
import type { SandboxRequest } from '../http.ts';
import { accessibleContact, objectBody, type RouteContext, type SandboxRoute } from './context.ts';

function noteOf(ctx: RouteContext, req: SandboxRequest) {
  const contact = accessibleContact(ctx, req.params.contactId!);
  const note = ctx.store.getNote(contact.id, req.params.id!);
  if (!note) throw new SandboxError(400, 'Note not found');
  return { contact, note };
}

export function noteRoutes(): SandboxRoute[] {
  return [
    {
      method: 'GET',
      pattern: '/contacts/{contactId}/notes',
      handler: (req, ctx) => ({ status: 200, body: { notes: ctx.store.listNotes(accessibleContact(ctx, req.params.contactId!).id) } }),
    },
    {
      method: 'POST',
      pattern: '/contacts/{contactId}/notes',
      handler: (req, ctx) => {
        const { id } = accessibleContact(ctx, req.params.contactId!);
        return { status: 201, body: { note: ctx.store.createNote(id, objectBody(req.body)) } };
      },
    },
    {
      method: 'GET',
      pattern: '/contacts/{contactId}/notes/{id}',
      handler: (req, ctx) => ({ status: 200, body: { note: noteOf(ctx, req).note } }),
    },
    {
      method: 'PUT',
      pattern: '/contacts/{contactId}/notes/{id}',
      handler: (req, ctx) => {
        const { contact, note } = noteOf(ctx, req);
        return { status: 200, body: { note: ctx.store.updateNote(contact.id, note.id, objectBody(req.body)) } };
      },
    },
    {
      method: 'DELETE',
      pattern: '/contacts/{contactId}/notes/{id}',
      handler: (req, ctx) => {
        const { contact, note } = noteOf(ctx, req);
        ctx.store.deleteNote(contact.id, note.id);
        return { status: 200, body: { succeded: true } };
      },
    },
  ];
}
