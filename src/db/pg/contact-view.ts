// The 360° view of one contact on PostgreSQL: the same parts as contactView() of
// src/db/contact-view.ts reads on SQLite, built by the same buildContactView, so `get_contact`
// (MCP) and `contacts show --json` print the same document on both engines. The columns come
// back as the SQLite reader has them: times as ISO text with milliseconds (connect.ts), `dnd`
// and `completed` already booleans, tags in byte order (COLLATE "C", as SQLite's BINARY).
import type pg from 'pg';
import {
  buildContactView, type ContactNote, type ContactProfile, type ContactTask, type ContactView, type ContactViewParts,
} from '../contact-view.ts';
import type { FieldDefinition } from '../views.ts';

const PROFILE = `SELECT id, location_id AS "locationId", first_name AS "firstName", last_name AS "lastName", name, email, phone,
   company_name AS "companyName", business_id AS "businessId", source, type, assigned_to AS "assignedTo",
   (SELECT u.name FROM users u WHERE u.location_id = contacts.location_id AND u.id = contacts.assigned_to) AS "assignedToName", dnd,
   address1, city, state, postal_code AS "postalCode", country, timezone, date_of_birth AS "dateOfBirth",
   date_added AS "dateAdded", date_updated AS "dateUpdated", synced_at AS "syncedAt", deleted_at AS "deletedAt"
 FROM contacts WHERE id = $1`;

/** The contact as the mirror holds it (soft-deleted ones too, with deletedAt set), or undefined. */
export async function contactViewPg(q: pg.Pool | pg.ClientBase, id: string): Promise<ContactView | undefined> {
  const rows = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = [id]) => (await q.query<R>(text, values)).rows;
  const [row] = await rows<Omit<ContactProfile, 'dnd'> & { dnd: boolean | null }>(PROFILE);
  if (!row) return undefined;
  const [tags, definitions, customValues, tasks, notes] = await Promise.all([
    rows<{ tag: string }>(`SELECT tag FROM contact_tags WHERE contact_id = $1 ORDER BY tag COLLATE "C"`),
    rows<FieldDefinition>(`SELECT id, name, field_key AS "fieldKey" FROM custom_fields WHERE deleted_at IS NULL`, []),
    rows<ContactViewParts['customValues'][number]>(
      `SELECT field_id AS "fieldId", value, value_type AS "valueType" FROM contact_custom_fields WHERE contact_id = $1`),
    rows<ContactTask>(`SELECT id, title, body, due_date AS "dueDate", completed, assigned_to AS "assignedTo" FROM tasks
      WHERE contact_id = $1 AND deleted_at IS NULL`),
    rows<ContactNote>(`SELECT id, body, user_id AS "userId", date_added AS "dateAdded" FROM notes WHERE contact_id = $1 AND deleted_at IS NULL`),
  ]);
  return buildContactView({
    profile: { ...row, dnd: row.dnd === true },
    tags: tags.map((r) => r.tag),
    definitions,
    customValues,
    tasks: tasks.map((t) => ({ ...t, completed: t.completed === true })),
    notes,
  });
}

/** users.ts userName. */
export async function userNamePg(q: pg.Pool | pg.ClientBase, locationId: string, userId: string): Promise<string | undefined> {
  const row = (await q.query<{ name: string | null }>(`SELECT name FROM users WHERE location_id = $1 AND id = $2`, [locationId, userId])).rows[0];
  return row?.name ?? undefined;
}
