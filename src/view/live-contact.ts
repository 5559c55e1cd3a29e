// `contacts show --live`: the 360° view read from HighLevel instead of the mirror. The contact, its
// tasks and notes and the location's custom field definitions are fetched through the client,
// mapped to rows exactly as the sync maps them (src/db/rows.ts) and built into the same view
// (buildContactView), so the live and mirrored views differ only in what HighLevel holds now.
import { buildContactView, type ContactView } from '../db/contact-view.ts';
import { contactToRow, customFieldToRow, noteToRow, taskToRow } from '../db/rows.ts';
import type { GhlClient } from '../ghl/client.ts';
import { isGhlError, ValidationError } from '../ghl/errors.ts';

export type LiveViewClient = Pick<GhlClient, 'getContact' | 'listContactTasks' | 'listContactNotes' | 'listCustomFields'>;

/** HighLevel has no such contact in the location (it answers 400 "not found", or 404). */
export class ContactNotFoundError extends Error {
  override name = 'ContactNotFoundError';
}

const isNotFound = (err: unknown) =>
  isGhlError(err, 'not-found') || (err instanceof ValidationError && err.messages.some((m) => /not found/i.test(m)));

export async function liveContactView(client: LiveViewClient, locationId: string, contactId: string, now: Date = new Date()): Promise<ContactView> {
  let contact;
  try {
    contact = await client.getContact(locationId, contactId);
  } catch (err) {
    if (isNotFound(err)) throw new ContactNotFoundError(`contact ${contactId} is not in HighLevel location ${locationId}`);
    throw err;
  }
  const [tasks, notes, fields] = await Promise.all([
    client.listContactTasks(locationId, contactId),
    client.listContactNotes(locationId, contactId),
    client.listCustomFields(locationId),
  ]);
  const { tags, customValues, raw: _raw, dnd, ...row } = contactToRow(contact, locationId);
  return buildContactView({
    profile: { ...row, assignedToName: null, dnd: dnd === 1, syncedAt: now.toISOString(), deletedAt: null },
    tags: [...tags].sort(),
    customValues,
    definitions: fields.map((f) => customFieldToRow(f, locationId)),
    tasks: tasks.map((t) => {
      const r = taskToRow(t, contactId, locationId);
      return { id: r.id, title: r.title, body: r.body, dueDate: r.dueDate, completed: r.completed === 1, assignedTo: r.assignedTo };
    }),
    notes: notes.map((n) => {
      const r = noteToRow(n, contactId, locationId);
      return { id: r.id, body: r.body, userId: r.userId, dateAdded: r.dateAdded };
    }),
  });
}
