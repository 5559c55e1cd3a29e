/**
 * The mirror's schema on PostgreSQL: the same tables, columns and names as the SQLite schema
 * (`src/db/schema.ts`, whose comments say what each table and column holds; CONVENTIONS.md
 * "Database"). Only the types differ, as PostgreSQL has them:
 * - times are `timestamptz` (SQLite: ISO-8601 text); `lead_links.last_action_at` stays text,
 *   because LeadCars gives it as Madrid local time without an offset;
 * - flags are `boolean` (SQLite: integers 0/1 with a CHECK);
 * - `raw` (the JSON received from HighLevel) is `jsonb`; so are the payloads we write ourselves
 *   (`inbox.payload`, `outbox.payload`, `outbox.result`). `webhook_events.payload` stays text:
 *   it is the request body exactly as received;
 * - autoincrement ids are identity columns.
 * drizzle-kit generates `migrations/pg/` from this file (`npx drizzle-kit generate --config
 * drizzle.pg.config.ts`); full-text search and the static views live in a hand-written migration
 * beside them, and `contacts_wide` is rebuilt at run time (src/db/pg/views.ts).
 * test/pg-schema.test.ts compares the two engines' catalogs: a table or column added to one
 * schema and not the other fails it.
 */
import { sql } from 'drizzle-orm';
import {
  bigint, boolean, check, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp,
} from 'drizzle-orm/pg-core';

/** A point in time; read back as a Date, printed as ISO-8601 UTC like SQLite's text. */
const time = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'string' });

export const locations = pgTable('locations', {
  id: text('id').primaryKey(),
  name: text('name'),
  companyId: text('company_id'),
  timezone: text('timezone'),
  raw: jsonb('raw').notNull(),
  syncedAt: time('synced_at').notNull(),
  runId: integer('run_id'),
});

export const users = pgTable(
  'users',
  {
    id: text('id').notNull(),
    locationId: text('location_id').notNull().references(() => locations.id),
    name: text('name'),
    email: text('email'),
    raw: jsonb('raw').notNull(),
    syncedAt: time('synced_at').notNull(),
    runId: integer('run_id'),
    deletedAt: time('deleted_at'),
  },
  (t) => [primaryKey({ columns: [t.locationId, t.id] })],
);

export const contacts = pgTable(
  'contacts',
  {
    id: text('id').primaryKey(),
    locationId: text('location_id').notNull().references(() => locations.id),
    firstName: text('first_name'),
    lastName: text('last_name'),
    name: text('name'),
    email: text('email'),
    phone: text('phone'),
    companyName: text('company_name'),
    businessId: text('business_id'),
    source: text('source'),
    type: text('type'),
    assignedTo: text('assigned_to'),
    dnd: boolean('dnd').notNull().default(false),
    address1: text('address1'),
    city: text('city'),
    state: text('state'),
    postalCode: text('postal_code'),
    country: text('country'),
    timezone: text('timezone'),
    // Text as on SQLite: HighLevel's dateOfBirth is whatever the account typed, not always a date.
    dateOfBirth: text('date_of_birth'),
    dateAdded: time('date_added'),
    dateUpdated: time('date_updated'),
    raw: jsonb('raw').notNull(),
    syncedAt: time('synced_at').notNull(),
    runId: integer('run_id'),
    deletedAt: time('deleted_at'),
    childrenSyncedAt: time('children_synced_at'),
    childrenDateUpdated: time('children_date_updated'),
  },
  (t) => [
    index('contacts_location_deleted_idx').on(t.locationId, t.deletedAt),
    index('contacts_email_idx').on(t.email),
    index('contacts_date_updated_idx').on(t.dateUpdated),
    index('contacts_run_idx').on(t.locationId, t.runId),
    index('contacts_children_due_idx').on(t.locationId, t.deletedAt, t.childrenSyncedAt, t.id),
    index('contacts_children_changed_idx').on(t.locationId, t.childrenSyncedAt, t.id)
      .where(sql`children_synced_at IS NOT NULL AND children_date_updated IS DISTINCT FROM date_updated`),
  ],
);

export const contactTags = pgTable(
  'contact_tags',
  {
    contactId: text('contact_id').notNull().references(() => contacts.id, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.contactId, t.tag] }),
    index('contact_tags_tag_idx').on(t.tag),
  ],
);

export const customFields = pgTable(
  'custom_fields',
  {
    id: text('id').primaryKey(),
    locationId: text('location_id').notNull().references(() => locations.id),
    name: text('name').notNull(),
    fieldKey: text('field_key'),
    dataType: text('data_type'),
    raw: jsonb('raw').notNull(),
    syncedAt: time('synced_at').notNull(),
    runId: integer('run_id'),
    deletedAt: time('deleted_at'),
  },
  (t) => [index('custom_fields_location_deleted_idx').on(t.locationId, t.deletedAt)],
);

