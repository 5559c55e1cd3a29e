// Pure mapping from HighLevel's JSON objects (camelCase, the live shape of the spec + overlay in
// src/highlevel-api/api-types.ts) to the mirror's rows. No I/O here, so the sync and the webhook receiver
// map identically. Types only come from the client: the db layer never calls the API.
import type {
  Contact, ContactCustomFieldValue, CustomFieldDefinition, Note, Task, User,
} from '../highlevel-api/api-types.ts';
import type * as schema from './schema.ts';

/** A contact as received. Live objects omit fields and send nulls; what we do not type is kept in `raw`. */
export type HighLevelContact = Contact;
export type HighLevelTask = Task;
export type HighLevelNote = Note;
export type HighLevelCustomField = CustomFieldDefinition;
export type HighLevelUser = User;
type CustomFieldValue = ContactCustomFieldValue['value'];

/** How a custom field value is stored: see `contact_custom_fields.value_type`. */
export type CustomValueType = 'string' | 'number' | 'boolean' | 'list';

export interface CustomValueRow {
  fieldId: string;
  /** Scalars as text (numbers as decimal text, booleans 'true'/'false'); lists as JSON array text. */
  value: string;
  valueType: CustomValueType;
}

/** Columns a writer fills in itself (when, which run, deletion and children bookkeeping). */
type Bookkeeping = 'syncedAt' | 'runId' | 'deletedAt';

/** One `contacts` row plus the contact's tags and custom values (replaced on upsert). */
export type ContactRow = Omit<typeof schema.contacts.$inferSelect, Bookkeeping | 'childrenSyncedAt' | 'childrenDateUpdated'> & {
  tags: string[];
  customValues: CustomValueRow[];
};
export type TaskRow = Omit<typeof schema.tasks.$inferSelect, Bookkeeping>;
export type NoteRow = Omit<typeof schema.notes.$inferSelect, Bookkeeping>;
export type CustomFieldRow = Omit<typeof schema.customFields.$inferSelect, Bookkeeping>;
export type UserRow = Omit<typeof schema.users.$inferSelect, Bookkeeping>;

/** Text columns take a string, or a number or boolean as its text; a list or object does not fit (raw keeps it). */
function str(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

function flag(v: unknown): 0 | 1 {
  return v === true || v === 1 || v === 'true' ? 1 : 0;
}

/** Stores a custom field value; undefined when there is nothing to store (null, empty). */
export function customValueToRow(fieldId: string, value: CustomFieldValue | boolean | null | undefined): CustomValueRow | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const items = value.filter((x) => x !== null && x !== undefined).map(String);
    return items.length === 0 ? undefined : { fieldId, value: JSON.stringify(items), valueType: 'list' };
  }
  if (typeof value === 'number') return Number.isFinite(value) ? { fieldId, value: String(value), valueType: 'number' } : undefined;
  if (typeof value === 'boolean') return { fieldId, value: String(value), valueType: 'boolean' };
  if (typeof value === 'string') return value === '' ? undefined : { fieldId, value, valueType: 'string' };
  return undefined;
}

function displayName(c: HighLevelContact): string | null {
  const parts = [str(c.firstName), str(c.lastName)].filter((p): p is string => p !== null);
  return parts.length > 0 ? parts.join(' ') : str(c.contactName);
}

/** Maps a HighLevel contact to its row; `locationId` fills in when the object lacks one. */
export function contactToRow(contact: HighLevelContact, locationId: string): ContactRow {
  // Tolerated shapes (src/ghl/answers.ts): a null list is an empty list, a lone string one tag.
  const rawTags: unknown = contact.tags;
  const tagList: unknown[] = Array.isArray(rawTags) ? rawTags : typeof rawTags === 'string' ? [rawTags] : [];
  const tags = [...new Set(tagList.filter((t) => typeof t === 'string' || typeof t === 'number').map((t) => String(t).trim()).filter((t) => t !== ''))];
  const customValues: CustomValueRow[] = [];
  const seenFields = new Set<string>();
  for (const cf of Array.isArray(contact.customFields) ? contact.customFields : []) {
    if (!cf || typeof cf.id !== 'string' || seenFields.has(cf.id)) continue;
    const row = customValueToRow(cf.id, (cf as { value?: CustomFieldValue | null }).value);
    if (row) {
      seenFields.add(cf.id);
      customValues.push(row);
    }
  }
  return {
    id: contact.id,
    locationId: str(contact.locationId) ?? locationId,
    firstName: str(contact.firstName),
    lastName: str(contact.lastName),
    name: displayName(contact),
    email: str(contact.email),
    phone: str(contact.phone),
    companyName: str(contact.companyName),
    businessId: str(contact.businessId),
    source: str(contact.source),
    type: str(contact.type),
    assignedTo: str(contact.assignedTo),
    dnd: flag(contact.dnd),
    address1: str(contact.address1),
    city: str(contact.city),
    state: str(contact.state),
    postalCode: str(contact.postalCode),
    country: str(contact.country),
    timezone: str(contact.timezone),
    dateOfBirth: str(contact.dateOfBirth),
    dateAdded: str(contact.dateAdded),
    // A contact without dateUpdated has not changed since it was added (recorded as drift).
    dateUpdated: str(contact.dateUpdated) ?? str(contact.dateAdded),
    raw: JSON.stringify(contact),
    tags,
    customValues,
  };
}

export function taskToRow(task: HighLevelTask, contactId: string, locationId: string): TaskRow {
  return {
    id: task.id,
    contactId: str(task.contactId) ?? contactId,
    locationId,
    title: str(task.title),
    body: str(task.body),
    dueDate: str(task.dueDate),
    completed: flag(task.completed),
    assignedTo: str(task.assignedTo),
    raw: JSON.stringify(task),
  };
}

export function noteToRow(note: HighLevelNote, contactId: string, locationId: string): NoteRow {
  return {
    id: note.id,
    contactId: str(note.contactId) ?? contactId,
    locationId,
    body: str(note.body),
    userId: str(note.userId),
    dateAdded: str(note.dateAdded),
    raw: JSON.stringify(note),
  };
}

export function customFieldToRow(field: HighLevelCustomField, locationId: string): CustomFieldRow {
  return {
    id: field.id,
    locationId: str(field.locationId) ?? locationId,
    name: str(field.name) ?? field.id,
    fieldKey: str(field.fieldKey),
    dataType: str(field.dataType),
    raw: JSON.stringify(field),
  };
}

/** The spec marks no user field required; callers pass only users that carry their id. */
export function userToRow(user: HighLevelUser & { id: string }, locationId: string): UserRow {
  const fullName = [str(user.firstName), str(user.lastName)].filter((p): p is string => p !== null).join(' ');
  return {
    id: user.id,
    locationId,
    name: str(user.name) ?? (fullName === '' ? null : fullName),
    email: str(user.email),
    raw: JSON.stringify(user),
  };
}
