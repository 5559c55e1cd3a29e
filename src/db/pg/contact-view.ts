// contact-view.ts on PostgreSQL: the same parts read in PostgreSQL's words and built by the same
// buildContactView, so `contacts show --json` prints the same on both engines (booleans are
// booleans here already; tags in byte order, as SQLite sorts them).
import type pg from 'pg';
import { buildContactView, type ContactNote, type ContactProfile, type ContactTask, type ContactView, type ContactViewParts } from '../contact-view.ts';
import type { FieldDefinition } from '../views.ts';

type Queryable = pg.Pool | pg.ClientBase;

export async function contactViewPg(q: Queryable, id: string): Promise<ContactView | undefined> {
  const rows = async <R>(text: string): Promise<R[]> => (await q.query<R & pg.QueryResultRow>(text, [id])).rows;
  const [profile] = await rows<ContactProfile>(
    `SELECT id, location_id AS "locationId", first_name AS "firstName", last_name AS "lastName", name, email, phone,
       company_name AS "companyName", business_id AS "businessId", source, type, assigned_to AS "assignedTo",
       (SELECT u.name FROM users u WHERE u.location_id = contacts.location_id AND u.id = contacts.assigned_to) AS "assignedToName", dnd,
       address1, city, state, postal_code AS "postalCode", country, timezone, date_of_birth AS "dateOfBirth",
       date_added AS "dateAdded", date_updated AS "dateUpdated", synced_at AS "syncedAt", deleted_at AS "deletedAt"
     FROM contacts WHERE id = $1`,
  );
  if (!profile) return undefined;
  return buildContactView({
    profile,
    tags: (await rows<{ tag: string }>(`SELECT tag FROM contact_tags WHERE contact_id = $1 ORDER BY tag COLLATE "C"`)).map((r) => r.tag),
    definitions: (await q.query<FieldDefinition>(`SELECT id, name, field_key AS "fieldKey" FROM custom_fields WHERE deleted_at IS NULL`)).rows,
    customValues: await rows<ContactViewParts['customValues'][number]>(
      `SELECT field_id AS "fieldId", value, value_type AS "valueType" FROM contact_custom_fields WHERE contact_id = $1`),
    tasks: await rows<ContactTask>(
      `SELECT id, title, body, due_date AS "dueDate", completed, assigned_to AS "assignedTo" FROM tasks WHERE contact_id = $1 AND deleted_at IS NULL`),
    notes: await rows<ContactNote>(
      `SELECT id, body, user_id AS "userId", date_added AS "dateAdded" FROM notes WHERE contact_id = $1 AND deleted_at IS NULL`),
  });
}

/** users.ts userName. */
export async function userNamePg(q: Queryable, locationId: string, userId: string): Promise<string | undefined> {
  const row = (await q.query<{ name: string | null }>(`SELECT name FROM users WHERE location_id = $1 AND id = $2`, [locationId, userId])).rows[0];
  return row?.name ?? undefined;
}