export const contactCustomFields = pgTable(
  'contact_custom_fields',
  {
    contactId: text('contact_id').notNull().references(() => contacts.id, { onDelete: 'cascade' }),
    fieldId: text('field_id').notNull(),
    value: text('value'),
    valueType: text('value_type').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.contactId, t.fieldId] }),
    index('contact_custom_fields_field_idx').on(t.fieldId),
  ],
);

export const tasks = pgTable(
  'tasks',
  {
    id: text('id').primaryKey(),
    contactId: text('contact_id').notNull().references(() => contacts.id),
    locationId: text('location_id').notNull().references(() => locations.id),
    title: text('title'),
    body: text('body'),
    dueDate: time('due_date'),
    completed: boolean('completed').notNull().default(false),
    assignedTo: text('assigned_to'),
    raw: jsonb('raw').notNull(),
    syncedAt: time('synced_at').notNull(),
    runId: integer('run_id'),
    deletedAt: time('deleted_at'),
  },
  (t) => [
    index('tasks_contact_idx').on(t.contactId),
    index('tasks_location_deleted_idx').on(t.locationId, t.deletedAt),
  ],
);

export const notes = pgTable(
  'notes',
  {
    id: text('id').primaryKey(),
    contactId: text('contact_id').notNull().references(() => contacts.id),
    locationId: text('location_id').notNull().references(() => locations.id),
    body: text('body'),
    userId: text('user_id'),
    dateAdded: time('date_added'),
    raw: jsonb('raw').notNull(),
    syncedAt: time('synced_at').notNull(),
    runId: integer('run_id'),
    deletedAt: time('deleted_at'),
  },
  (t) => [
    index('notes_contact_idx').on(t.contactId),
    index('notes_location_deleted_idx').on(t.locationId, t.deletedAt),
  ],
);

export const syncRuns = pgTable(
  'sync_runs',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    locationId: text('location_id').notNull(),
    mode: text('mode').notNull(),
    startedAt: time('started_at').notNull(),
    finishedAt: time('finished_at'),
    status: text('status').notNull().default('running'),
    contactsSeen: integer('contacts_seen').notNull().default(0),
    contactsNew: integer('contacts_new').notNull().default(0),
    contactsUpdated: integer('contacts_updated').notNull().default(0),
    contactsDeleted: integer('contacts_deleted').notNull().default(0),
    tasks: integer('tasks').notNull().default(0),
    notes: integer('notes').notNull().default(0),
    apiCalls: integer('api_calls').notNull().default(0),
    retries: integer('retries').notNull().default(0),
    rateLimited: integer('rate_limited').notNull().default(0),
    error: text('error'),
    worker: text('worker'),
  },
  (t) => [
    index('sync_runs_location_idx').on(t.locationId, t.startedAt),
    check('sync_runs_status_check', sql`${t.status} IN ('running', 'ok', 'failed', 'interrupted', 'budget')`),
  ],
);

export const syncState = pgTable(
  'sync_state',
  {
    locationId: text('location_id').notNull(),
    key: text('key').notNull(),
    value: text('value'),
    updatedAt: time('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.locationId, t.key] })],
);

export const exportRuns = pgTable('export_runs', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  segment: text('segment').notNull(),
  kind: text('kind').notNull().default('contacts'),
  path: text('path'),
  rows: integer('rows'),
  sha256: text('sha256'),
  startedAt: time('started_at').notNull(),
  finishedAt: time('finished_at'),
  status: text('status').notNull().default('running'),
  error: text('error'),
});

export const oauthTokens = pgTable(
  'oauth_tokens',
  {
    locationId: text('location_id').primaryKey(),
    userType: text('user_type').notNull(),
    companyId: text('company_id'),
    scopes: text('scopes'),
    accessTokenEnc: text('access_token_enc'),
    refreshTokenEnc: text('refresh_token_enc'),
    expiresAt: time('expires_at'),
    status: text('status').notNull().default('ok'),
    statusMessage: text('status_message'),
    version: integer('version').notNull().default(0),
    updatedAt: time('updated_at').notNull(),
  },
  (t) => [
    check('oauth_tokens_user_type_check', sql`${t.userType} IN ('Location', 'Company')`),
    check('oauth_tokens_status_check', sql`${t.status} IN ('ok', 'needs_reauth', 'inactive')`),
  ],
);

export const locks = pgTable('locks', {
  name: text('name').primaryKey(),
  owner: text('owner').notNull(),
  pid: integer('pid').notNull(),
  hostname: text('hostname').notNull(),
  acquiredAt: time('acquired_at').notNull(),
  expiresAt: time('expires_at').notNull(),
});

// A location's request window and daily count shared by every process (issue 18; pg/rate-window.ts).
export const rateWindow = pgTable('rate_window', {
  locationId: text('location_id').notNull(),
  slot: bigint('slot', { mode: 'number' }).notNull(),
  holder: text('holder').notNull().default(''),
  requests: integer('requests').notNull().default(0),
}, (t) => [primaryKey({ columns: [t.locationId, t.slot, t.holder] })]);

export const rateDaily = pgTable('rate_daily', {
  locationId: text('location_id').notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  requests: integer('requests').notNull().default(0),
}, (t) => [primaryKey({ columns: [t.locationId, t.day] })]);

export const inbox = pgTable(
  'inbox',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    dedupeKey: text('dedupe_key').notNull().unique(),
    receivedAt: time('received_at').notNull(),
    payload: jsonb('payload').notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    contactId: text('contact_id'),
    leadId: text('lead_id'),
    deliveredAt: time('delivered_at'),
  },
  (t) => [
    index('inbox_status_idx').on(t.status, t.id),
    check('inbox_status_check', sql`${t.status} IN ('pending', 'delivered', 'failed', 'waiting')`),
  ],
);

