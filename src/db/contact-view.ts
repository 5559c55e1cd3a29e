// The 360° view of one contact, read from the mirror: profile, tags, custom fields by name (named
// as in contacts_wide), tasks (open first), notes (newest first) and recent activity. The live
// view (`contacts show --live`) maps HighLevel's objects to the same parts and builds them through
// buildContactView, so both read alike.
import { sqliteOf } from './connection.ts';
import type { Db } from './open.ts';
import { planContactsWideColumns, type FieldDefinition } from './views.ts';

export interface ContactProfile {
  id: string; locationId: string; firstName: string | null; lastName: string | null; name: string | null;
  email: string | null; phone: string | null; companyName: string | null; businessId: string | null;
  source: string | null; type: string | null; assignedTo: string | null;
  /** The assigned user's name, from the mirrored users; null when not known. */
  assignedToName: string | null; dnd: boolean; address1: string | null;
  city: string | null; state: string | null; postalCode: string | null; country: string | null;
  timezone: string | null; dateOfBirth: string | null; dateAdded: string | null; dateUpdated: string | null;
  syncedAt: string; deletedAt: string | null;
}

export interface ContactTask { id: string; title: string | null; body: string | null; dueDate: string | null; completed: boolean; assignedTo: string | null }
export interface ContactNote { id: string; body: string | null; userId: string | null; dateAdded: string | null }
export interface ActivityEvent { at: string; kind: 'contact_added' | 'contact_updated' | 'note' | 'task_due'; summary: string }

export interface ContactView {
  profile: ContactProfile;
  tags: string[];
  /** By contacts_wide column name; lists as arrays, numbers and booleans typed. */
  customFields: Record<string, string | number | boolean | string[]>;
  /** Live tasks: open ones first (soonest due first, undated last), then completed. */
  tasks: ContactTask[];
  /** Live notes, newest first. */
  notes: ContactNote[];
  activity: { openTasks: number; tasks: number; notes: number; lastNoteAt: string | null; recent: ActivityEvent[] };
}

const RECENT_EVENTS = 10;

function typedValue(value: string, type: string): string | number | boolean | string[] {
  if (type === 'number') return Number(value);
  if (type === 'boolean') return value === 'true';
  if (type === 'list') {
    try {
      return JSON.parse(value) as string[];
    } catch {
      return [value]; // a corrupt list still shows what it holds
    }
  }
  return value;
}

/** What a view is built from: rows as the mirror stores them (or as rows.ts maps live objects). */
export interface ContactViewParts {
  profile: ContactProfile;
  tags: string[];
  /** Custom values as stored (`contact_custom_fields`). */
  customValues: Array<{ fieldId: string; value: string | null; valueType: string }>;
  /** Live custom field definitions, to name the values as contacts_wide does. */
  definitions: FieldDefinition[];
  tasks: ContactTask[];
  notes: ContactNote[];
}

const byDueDate = (a: ContactTask, b: ContactTask) =>
  Number(a.completed) - Number(b.completed) || Number(a.dueDate === null) - Number(b.dueDate === null) ||
  (Date.parse(a.dueDate ?? '') || 0) - (Date.parse(b.dueDate ?? '') || 0) || a.id.localeCompare(b.id);
const newestFirst = (a: ContactNote, b: ContactNote) =>
  Number(a.dateAdded === null) - Number(b.dateAdded === null) ||
  (Date.parse(b.dateAdded ?? '') || 0) - (Date.parse(a.dateAdded ?? '') || 0) || a.id.localeCompare(b.id);

/**
 * The view from its parts: custom values named as in contacts_wide, tasks open first (soonest due
 * first, undated last), notes newest first, and the recent activity. Pure: the mirror's reader
 * below and the live view (`contacts show --live`) both build through it.
 */
