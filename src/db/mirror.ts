// Writing what a sync received: idempotent upserts, one call per page. Each function wraps
// itself in a transaction (a savepoint when the caller already opened one with
// `db.transaction`), so a page is all-or-nothing either way. The db layer never calls the API:
// callers pass rows mapped by `rows.ts`.
import type { Db } from './open.ts';
import type { ContactRow, CustomFieldRow, NoteRow, TaskRow } from './rows.ts';
import { prepared } from './statements.ts';
import { rebuildContactsWideView } from './views.ts';

/** Times are stored as UTC ISO-8601 text; callers may pass their own clock for tests. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
const iso = (clock: Clock): string => clock().toISOString();

export interface LocationInput {
  id: string;
  name?: string | null;
  companyId?: string | null;
  /** The location JSON as received; defaults to `{"id": ...}` when only configured. */
  raw?: string;
}

export function upsertLocation(db: Db, location: LocationInput, runId: number | null = null, clock: Clock = systemClock): void {
  db.sqlite
    .prepare(
      `INSERT INTO locations (id, name, company_id, raw, synced_at, run_id)
       VALUES (@id, @name, @companyId, @raw, @syncedAt, @runId)
       ON CONFLICT (id) DO UPDATE SET
         name = coalesce(excluded.name, locations.name),
         company_id = coalesce(excluded.company_id, locations.company_id),
         raw = CASE WHEN @hasRaw THEN excluded.raw ELSE locations.raw END,
         synced_at = excluded.synced_at,
         run_id = coalesce(excluded.run_id, locations.run_id)`,
    )
    .run({
      id: location.id,
      name: location.name ?? null,
      companyId: location.companyId ?? null,
      raw: location.raw ?? JSON.stringify({ id: location.id }),
      hasRaw: location.raw === undefined ? 0 : 1,
      syncedAt: iso(clock),
      runId,
    });
}

/**
 * Replaces the location's custom field definitions with `defs` (those missing are soft-deleted,
 * reappearing ones revived). Returns whether the set of live definitions (id, name, key, type)
 * changed; when it did, `contacts_wide` has already been rebuilt.
 */
export function upsertCustomFieldDefinitions(
  db: Db, locationId: string, defs: CustomFieldRow[], runId: number | null, clock: Clock = systemClock,
): boolean {
  const signature = (): string =>
    JSON.stringify(
      db.sqlite
        .prepare(
          `SELECT id, name, field_key, data_type FROM custom_fields
           WHERE location_id = ? AND deleted_at IS NULL ORDER BY id`,
        )
        .all(locationId),
    );
  const upsert = db.sqlite.prepare(
    `INSERT INTO custom_fields (id, location_id, name, field_key, data_type, raw, synced_at, run_id, deleted_at)
     VALUES (@id, @locationId, @name, @fieldKey, @dataType, @raw, @syncedAt, @runId, NULL)
     ON CONFLICT (id) DO UPDATE SET
       location_id = excluded.location_id, name = excluded.name, field_key = excluded.field_key,
       data_type = excluded.data_type, raw = excluded.raw, synced_at = excluded.synced_at,
       run_id = excluded.run_id, deleted_at = NULL`,
  );
  return db.transaction(() => {
    const before = signature();
    const now = iso(clock);
    for (const d of defs) upsert.run({ ...d, locationId, syncedAt: now, runId });
    const ids = JSON.stringify(defs.map((d) => d.id));
    db.sqlite
      .prepare(
        `UPDATE custom_fields SET deleted_at = ?
         WHERE location_id = ? AND deleted_at IS NULL AND id NOT IN (SELECT value FROM json_each(?))`,
      )
      .run(now, locationId, ids);
    const changed = signature() !== before;
    if (changed) rebuildContactsWideView(db);
    return changed;
  });
}

export type ContactOutcome = 'new' | 'updated' | 'unchanged';

export interface ContactUpsertResult {
  /** Per contact id. A contact that was soft-deleted and reappears counts as new. */
  outcomes: Map<string, ContactOutcome>;
  new: number;
  updated: number;
  unchanged: number;
}

const CONTACT_COLUMNS = [
  'id', 'location_id', 'first_name', 'last_name', 'name', 'email', 'phone', 'company_name', 'business_id', 'source',
  'type', 'assigned_to', 'dnd', 'address1', 'city', 'state', 'postal_code', 'country', 'timezone', 'date_of_birth',
  'date_added', 'date_updated', 'raw', 'synced_at', 'run_id',
] as const;