export const webhookEvents = pgTable(
  'webhook_events',
  {
    webhookId: text('webhook_id').primaryKey(),
    type: text('type').notNull(),
    locationId: text('location_id'),
    receivedAt: time('received_at').notNull(),
    payload: text('payload').notNull(),
    appliedAt: time('applied_at'),
  },
  (t) => [index('webhook_events_type_idx').on(t.type, t.receivedAt)],
);

export const leadLinks = pgTable(
  'lead_links',
  {
    contactId: text('contact_id').notNull(),
    leadId: text('lead_id').notNull().unique(),
    locationId: text('location_id').notNull(),
    linkedAt: time('linked_at').notNull(),
    lastStatus: text('last_status'),
    lastTemperature: text('last_temperature'),
    lastActionAt: text('last_action_at'),
    polledAt: time('polled_at'),
  },
  (t) => [primaryKey({ columns: [t.contactId, t.leadId] })],
);

export const outbox = pgTable(
  'outbox',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    kind: text('kind').notNull(),
    dedupeKey: text('dedupe_key').notNull().unique(),
    payload: jsonb('payload').notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: time('next_attempt_at').notNull(),
    sendingSince: time('sending_since'),
    lastError: text('last_error'),
    result: jsonb('result'),
    createdAt: time('created_at').notNull(),
    updatedAt: time('updated_at').notNull(),
  },
  (t) => [
    index('outbox_due_idx').on(t.status, t.nextAttemptAt),
    check('outbox_status_check', sql`${t.status} IN ('pending', 'done', 'dead', 'unknown')`),
    check('outbox_kind_check', sql`${t.kind} IN ('leadcars.createLead', 'leadcars.comment', 'highlevel.addToWorkflow', 'highlevel.addToCampaign', 'highlevel.addFollowers')`),
  ],
);

export const leadReported = pgTable(
  'lead_reported',
  {
    objectType: text('object_type').notNull(),
    objectId: text('object_id').notNull(),
    contactId: text('contact_id').notNull(),
    version: text('version').notNull(),
    completed: boolean('completed').notNull().default(false),
    deleted: boolean('deleted').notNull().default(false),
    reportedAt: time('reported_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.objectType, t.objectId] }), index('lead_reported_contact_idx').on(t.contactId)],
);

// Idempotency keys of the single-record operations (SQLite: hand-written in
// migrations/0004_op_idempotency.sql). `request` and `result` stay text: a rerun's request is
// compared with the first one as written.
export const opIdempotency = pgTable(
  'op_idempotency',
  {
    key: text('key').primaryKey(),
    action: text('action').notNull(),
    locationId: text('location_id').notNull(),
    request: text('request').notNull(),
    status: text('status').notNull(),
    result: text('result'),
    createdAt: time('created_at').notNull(),
    finishedAt: time('finished_at'),
  },
  (t) => [check('op_idempotency_status_check', sql`${t.status} IN ('pending', 'done')`)],
);

// Tolerating live HighLevel (SQLite: migrations/0007_tolerant_reader.sql): tolerated departures
// of answers, counted; contacts a write left out of the mirror, read again by the next sync.
export const answerDrift = pgTable(
  'answer_drift',
  {
    locationId: text('location_id').notNull(),
    operation: text('operation').notNull(),
    field: text('field').notNull(),
    problem: text('problem').notNull(),
    count: integer('count').notNull().default(0),
    firstSeen: time('first_seen').notNull(),
    lastSeen: time('last_seen').notNull(),
  },
  (t) => [primaryKey({ columns: [t.locationId, t.operation, t.field, t.problem] })],
);

export const mirrorRepairs = pgTable(
  'mirror_repairs',
  {
    locationId: text('location_id').notNull(),
    contactId: text('contact_id').notNull(),
    reason: text('reason').notNull(),
    createdAt: time('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.locationId, t.contactId] })],
);