export function buildContactView(parts: ContactViewParts): ContactView {
  const { profile, tags } = parts;
  // Named exactly as contacts_wide names them, from the same planner.
  const columnOf = new Map<string, string>();
  for (const c of planContactsWideColumns(parts.definitions)) for (const fieldId of c.fieldIds) columnOf.set(fieldId, c.column);
  const customFields: ContactView['customFields'] = {};
  for (const v of [...parts.customValues].sort((a, b) => a.fieldId.localeCompare(b.fieldId))) {
    if (v.value !== null) customFields[columnOf.get(v.fieldId) ?? v.fieldId] = typedValue(v.value, v.valueType);
  }
  const tasks = [...parts.tasks].sort(byDueDate);
  const notes = [...parts.notes].sort(newestFirst);

  const events: ActivityEvent[] = [];
  if (profile.dateAdded) events.push({ at: profile.dateAdded, kind: 'contact_added', summary: 'contact created' });
  if (profile.dateUpdated && profile.dateUpdated !== profile.dateAdded) {
    events.push({ at: profile.dateUpdated, kind: 'contact_updated', summary: 'contact updated' });
  }
  for (const n of notes) if (n.dateAdded) events.push({ at: n.dateAdded, kind: 'note', summary: (n.body ?? '').slice(0, 80) });
  for (const t of tasks) {
    if (t.dueDate) events.push({ at: t.dueDate, kind: 'task_due', summary: `${t.completed ? 'done' : 'open'}: ${t.title ?? ''}` });
  }
  events.sort((a, b) => Date.parse(b.at) - Date.parse(a.at));

  const lastNoteAt = notes.find((n) => n.dateAdded)?.dateAdded ?? null;
  return {
    profile, tags, customFields, tasks, notes,
    activity: {
      openTasks: tasks.filter((t) => !t.completed).length,
      tasks: tasks.length,
      notes: notes.length,
      lastNoteAt,
      recent: events.slice(0, RECENT_EVENTS),
    },
  };
}

/** The contact as the mirror holds it (soft-deleted ones too, with deletedAt set), or undefined. */
export function contactView(db: Db, id: string): ContactView | undefined {
  const s = sqliteOf(db);
  const row = s.prepare(
    `SELECT id, location_id AS locationId, first_name AS firstName, last_name AS lastName, name, email, phone,
       company_name AS companyName, business_id AS businessId, source, type, assigned_to AS assignedTo,
       (SELECT u.name FROM users u WHERE u.location_id = contacts.location_id AND u.id = contacts.assigned_to) AS assignedToName, dnd,
       address1, city, state, postal_code AS postalCode, country, timezone, date_of_birth AS dateOfBirth,
       date_added AS dateAdded, date_updated AS dateUpdated, synced_at AS syncedAt, deleted_at AS deletedAt
     FROM contacts WHERE id = ?`,
  ).get(id) as (Omit<ContactProfile, 'dnd'> & { dnd: number }) | undefined;
  if (!row) return undefined;
  return buildContactView({
    profile: { ...row, dnd: row.dnd === 1 },
    tags: (s.prepare(`SELECT tag FROM contact_tags WHERE contact_id = ? ORDER BY tag`).all(id) as { tag: string }[]).map((r) => r.tag),
    definitions: s.prepare(`SELECT id, name, field_key AS fieldKey FROM custom_fields WHERE deleted_at IS NULL`).all() as FieldDefinition[],
    customValues: s.prepare(`SELECT field_id AS fieldId, value, value_type AS valueType FROM contact_custom_fields WHERE contact_id = ?`)
      .all(id) as ContactViewParts['customValues'],
    tasks: (s.prepare(
      `SELECT id, title, body, due_date AS dueDate, completed, assigned_to AS assignedTo FROM tasks
       WHERE contact_id = ? AND deleted_at IS NULL`,
    ).all(id) as Array<Omit<ContactTask, 'completed'> & { completed: number }>).map((t) => ({ ...t, completed: t.completed === 1 })),
    notes: s.prepare(`SELECT id, body, user_id AS userId, date_added AS dateAdded FROM notes WHERE contact_id = ? AND deleted_at IS NULL`)
      .all(id) as ContactNote[],
  });
}
