// What of a linked contact's tasks and notes has been turned into LeadCars comments
// (`lead_reported`), and the mirror rows to compare it with. The bridge's change detection reads
// both and writes the new versions in the transaction that queues the comments.
import type { Clock } from './clock.ts';
import type { Db } from './open.ts';
import { prepared } from './statements.ts';

export type ReportedType = 'task' | 'note';

export interface Reported {
  objectType: ReportedType;
  objectId: string;
  version: string;
  completed: number;
  deleted: number;
}

export interface MirroredTask {
  id: string;
  title: string | null;
  body: string | null;
  dueDate: string | null;
  completed: number;
  deletedAt: string | null;
}

export interface MirroredNote {
  id: string;
  body: string | null;
  deletedAt: string | null;
}

export function reportedOf(db: Db, contactId: string): Map<string, Reported> {
  const rows = prepared(db, `SELECT object_type AS objectType, object_id AS objectId, version, completed, deleted
    FROM lead_reported WHERE contact_id = ?`).all(contactId) as Reported[];
  return new Map(rows.map((r) => [`${r.objectType}:${r.objectId}`, r]));
}

export function saveReported(db: Db, contactId: string, r: Reported, clock: Clock = () => new Date()): void {
  prepared(db, `INSERT INTO lead_reported (object_type, object_id, contact_id, version, completed, deleted, reported_at)
    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (object_type, object_id) DO UPDATE SET
    version = excluded.version, completed = excluded.completed, deleted = excluded.deleted, reported_at = excluded.reported_at`)
    .run(r.objectType, r.objectId, contactId, r.version, r.completed, r.deleted, clock().toISOString());
}

export function tasksOfContact(db: Db, contactId: string): MirroredTask[] {
  return prepared(db, `SELECT id, title, body, due_date AS dueDate, completed, deleted_at AS deletedAt FROM tasks WHERE contact_id = ? ORDER BY id`)
    .all(contactId) as MirroredTask[];
}

export function notesOfContact(db: Db, contactId: string): MirroredNote[] {
  return prepared(db, `SELECT id, body, deleted_at AS deletedAt FROM notes WHERE contact_id = ? ORDER BY date_added, id`)
    .all(contactId) as MirroredNote[];
}