// Positional parameters in CONTACT_COLUMNS order: binding an array is cheaper than building and
// binding a 25-key object per contact.
const WRITE_CONTACT = `INSERT INTO contacts (${CONTACT_COLUMNS.join(', ')}, deleted_at)
  VALUES (${CONTACT_COLUMNS.map(() => '?').join(', ')}, NULL)
  ON CONFLICT (id) DO UPDATE SET
    ${CONTACT_COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`).join(', ')},
    -- A revived contact's children were cascade-deleted: make it due for a children fetch.
    children_synced_at = CASE WHEN contacts.deleted_at IS NULL THEN contacts.children_synced_at END,
    deleted_at = NULL`;

function contactValues(row: ContactRow, syncedAt: string, runId: number | null): unknown[] {
  return [
    row.id, row.locationId, row.firstName, row.lastName, row.name, row.email, row.phone, row.companyName,
    row.businessId, row.source, row.type, row.assignedTo, row.dnd, row.address1, row.city, row.state,
    row.postalCode, row.country, row.timezone, row.dateOfBirth, row.dateAdded, row.dateUpdated, row.raw,
    syncedAt, runId,
  ];
}

interface StoredContact { dateUpdated: string | null; raw: string; deletedAt: string | null }

/**
 * Upserts one page of contacts, marking each as seen by `runId` (see `markContactsDeleted`),
 * and replaces their tags and custom values. Outcome: new (not live before), updated
 * (date_updated moved), unchanged (same date_updated; the row is still rewritten if the JSON
 * differs, otherwise only its synced_at/run_id are touched). Idempotent.
 */
export function upsertContacts(db: Db, rows: ContactRow[], runId: number | null, clock: Clock = systemClock): ContactUpsertResult {
  // One statement per page where SQLite allows it (ids passed as one JSON array), one per row
  // where the row's own values are written.
  const selectStored = prepared(
    db,
    `SELECT id, date_updated AS dateUpdated, raw, deleted_at AS deletedAt FROM contacts
     WHERE id IN (SELECT value FROM json_each(?))`,
  );
  const write = prepared(db, WRITE_CONTACT);
  const touch = prepared(db, `UPDATE contacts SET synced_at = ?, run_id = ? WHERE id IN (SELECT value FROM json_each(?))`);
  const deleteTags = prepared(db, `DELETE FROM contact_tags WHERE contact_id IN (SELECT value FROM json_each(?))`);
  const insertTag = prepared(db, `INSERT OR IGNORE INTO contact_tags (contact_id, tag) VALUES (?, ?)`);
  const deleteValues = prepared(db, `DELETE FROM contact_custom_fields WHERE contact_id IN (SELECT value FROM json_each(?))`);
  const insertValue = prepared(
    db,
    `INSERT OR REPLACE INTO contact_custom_fields (contact_id, field_id, value, value_type) VALUES (?, ?, ?, ?)`,
  );
  // contacts.location_id is a foreign key: a location first met through its contacts is
  // recorded bare (upsertLocation fills it in).
  const ensureLocation = prepared(
    db,
    `INSERT OR IGNORE INTO locations (id, raw, synced_at) VALUES (?, json_object('id', ?), ?)`,
  );

  return db.transaction(() => {
    const result: ContactUpsertResult = { outcomes: new Map(), new: 0, updated: 0, unchanged: 0 };
    if (rows.length === 0) return result;
    const now = iso(clock);
    for (const locationId of new Set(rows.map((r) => r.locationId))) ensureLocation.run(locationId, locationId, now);
    const stored = new Map<string, StoredContact>();
    for (const s of selectStored.all(JSON.stringify(rows.map((r) => r.id))) as Array<StoredContact & { id: string }>) {
      stored.set(s.id, s);
    }
    const touched: string[] = [];
    // The contacts rewritten, by id; a later copy of the same id in the page wins, as it would
    // when written one after the other.
    const rewritten = new Map<string, ContactRow>();
    for (const row of rows) {
      const before = stored.get(row.id);
      const outcome: ContactOutcome =
        !before || before.deletedAt !== null ? 'new'
        : before.dateUpdated !== row.dateUpdated ? 'updated'
        : 'unchanged';
      if (outcome === 'unchanged' && before?.raw === row.raw) {
        // Seen again, nothing to rewrite: only record the sighting (keeps re-listing cheap).
        touched.push(row.id);
      } else {
        write.run(contactValues(row, now, runId));
        // What the table now holds, for a later copy of the same id in this page.
        stored.set(row.id, { dateUpdated: row.dateUpdated, raw: row.raw, deletedAt: null });
        rewritten.delete(row.id);
        rewritten.set(row.id, row);
      }
      // The same id twice in one page keeps the first outcome.
      if (!result.outcomes.has(row.id)) {
        result.outcomes.set(row.id, outcome);
        result[outcome] += 1;
      }
    }
    if (touched.length > 0) touch.run(now, runId, JSON.stringify(touched));
    if (rewritten.size > 0) {
      const ids = JSON.stringify([...rewritten.keys()]);
      deleteTags.run(ids);
      deleteValues.run(ids);
      for (const row of rewritten.values()) {
        for (const tag of row.tags) insertTag.run(row.id, tag);
        for (const v of row.customValues) insertValue.run(row.id, v.fieldId, v.value, v.valueType);
      }
    }
    return result;
  });
}

export interface ChildrenResult {
  tasksUpserted: number;
  tasksDeleted: number;
  notesUpserted: number;
  notesDeleted: number;
}

/**
 * Makes the contact's live tasks and notes exactly `tasks` and `notes` (the complete lists just
 * fetched): upserts them (reviving soft-deleted ones), soft-deletes live ones not listed, and
 * records `children_synced_at` = now and `children_date_updated` = the contact's date_updated
 * (or `contactDateUpdated` when the caller fetched against a newer one).
 */
export function replaceContactChildren(
  db: Db,
  contactId: string,
  tasks: TaskRow[],
  notes: NoteRow[],
  runId: number,
  options: { contactDateUpdated?: string | null; clock?: Clock } = {},
): ChildrenResult {
  const upsertTask = prepared(
    db,
    `INSERT INTO tasks (id, contact_id, location_id, title, body, due_date, completed, assigned_to, raw, synced_at, run_id, deleted_at)
     VALUES (@id, @contactId, @locationId, @title, @body, @dueDate, @completed, @assignedTo, @raw, @syncedAt, @runId, NULL)
     ON CONFLICT (id) DO UPDATE SET
       contact_id = excluded.contact_id, location_id = excluded.location_id, title = excluded.title,
       body = excluded.body, due_date = excluded.due_date, completed = excluded.completed,
       assigned_to = excluded.assigned_to, raw = excluded.raw, synced_at = excluded.synced_at,
       run_id = excluded.run_id, deleted_at = NULL`,
  );
  const upsertNote = prepared(
    db,
    `INSERT INTO notes (id, contact_id, location_id, body, user_id, date_added, raw, synced_at, run_id, deleted_at)
     VALUES (@id, @contactId, @locationId, @body, @userId, @dateAdded, @raw, @syncedAt, @runId, NULL)
     ON CONFLICT (id) DO UPDATE SET
       contact_id = excluded.contact_id, location_id = excluded.location_id, body = excluded.body,
       user_id = excluded.user_id, date_added = excluded.date_added, raw = excluded.raw,
       synced_at = excluded.synced_at, run_id = excluded.run_id, deleted_at = NULL`,
  );
  const deleteMissing = (table: 'tasks' | 'notes', ids: string[], now: string): number =>
    prepared(
      db,
      `UPDATE ${table} SET deleted_at = ?
       WHERE contact_id = ? AND deleted_at IS NULL AND id NOT IN (SELECT value FROM json_each(?))`,
    ).run(now, contactId, JSON.stringify(ids)).changes;

  return db.transaction(() => {
    const now = iso(options.clock ?? systemClock);
    const contact = prepared(db, `SELECT location_id AS locationId FROM contacts WHERE id = ?`).get(contactId) as
      { locationId: string } | undefined;
    if (!contact) throw new Error(`replaceContactChildren: contact ${contactId} is not in the mirror; upsert it first`);
    // Children always follow their contact's location, whatever the fetched objects say.
    const { locationId } = contact;
    for (const t of tasks) upsertTask.run({ ...t, contactId, locationId, syncedAt: now, runId });
    for (const n of notes) upsertNote.run({ ...n, contactId, locationId, syncedAt: now, runId });
    const tasksDeleted = deleteMissing('tasks', tasks.map((t) => t.id), now);
    const notesDeleted = deleteMissing('notes', notes.map((n) => n.id), now);
    prepared(
      db,
      `UPDATE contacts SET children_synced_at = ?,
         children_date_updated = CASE WHEN ? THEN ? ELSE date_updated END
       WHERE id = ?`,
    ).run(now, options.contactDateUpdated !== undefined ? 1 : 0, options.contactDateUpdated ?? null, contactId);
    return { tasksUpserted: tasks.length, tasksDeleted, notesUpserted: notes.length, notesDeleted };
  });
}

/** The location's live contacts whose run_id is not @runId: those a listing pass did not see. */
const UNSEEN = `location_id = @locationId AND deleted_at IS NULL AND (run_id IS NULL OR run_id <> @runId)`;

/**
 * After a complete listing pass of `runId`: soft-deletes the location's live contacts that the
 * pass did not see (their `run_id` is another run), and their live tasks and notes with them.
 * Only call it when the listing really completed: a partial pass would delete the unseen rest.
 * Returns the number of contacts deleted.
 */
export function markContactsDeleted(db: Db, locationId: string, seenInRunId: number, clock: Clock = systemClock): number {
  return db.transaction(() => {
    const params = { locationId, runId: seenInRunId, now: iso(clock) };
    const gone = `SELECT id FROM contacts WHERE ${UNSEEN}`;
    prepared(db, `UPDATE tasks SET deleted_at = @now WHERE deleted_at IS NULL AND contact_id IN (${gone})`).run(params);
    prepared(db, `UPDATE notes SET deleted_at = @now WHERE deleted_at IS NULL AND contact_id IN (${gone})`).run(params);
    return prepared(db, `UPDATE contacts SET deleted_at = @now WHERE ${UNSEEN}`).run(params).changes;
  });
}

/** Live contacts a complete pass of `seenInRunId` did not see: what `markContactsDeleted` would remove. */
export function countUnseenContacts(db: Db, locationId: string, seenInRunId: number): number {
  const row = prepared(db, `SELECT count(*) AS n FROM contacts WHERE ${UNSEEN}`).get({ locationId, runId: seenInRunId }) as { n: number };
  return row.n;
}

/**
 * Soft-deletes the given contacts and their live tasks and notes (a webhook's ContactDelete, or a
 * 404 on fetch). Returns how many were live.
 */
export function markContactDeletedById(db: Db, contactIds: string[], clock: Clock = systemClock): number {
  const s = db.sqlite;
  return db.transaction(() => {
    const now = iso(clock);
    const ids = JSON.stringify(contactIds);
    const inIds = `(SELECT value FROM json_each(@ids))`;
    s.prepare(`UPDATE tasks SET deleted_at = @now WHERE deleted_at IS NULL AND contact_id IN ${inIds}`).run({ now, ids });
    s.prepare(`UPDATE notes SET deleted_at = @now WHERE deleted_at IS NULL AND contact_id IN ${inIds}`).run({ now, ids });
    return s.prepare(`UPDATE contacts SET deleted_at = @now WHERE deleted_at IS NULL AND id IN ${inIds}`).run({ now, ids }).changes;
  });
}

export function countLiveContacts(db: Db, locationId: string): number {
  const row = prepared(db, `SELECT count(*) AS n FROM contacts WHERE location_id = ? AND deleted_at IS NULL`)
    .get(locationId) as { n: number };
  return row.n;
}

export interface ContactNeedingChildren {
  id: string;
  dateUpdated: string | null;
  /** Why it is due: never fetched, changed since the fetch, or the fetch is older than the cutoff. */
  reason: 'never' | 'changed' | 'stale';
}

/** Live contacts due for a tasks-and-notes fetch: never fetched, changed since, or fetched before @cutoff. */
const NEEDS_CHILDREN = `location_id = @locationId AND deleted_at IS NULL AND (
  children_synced_at IS NULL
  OR children_date_updated IS NOT date_updated
  OR (@cutoff IS NOT NULL AND children_synced_at < @cutoff))`;

/**
 * Live contacts of the location whose tasks and notes should be (re)fetched: never fetched,
 * dateUpdated moved since the last fetch, or last fetched before `rollingCutoff` (ISO). Never
 * fetched and changed ones come first, then the stalest.
 */
export function contactsNeedingChildren(
  db: Db, locationId: string, options: { rollingCutoff?: string | null; limit?: number } = {},
): ContactNeedingChildren[] {
  const rows = prepared(
    db,
    `SELECT id, dateUpdated, reason FROM (
       SELECT id, date_updated AS dateUpdated, children_synced_at AS fetchedAt,
         CASE
           WHEN children_synced_at IS NULL THEN 'never'
           WHEN children_date_updated IS NOT date_updated THEN 'changed'
           ELSE 'stale'
         END AS reason
       FROM contacts
       WHERE ${NEEDS_CHILDREN}
     )
     ORDER BY CASE reason WHEN 'never' THEN 0 WHEN 'changed' THEN 1 ELSE 2 END, fetchedAt, id
     LIMIT @limit`,
  ).all({ locationId, cutoff: options.rollingCutoff ?? null, limit: options.limit ?? -1 });
  return rows as ContactNeedingChildren[];
}

/** How many contacts `contactsNeedingChildren` would return without a limit. */
export function countContactsNeedingChildren(db: Db, locationId: string, rollingCutoff: string | null): number {
  const row = prepared(db, `SELECT count(*) AS n FROM contacts WHERE ${NEEDS_CHILDREN}`)
    .get({ locationId, cutoff: rollingCutoff }) as { n: number };
  return row.n;
}
