// What a HighLevel webhook changes in the mirror, mapped with the same row functions as the
// sync (src/db/rows.ts). Contact events carry the whole contact; task and note events carry one
// task or note, so they are written one row at a time. A task or note whose contact is not in
// the mirror yet is left to the next sync (which fetches the contact with its children).
import {
  contactToRow, type Db, type HighLevelContact, type HighLevelNote, type HighLevelTask,
} from '../db/index.ts';
import type { MirrorStatements } from '../db/mirror.ts';
import { mirrorOf } from '../db/sqlite-mirror.ts';

export type WebhookEvent = Record<string, unknown> & { type: string; webhookId: string; timestamp: string };

/** The object an event describes: the event minus its envelope (`type` would clash with a contact's type). */
function objectOf(event: WebhookEvent): Record<string, unknown> & { id: string } {
  const { type: _type, webhookId: _id, timestamp: _ts, ...object } = event;
  return object as Record<string, unknown> & { id: string };
}

async function childContext(tx: MirrorStatements, table: 'tasks' | 'notes', object: { id: string; contactId?: unknown }) {
  const contactId = typeof object.contactId === 'string' && object.contactId !== '' ? object.contactId : await tx.bridge.childContactId(table, object.id);
  const contact = contactId === undefined ? undefined : await tx.bridge.mirroredContact(contactId);
  return contactId !== undefined && contact ? { contactId, locationId: contact.locationId } : undefined;
}

/**
 * Applies one event to the mirror (`tx`: the caller's transaction, or a SQLite `Db`, in a
 * transaction of its own). Returns false when the event changes nothing we mirror: another type,
 * no id, or a child of an unknown contact.
 */
export async function applyEventToMirror(tx: MirrorStatements | Db, event: WebhookEvent): Promise<boolean> {
  if (!('bridge' in tx)) return mirrorOf(tx).transaction((inner) => applyEventToMirror(inner, event));
  const object = objectOf(event);
  if (typeof object.id !== 'string' || object.id === '') return false;
  const locationId = typeof event.locationId === 'string' ? event.locationId : '';
  switch (event.type) {
    case 'ContactCreate':
    case 'ContactUpdate':
    case 'ContactTagUpdate':
    case 'ContactDndUpdate': {
      if (locationId === '') return false;
      const row = contactToRow(object as unknown as HighLevelContact, locationId);
      // Keep the run that last listed it: a webhook is not a listing pass.
      await tx.upsertContacts([row], (await tx.bridge.mirroredContact(object.id))?.runId ?? null);
      return true;
    }
    case 'ContactDelete':
      await tx.writeContactDeleted(object.id);
      return true;
    case 'TaskCreate':
    case 'TaskComplete': {
      const where = await childContext(tx, 'tasks', object);
      if (!where) return false;
      // Task events do not carry `completed`: TaskComplete is what says it.
      const task = (event.type === 'TaskComplete' ? { ...object, completed: true } : object) as unknown as HighLevelTask;
      await tx.writeTask(task, where.contactId, where.locationId);
      return true;
    }
    case 'NoteCreate':
    case 'NoteUpdate': {
      const where = await childContext(tx, 'notes', object);
      if (!where) return false;
      await tx.writeNote(object as unknown as HighLevelNote, where.contactId, where.locationId);
      return true;
    }
    case 'TaskDelete':
      await tx.markChildDeleted('tasks', object.id);
      return true;
    case 'NoteDelete':
      await tx.markChildDeleted('notes', object.id);
      return true;
    default:
      return false;
  }
}
