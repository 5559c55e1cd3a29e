/**
 * The mirror's schema: the tables analysts query (names fixed by CONVENTIONS.md "Database").
 * drizzle-kit generates `migrations/` from this file (`npx drizzle-kit generate`); full-text
 * tables, their triggers and the static views live in a hand-written migration beside it
 * (`migrations/0001_fulltext_and_views.sql`), and `contacts_wide` is rebuilt at run time by
 * `rebuildContactsWideView()` because its columns depend on the custom field definitions.
 *
 * Shared rules: columns are snake_case; every time is UTC ISO-8601 text
 * (`2026-01-02T03:04:05.678Z`); booleans are integers 0/1; a row that vanished from HighLevel is
 * kept with `deleted_at` set (soft delete) and comes back (deleted_at NULL) if it reappears;
 * each mirrored row carries `raw` (the JSON object exactly as received), `synced_at` (when a
 * sync last received it) and `run_id` (the `sync_runs.id` that last received it).
 *
 * Tables
 * - `locations`: one row per HighLevel sub-account (location) mirrored, with its name and
 *   timezone from `GET /locations/{id}`.
 * - `users`: the location's users (`GET /users/?locationId=`), so `assigned_to` ids read as names.
 * - `contacts`: one row per contact ever seen; live ones have `deleted_at` NULL. The
 *   `children_*` columns drive the incremental fetch of tasks and notes.
 * - `contact_tags`: a contact's current tags, one row each (lower-cased, as HighLevel keeps them).
 * - `custom_fields`: custom field definitions (the contact model) per location.
 * - `contact_custom_fields`: a contact's current custom field values, one row per field that
 *   has a value. Scalars are stored as text (numbers as their decimal text); lists
 *   (multi-option, checkbox, textbox list) as a JSON array text; `value_type` says which.
 * - `tasks`, `notes`: a contact's tasks and notes; full-text in `tasks_fts` / `notes_fts`.
 * - `sync_runs`: one row per `ghl-etl sync` run and location, with its counters and outcome.
 * - `sync_state`: the checkpoint: small key/value pairs per location (cursors, last times).
 * - `export_runs`: one row per CSV export (ok or failed), with its segment, kind, row count and sha256.
 * - `oauth_tokens`: OAuth credentials per location (or per company for an agency token); the
 *   token columns hold ciphertexts produced by `src/auth/`, never plain tokens.
 * - `locks`: cross-process named locks (the sync run lock, token refresh serialization).
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const locations = sqliteTable('locations', {
  id: text('id').primaryKey(), // HighLevel location id
  name: text('name'), // the sub-account's business name
  companyId: text('company_id'), // the agency (company) the location belongs to
  timezone: text('timezone'), // the location's IANA timezone, as HighLevel reports it
  raw: text('raw').notNull(), // the location JSON as received (or as configured when never fetched)
  syncedAt: text('synced_at').notNull(), // when a sync last wrote this row
  runId: integer('run_id'), // sync_runs.id that last wrote this row (NULL when written outside a run)
});

export const users = sqliteTable(
  'users',
  {
    id: text('id').notNull(), // HighLevel user id (what contacts.assigned_to and tasks.assigned_to hold)
    locationId: text('location_id').notNull().references(() => locations.id), // the location the user was listed for (a user may serve several)
    name: text('name'), // display name: HighLevel's name, else "first last"
    email: text('email'), // the user's email
    raw: text('raw').notNull(), // the user JSON as received
    syncedAt: text('synced_at').notNull(), // when a sync last received this user
    runId: integer('run_id'), // sync_runs.id that last received it
    deletedAt: text('deleted_at'), // when the user was no longer listed; NULL = current
  },
  (t) => [primaryKey({ columns: [t.locationId, t.id] })],
);

export const contacts = sqliteTable(
  'contacts',
  {
    id: text('id').primaryKey(), // HighLevel contact id
    locationId: text('location_id').notNull().references(() => locations.id), // owning location
    firstName: text('first_name'), // firstName
    lastName: text('last_name'), // lastName
    name: text('name'), // display name: "first last" when either is set, else HighLevel's contactName
    email: text('email'), // primary email (additionalEmails stay in raw)
    phone: text('phone'), // primary phone, E.164 as HighLevel returns it
    companyName: text('company_name'), // companyName
    businessId: text('business_id'), // businessId (the HighLevel business the contact belongs to)
    source: text('source'), // source (free text set by whoever created the contact)
    type: text('type'), // 'lead' | 'customer'
    assignedTo: text('assigned_to'), // HighLevel user id the contact is assigned to
    dnd: integer('dnd').notNull().default(0), // do-not-disturb: 1 when set
    address1: text('address1'), // street address
    city: text('city'), // city
    state: text('state'), // state / region
    postalCode: text('postal_code'), // postal code
    country: text('country'), // ISO 3166 alpha-2
    timezone: text('timezone'), // IANA timezone
    dateOfBirth: text('date_of_birth'), // ISO date-time
    dateAdded: text('date_added'), // when the contact was created in HighLevel
    dateUpdated: text('date_updated'), // HighLevel's dateUpdated: moves when the contact itself changes
    raw: text('raw').notNull(), // the contact JSON as received
    syncedAt: text('synced_at').notNull(), // when a sync last received this contact
    runId: integer('run_id'), // sync_runs.id whose listing last saw the contact (drives deletion)
    deletedAt: text('deleted_at'), // when the contact was found gone from HighLevel; NULL = live
    childrenSyncedAt: text('children_synced_at'), // when its tasks and notes were last fetched; NULL = never
    childrenDateUpdated: text('children_date_updated'), // the contact's date_updated at that fetch
  },
  (t) => [
    index('contacts_location_deleted_idx').on(t.locationId, t.deletedAt),
    index('contacts_email_idx').on(t.email),
    index('contacts_date_updated_idx').on(t.dateUpdated),
    index('contacts_run_idx').on(t.locationId, t.runId),
    // The children phase reads due contacts in order (never fetched, then stalest) by index, not
    // by sorting every live contact per read-ahead.
    index('contacts_children_due_idx').on(t.locationId, t.deletedAt, t.childrenSyncedAt, t.id),
    // Changed since their children were read: few at a time, so a partial index stays small.
    index('contacts_children_changed_idx').on(t.locationId, t.childrenSyncedAt, t.id)
      .where(sql`children_synced_at IS NOT NULL AND children_date_updated IS NOT date_updated`),
    check('contacts_dnd_check', sql`${t.dnd} IN (0, 1)`),
  ],
);

export const contactTags = sqliteTable(
  'contact_tags',
  {
    contactId: text('contact_id').notNull().references(() => contacts.id, { onDelete: 'cascade' }), // the contact
    tag: text('tag').notNull(), // one tag, as HighLevel returns it (lower-case)
  },
  (t) => [
    primaryKey({ columns: [t.contactId, t.tag] }),
    index('contact_tags_tag_idx').on(t.tag),
  ],
);

export const customFields = sqliteTable(
  'custom_fields',
  {
    id: text('id').primaryKey(), // HighLevel custom field id
    locationId: text('location_id').notNull().references(() => locations.id), // owning location
    name: text('name').notNull(), // the label shown in HighLevel (names contacts_wide columns)
    fieldKey: text('field_key'), // e.g. "contact.budget"
    dataType: text('data_type'), // TEXT, NUMERICAL, MULTIPLE_OPTIONS, CHECKBOX, ...
    raw: text('raw').notNull(), // the definition JSON as received
    syncedAt: text('synced_at').notNull(), // when a sync last received this definition
    runId: integer('run_id'), // sync_runs.id that last received it
    deletedAt: text('deleted_at'), // when the definition was found gone; NULL = live
  },
  (t) => [index('custom_fields_location_deleted_idx').on(t.locationId, t.deletedAt)],
);

export const contactCustomFields = sqliteTable(
  'contact_custom_fields',
  {
    contactId: text('contact_id').notNull().references(() => contacts.id, { onDelete: 'cascade' }), // the contact
    fieldId: text('field_id').notNull(), // custom_fields.id (no FK: a value may arrive before its definition)
    value: text('value'), // scalar as text; a list as JSON array text (see value_type)
    valueType: text('value_type').notNull(), // 'string' | 'number' | 'boolean' | 'list'
  },
  (t) => [
    primaryKey({ columns: [t.contactId, t.fieldId] }),
    index('contact_custom_fields_field_idx').on(t.fieldId),
  ],
);

export const tasks = sqliteTable(
  'tasks',
  {
    id: text('id').primaryKey(), // HighLevel task id
    contactId: text('contact_id').notNull().references(() => contacts.id), // the contact the task belongs to
    locationId: text('location_id').notNull().references(() => locations.id), // the contact's location
    title: text('title'), // task title
    body: text('body'), // task description
    dueDate: text('due_date'), // due date-time
    completed: integer('completed').notNull().default(0), // 1 when completed
    assignedTo: text('assigned_to'), // HighLevel user id
    raw: text('raw').notNull(), // the task JSON as received
    syncedAt: text('synced_at').notNull(), // when a sync last received this task
    runId: integer('run_id'), // sync_runs.id that last received it
    deletedAt: text('deleted_at'), // when the task was found gone (or its contact was); NULL = live
  },
  (t) => [
    index('tasks_contact_idx').on(t.contactId),
    index('tasks_location_deleted_idx').on(t.locationId, t.deletedAt),
    check('tasks_completed_check', sql`${t.completed} IN (0, 1)`),
  ],
);

export const notes = sqliteTable(
  'notes',
  {
    id: text('id').primaryKey(), // HighLevel note id
    contactId: text('contact_id').notNull().references(() => contacts.id), // the contact the note belongs to
    locationId: text('location_id').notNull().references(() => locations.id), // the contact's location
    body: text('body'), // note text
    userId: text('user_id'), // HighLevel user who wrote it
    dateAdded: text('date_added'), // when the note was written
    raw: text('raw').notNull(), // the note JSON as received
    syncedAt: text('synced_at').notNull(), // when a sync last received this note
    runId: integer('run_id'), // sync_runs.id that last received it
    deletedAt: text('deleted_at'), // when the note was found gone (or its contact was); NULL = live
  },
  (t) => [
    index('notes_contact_idx').on(t.contactId),
    index('notes_location_deleted_idx').on(t.locationId, t.deletedAt),
  ],
);

export const syncRuns = sqliteTable(
  'sync_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }), // run id (rows elsewhere point here via run_id)
    locationId: text('location_id').notNull(), // the location synced
    mode: text('mode').notNull(), // 'full' | 'incremental' (whatever the sync job names its modes)
    startedAt: text('started_at').notNull(), // when the run started
    finishedAt: text('finished_at'), // when it ended; NULL while running (or if the process died)
    status: text('status').notNull().default('running'), // running | ok | failed | interrupted | budget
    contactsSeen: integer('contacts_seen').notNull().default(0), // contacts received from the listing
    contactsNew: integer('contacts_new').notNull().default(0), // of those, not in the mirror before
    contactsUpdated: integer('contacts_updated').notNull().default(0), // of those, dateUpdated moved
    contactsDeleted: integer('contacts_deleted').notNull().default(0), // contacts soft-deleted by this run
    tasks: integer('tasks').notNull().default(0), // tasks received
    notes: integer('notes').notNull().default(0), // notes received
    apiCalls: integer('api_calls').notNull().default(0), // HTTP requests made
    retries: integer('retries').notNull().default(0), // requests retried
    rateLimited: integer('rate_limited').notNull().default(0), // 429 answers received
    error: text('error'), // the failure message when status is failed / interrupted / budget
    worker: text('worker'), // `host:pid` of the process that ran it (sync, schedule or worker)
  },
  (t) => [
    index('sync_runs_location_idx').on(t.locationId, t.startedAt),
    check('sync_runs_status_check', sql`${t.status} IN ('running', 'ok', 'failed', 'interrupted', 'budget')`),
  ],
);

export const syncState = sqliteTable(
  'sync_state',
  {
    locationId: text('location_id').notNull(), // the location the value belongs to
    key: text('key').notNull(), // checkpoint name chosen by the sync job
    value: text('value'), // checkpoint value (JSON text when structured)
    updatedAt: text('updated_at').notNull(), // when the value was last written
  },
  (t) => [primaryKey({ columns: [t.locationId, t.key] })],
);

export const exportRuns = sqliteTable('export_runs', {
  id: integer('id').primaryKey({ autoIncrement: true }), // export run id
  segment: text('segment').notNull(), // the segment exported: its config name, or the ad-hoc rule described
  kind: text('kind').notNull().default('contacts'), // what was exported: contacts | tasks | notes (of the segment's contacts)
  path: text('path'), // the CSV written ('-' for stdout)
  rows: integer('rows'), // data rows written
  sha256: text('sha256'), // hex SHA-256 of the file's bytes as written (BOM included); NULL unless ok
  startedAt: text('started_at').notNull(), // when the export started
  finishedAt: text('finished_at'), // when it ended
  status: text('status').notNull().default('running'), // running | ok | failed
  error: text('error'), // the failure message when failed
});

export const oauthTokens = sqliteTable(
  'oauth_tokens',
  {
    locationId: text('location_id').primaryKey(), // location id, or the company id for an agency (Company) token
    userType: text('user_type').notNull(), // 'Location' | 'Company'
    companyId: text('company_id'), // the agency the location belongs to
    scopes: text('scopes'), // granted scopes, space-separated as HighLevel returns them
    accessTokenEnc: text('access_token_enc'), // AES-GCM ciphertext of the access token (src/auth)
    refreshTokenEnc: text('refresh_token_enc'), // AES-GCM ciphertext of the refresh token (src/auth)
    expiresAt: text('expires_at'), // when the access token expires
    status: text('status').notNull().default('ok'), // 'ok' | 'needs_reauth' | 'inactive'
    statusMessage: text('status_message'), // why the status is not ok (HighLevel's message, no secrets)
    version: integer('version').notNull().default(0), // bumped on every refresh, for compare-and-swap
    updatedAt: text('updated_at').notNull(), // when the row was last written
  },
  (t) => [
    check('oauth_tokens_user_type_check', sql`${t.userType} IN ('Location', 'Company')`),
    check('oauth_tokens_status_check', sql`${t.status} IN ('ok', 'needs_reauth', 'inactive')`),
  ],
);

export const locks = sqliteTable('locks', {
  name: text('name').primaryKey(), // what is locked, e.g. "sync:<locationId>" or "oauth-refresh:<locationId>"
  owner: text('owner').notNull(), // who holds it (an id unique per holder, chosen by the caller)
  pid: integer('pid').notNull(), // the holder's process id
  hostname: text('hostname').notNull(), // the holder's host (pid liveness is only checked on the same host)
  acquiredAt: text('acquired_at').notNull(), // when the holder took it
  expiresAt: text('expires_at').notNull(), // after this the lock may be taken over (holders refresh it)
});

// ---- a location's request window shared by every process (PostgreSQL only; here for the same tables on both engines)
export const rateWindow = sqliteTable('rate_window', {
  locationId: text('location_id').notNull(),
  slot: integer('slot').notNull(), // epoch ms / (the window's interval / 20)
  holder: text('holder').notNull().default(''), // the process's client that reserved them (a random id per client)
  requests: integer('requests').notNull().default(0), // requests that holder reserved in that slot
}, (t) => [primaryKey({ columns: [t.locationId, t.slot, t.holder] })]);

export const rateDaily = sqliteTable('rate_daily', {
  locationId: text('location_id').notNull(),
  day: text('day').notNull(), // the UTC day, YYYY-MM-DD
  requests: integer('requests').notNull().default(0), // requests reserved that day, by every process
}, (t) => [primaryKey({ columns: [t.locationId, t.day] })]);

// ---- receiving (ghl-etl serve) -------------------------------------------------------------------
// - `inbox`: one row per distinct lead received by `POST /leads`, committed before the 202.
// - `webhook_events`: one row per HighLevel webhook received (by webhookId), committed before the 200.

export const inbox = sqliteTable(
  'inbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }), // the id answered to the sender (202 {"id"})
    dedupeKey: text('dedupe_key').notNull().unique(), // "leadcars:<id_lead>" or "sha256:<hex of the canonical lead>"
    receivedAt: text('received_at').notNull(), // when the lead was first received
    payload: text('payload').notNull(), // the validated lead (LeadCars field names) as JSON
    status: text('status').notNull().default('pending'), // pending | delivered | failed | waiting
    attempts: integer('attempts').notNull().default(0), // delivery attempts made
    lastError: text('last_error'), // the last delivery failure (no secrets)
    contactId: text('contact_id'), // the HighLevel contact the lead became
    leadId: text('lead_id'), // the LeadCars lead id (id_lead when sent, else once created)
    deliveredAt: text('delivered_at'), // when delivery finished
  },
  (t) => [
    index('inbox_status_idx').on(t.status, t.id),
    check('inbox_status_check', sql`${t.status} IN ('pending', 'delivered', 'failed', 'waiting')`),
  ],
);

export const webhookEvents = sqliteTable(
  'webhook_events',
  {
    webhookId: text('webhook_id').primaryKey(), // HighLevel's webhookId: one row per delivery, duplicates refused
    type: text('type').notNull(), // event type, e.g. "ContactUpdate", "TaskComplete"
    locationId: text('location_id'), // the location the event belongs to
    receivedAt: text('received_at').notNull(), // when we received it
    payload: text('payload').notNull(), // the event JSON exactly as received (raw body)
    appliedAt: text('applied_at'), // when the mirror was updated from it; NULL = not applied (unknown contact, other type)
  },
  (t) => [index('webhook_events_type_idx').on(t.type, t.receivedAt)],
);

// ---- the LeadCars bridge (src/bridge/) ----------------------------------------------------------
// - `lead_links`: which LeadCars lead belongs to which HighLevel contact, with what the last poll
//   of the lead saw (a change moves tags or writes a note on the contact).
// - `outbox`: every call to LeadCars the bridge owes (lead creates, comments), durable: retried
//   with backoff, dead after `bridge.maxAttempts`, `unknown` when a create may have happened.
// - `lead_reported`: the version of each task and note of a linked contact already turned into a
//   comment, so the sync and the webhooks (both may see the same change) report it once.

export const leadLinks = sqliteTable(
  'lead_links',
  {
    contactId: text('contact_id').notNull(), // the HighLevel contact
    leadId: text('lead_id').notNull().unique(), // the LeadCars lead (a lead belongs to one contact)
    locationId: text('location_id').notNull(), // the contact's location
    linkedAt: text('linked_at').notNull(), // when the link was made
    lastStatus: text('last_status'), // status.name at the last poll; NULL = never polled
    lastTemperature: text('last_temperature'), // temperature at the last poll
    lastActionAt: text('last_action_at'), // date_last_action.date at the last poll (Madrid local time, as LeadCars gives it)
    polledAt: text('polled_at'), // when the lead was last polled
  },
  (t) => [primaryKey({ columns: [t.contactId, t.leadId] })],
);

export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }), // what `ghl-etl outbox retry|drop ID` takes
    kind: text('kind').notNull(), // 'leadcars.createLead' | 'leadcars.comment'
    dedupeKey: text('dedupe_key').notNull().unique(), // one row per intended effect, e.g. "comment:<lead>:<task>:completed:<hash>"
    payload: text('payload').notNull(), // what to send, JSON
    status: text('status').notNull().default('pending'), // pending | done | dead | unknown
    attempts: integer('attempts').notNull().default(0), // sends started (counted before sending)
    nextAttemptAt: text('next_attempt_at').notNull(), // not tried before this time (also the lease of a send in flight)
    sendingSince: text('sending_since'), // set while a send is in flight; still set after a crash = outcome unknown
    lastError: text('last_error'), // the last failure (no secrets)
    result: text('result'), // what LeadCars answered that matters (the new lead id), JSON
    createdAt: text('created_at').notNull(), // when it was queued
    updatedAt: text('updated_at').notNull(), // when it last changed
  },
  (t) => [
    index('outbox_due_idx').on(t.status, t.nextAttemptAt),
    check('outbox_status_check', sql`${t.status} IN ('pending', 'done', 'dead', 'unknown')`),
    check('outbox_kind_check', sql`${t.kind} IN ('leadcars.createLead', 'leadcars.comment', 'highlevel.addToWorkflow', 'highlevel.addToCampaign', 'highlevel.addFollowers')`),
  ],
);

export const leadReported = sqliteTable(
  'lead_reported',
  {
    objectType: text('object_type').notNull(), // 'task' | 'note'
    objectId: text('object_id').notNull(), // the task or note id
    contactId: text('contact_id').notNull(), // its contact
    version: text('version').notNull(), // hash of what was reported (title, body, due date, completed)
    completed: integer('completed').notNull().default(0), // the task was completed when reported
    deleted: integer('deleted').notNull().default(0), // its deletion was reported (or it was never seen live)
    reportedAt: text('reported_at').notNull(), // when
  },
  (t) => [primaryKey({ columns: [t.objectType, t.objectId] }), index('lead_reported_contact_idx').on(t.contactId)],
);

// ---- tolerating live HighLevel (src/ghl/answers.ts) ----------------------------------------------
// - `answer_drift`: every departure from the documented answer that the client tolerated, per
//   location, operation, field and problem, counted. The JSON type seen, never the value.
// - `mirror_repairs`: contacts a write left out of the mirror after HighLevel accepted it (the
//   contact could not be read, or the mirror refused the row): the next sync reads them again.

export const answerDrift = sqliteTable(
  'answer_drift',
  {
    locationId: text('location_id').notNull(), // the location whose answer departed
    operation: text('operation').notNull(), // method and path template, e.g. "GET /contacts/"
    field: text('field').notNull(), // normalised path, e.g. "contacts[].followers"
    problem: text('problem').notNull(), // e.g. "string where array", "null where string", "missing"
    count: integer('count').notNull().default(0), // how many times it was seen
    firstSeen: text('first_seen').notNull(), // when it was first seen
    lastSeen: text('last_seen').notNull(), // when it was last seen
  },
  (t) => [primaryKey({ columns: [t.locationId, t.operation, t.field, t.problem] })],
);

export const mirrorRepairs = sqliteTable(
  'mirror_repairs',
  {
    locationId: text('location_id').notNull(), // the contact's location
    contactId: text('contact_id').notNull(), // the contact to read again (with its tasks and notes)
    reason: text('reason').notNull(), // what failed after HighLevel accepted the write (no secrets)
    createdAt: text('created_at').notNull(), // when the repair was asked for
  },
  (t) => [primaryKey({ columns: [t.locationId, t.contactId] })],
);
