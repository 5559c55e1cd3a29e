// HighLevel -> LeadCars: each change to a task or note of a linked contact becomes one comment
// on each linked lead. Both the sync and the webhooks only update the mirror; this compares the
// mirror with what was already reported (`lead_reported`) and queues what is new, in one
// transaction holding the contact's report lock (SQLite: IMMEDIATE; PostgreSQL: an advisory
// lock), so whichever path saw a change first reports it and the other finds nothing left to say. The outbox's dedupe key (lead, object, kind, version) is the last guard.
import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import type { Clock } from '../db/clock.ts';
import type { BridgeStatements } from '../db/bridge-store.ts';
import type { MirroredNote, MirroredTask, Reported } from '../db/lead-reported.ts';
import type { Mirror } from '../db/mirror.ts';
import type { Db } from '../db/open.ts';
import { mirrorOf } from '../db/sqlite-mirror.ts';
import { fill, readableDate } from './templates.ts';

type Templates = Config['bridge']['templates'];
export type ChangeKind = 'created' | 'updated' | 'completed' | 'deleted';

export interface Change {
  objectType: 'task' | 'note';
  objectId: string;
  kind: ChangeKind;
  text: string;
  version: string;
}

const hash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);

/** What a task's comment depends on, normalised so the sync's and a webhook's copies hash alike. */
export function taskVersion(t: Pick<MirroredTask, 'title' | 'body' | 'dueDate' | 'completed'>): string {
  const due = t.dueDate && Number.isFinite(Date.parse(t.dueDate)) ? new Date(Date.parse(t.dueDate)).toISOString() : t.dueDate;
  return hash(['task', t.title ?? '', t.body ?? '', due ?? '', t.completed ? 1 : 0]);
}

export function noteVersion(body: string | null): string {
  return hash(['note', (body ?? '').trim()]);
}

function taskChange(task: MirroredTask, seen: Reported | undefined): ChangeKind | undefined {
  if (task.deletedAt) return seen && !seen.deleted ? 'deleted' : undefined;
  if (!seen || seen.deleted) return task.completed ? 'completed' : 'created';
  if (seen.version === taskVersion(task)) return undefined;
  if (task.completed && !seen.completed) return 'completed';
  return 'updated';
}

const TASK_TEMPLATE: Record<ChangeKind, keyof Templates> = {
  created: 'taskCreated', updated: 'taskUpdated', completed: 'taskCompleted', deleted: 'taskDeleted',
};

/** The changes of one contact's tasks and notes since they were last reported. */
export async function changesOf(db: BridgeStatements, contactId: string, templates: Templates): Promise<Array<Change & { reported: Reported }>> {
  const reported = await db.reportedOf(contactId);
  const out: Array<Change & { reported: Reported }> = [];
  for (const task of await db.tasksOfContact(contactId)) {
    const seen = reported.get(`task:${task.id}`);
    const kind = taskChange(task, seen);
    const version = taskVersion(task);
    if (!kind) {
      // A task first seen already deleted is remembered so it never speaks later.
      if (!seen && task.deletedAt) out.push(silent('task', task.id, version, task.completed, 1));
      continue;
    }
    const text = fill(templates[TASK_TEMPLATE[kind]], { title: task.title ?? '', body: task.body ?? '', due: readableDate(task.dueDate) });
    out.push({ objectType: 'task', objectId: task.id, kind, text, version, reported: { objectType: 'task', objectId: task.id, version, completed: task.completed, deleted: task.deletedAt ? 1 : 0 } });
  }
  for (const note of await db.notesOfContact(contactId)) {
    const seen = reported.get(`note:${note.id}`);
    const version = noteVersion(note.body);
    const change = noteChange(note, seen, version);
    if (change === 'silent') out.push(silent('note', note.id, version, 0, note.deletedAt ? 1 : 0));
    if (change !== 'created' && change !== 'updated') continue;
    const text = fill(templates[change === 'created' ? 'noteCreated' : 'noteUpdated'], { text: (note.body ?? '').trim() });
    out.push({ objectType: 'note', objectId: note.id, kind: change, text, version, reported: { objectType: 'note', objectId: note.id, version, completed: 0, deleted: 0 } });
  }
  return out;
}

/** Notes: new and edited ones are reported; a deletion is only remembered. */
function noteChange(note: MirroredNote, seen: Reported | undefined, version: string): 'created' | 'updated' | 'silent' | undefined {
  if (note.deletedAt) return seen?.deleted ? undefined : 'silent';
  if (!seen || seen.deleted) return (note.body ?? '').trim() === '' ? undefined : 'created';
  return seen.version === version ? undefined : 'updated';
}

function silent(objectType: 'task' | 'note', objectId: string, version: string, completed: number, deleted: number): Change & { reported: Reported } {
  return { objectType, objectId, kind: 'deleted', text: '', version, reported: { objectType, objectId, version, completed, deleted } };
}

/**
 * Queues a comment per change per linked lead, for the given contacts (default every linked
 * contact), and records the changes as reported. Returns how many comments were queued.
 */
export async function queueChangeComments(db: Db | Mirror, templates: Templates, contactIds?: string[], clock?: Clock): Promise<number> {
  const mirror = mirrorOf(db);
  let queued = 0;
  const ids = contactIds ?? await mirror.bridge.linkedContactIds();
  for (const contactId of ids) {
    await mirror.transaction(async ({ bridge }) => {
      await bridge.lockContactReports(contactId);
      const links = await bridge.linksOfContact(contactId);
      if (links.length === 0) return;
      for (const change of await changesOf(bridge, contactId, templates)) {
        if (change.text !== '') {
          for (const link of links) {
            const dedupeKey = `comment:${link.leadId}:${change.objectType}:${change.objectId}:${change.kind}:${change.version}`;
            if ((await bridge.enqueueOutbox({ kind: 'leadcars.comment', dedupeKey, payload: { leadId: link.leadId, text: change.text } }, clock)).created) queued++;
          }
        }
        await bridge.saveReported(contactId, change.reported, clock);
      }
    });
  }
  return queued;
}

/** Records a note the bridge wrote itself (the lead's own comment) as reported, so it is not echoed back. */
export async function markNoteReported(db: Db | Mirror, contactId: string, noteId: string, body: string | null, clock?: Clock): Promise<void> {
  await mirrorOf(db).bridge.saveReported(contactId, { objectType: 'note', objectId: noteId, version: noteVersion(body), completed: 0, deleted: 0 }, clock);
}

/** The contact a webhook event is about: a task's or note's `contactId`, a contact event's `id`. */
export function contactOfEvent(event: Record<string, unknown>): string | undefined {
  const type = typeof event.type === 'string' ? event.type : '';
  const id = /^(Task|Note)/.test(type) ? event.contactId : /^Contact/.test(type) ? event.id : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
