// The Mirror interface over PostgreSQL (node-postgres pool). The statements do what their SQLite
// namesakes in src/db do (their comments say what and why); only the SQL differs:
// - a page of rows is ONE statement: the rows travel as one JSON array and
//   json_populate_recordset(NULL::table, $1) turns it into the table's row type (text to
//   timestamptz, 0/1 to boolean, raw JSON to jsonb), so a 500-contact page is a few round trips;
// - `IS` / `IS NOT` between nullable values are IS [NOT] DISTINCT FROM; json_each(?) lists are
//   arrays (= ANY($1::text[]));
// - times come back as ISO-8601 UTC text with milliseconds (connect.ts), so comparisons with the
//   ISO strings the jobs hold read as on SQLite.
import { hostname as osHostname } from 'node:os';
import { getTableColumns, getTableName, type Column } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import { inTransaction } from './connect.ts';
import { isoNow, systemClock, type Clock } from '../clock.ts';
import type { ChildrenResult, ContactChildren } from '../children.ts';
import type { ContactOutcome, ContactUpsertResult, ListedOptions } from '../contacts.ts';
import type { ContactNeedingChildren } from '../due.ts';
import type { LocationInput } from '../locations.ts';
import type { LockHolder, LockOptions, LockResult } from '../locks.ts';
import { NotOnPostgresError, type ExportRowSource, type Mirror, type MirrorStatements, type RequestTurns } from '../mirror.ts';
import type { MirrorRepair } from '../repairs.ts';
import type { LocationTasksSaved, NamedByEvents } from '../nightly.ts';
import { markNamedContactsDuePg, saveLocationTasksPg, sweepLocationTasksPg, webhookEventsSincePg } from './nightly.ts';
import {
  contactToRow, noteToRow, taskToRow, type ContactRow, type CustomFieldRow, type HighLevelContact, type HighLevelNote, type HighLevelTask, type TaskRow, type UserRow,
} from '../rows.ts';
import type { CustomFieldDefinitionRow, IdempotencyRecord, MirrorContactQuery } from '../write-through.ts';
import type { SyncRunCounters, SyncRunStatus } from '../runs.ts';
import type { Db } from '../connection.ts';
import type { ReportedDailyBudget } from '../daily-budget.ts';
import type { ExportColumn, SegmentRule } from '../export-rows.ts';
import { TAG_FILES_WRITTEN_SQL, type ExportKind, type ExportOutcome, type TagFileWritten } from '../exports.ts';
import type { PostgresMirror } from './open.ts';
import * as schema from './schema.ts';
import { pgBridge } from './bridge.ts';
import type { BridgeStatements } from '../bridge-store.ts';
import { availableColumnsPg, cursorRows, exportQueryPg, liveTagsPg, tagsNotInMirrorPg } from './export-rows.ts';
import { followContactsWideRequest, replaceContactsWideView, requestContactsWideRebuild } from './views.ts';
import { columnsOf, selectList } from '../columns.ts';
import { parseReportedDailyBudget, REPORTED_DAILY_KEY } from '../daily-budget.ts';
import type { BridgeQueueCounts } from '../bridge-health.ts';
import type { DriftRow } from '../drift.ts';
import type { ExportRun } from '../exports.ts';
import type { RetentionResult } from '../retention.ts';
import { mergeRunHistory, type RunEntry } from '../history.ts';
import { locationLockName, showAbandonedBy, SYNC_LOCK, workerName, type SyncRun } from '../runs.ts';
import * as sqliteSchema from '../schema.ts';
import { statusLocations, type RunBrief, type StatusSnapshot } from '../status.ts';
import { postgresMcpReads } from './mcp-reads.ts';
import { asciiLower, asciiLowerSql } from './fulltext.ts';

// `contacts list --query` folds only A-Z, as SQLite's lower() does (mcp-pg: the searches agree across engines).
const CONTACT_TEXT_LOWER = asciiLowerSql(`coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(phone, '') || ' ' || coalesce(company_name, '')`);
// pg-rest: the token store, contact view, purge, drift, health, bulk writes, xlsx columns
import { deleteOAuthTokenRowsPg, getOAuthTokenRowPg, listOAuthTokenRowsPg, saveOAuthTokenRowPg, setOAuthTokenStatusPg } from './oauth-tokens.ts';
import { contactViewPg, userNamePg } from './contact-view.ts';
import { countPurgeablePg, purgeDeletedPg } from './purge.ts';
import { probeWriteLockPg, recordDriftPg } from './drift-health.ts';
import { mirroredTagsPg, segmentContactIdsPg, writeContactsBusinessPg, writeContactTagsPg } from './bulk-contacts.ts';
import { contactsWideCustomColumnsPg } from './wide-columns.ts';
import type { PurgeResult } from '../purge.ts';
import { reserveRequests } from './rate-window.ts';

type Queryable = pg.Pool | pg.PoolClient;
type Kind = 'time' | 'json' | 'bool' | 'plain';

/** A table's columns as the JSON records carry them: row key, column name, how the value is written. */
interface Shape {
  table: string;
  keys: string[];
  names: string[];
  kinds: Kind[];
}

function shapeOf(table: PgTable, omit: readonly string[] = []): Shape {
  const entries = Object.entries(getTableColumns(table) as Record<string, Column>).filter(([key]) => !omit.includes(key));
  const kindOf = (c: Column): Kind =>
    c.columnType === 'PgTimestampString' || c.columnType === 'PgTimestamp' ? 'time'
    : c.columnType === 'PgJsonb' || c.columnType === 'PgJson' ? 'json'
    : c.columnType === 'PgBoolean' ? 'bool'
    : 'plain';
  return {
    table: getTableName(table),
    keys: entries.map(([key]) => key),
    names: entries.map(([, c]) => c.name),
    kinds: entries.map(([, c]) => kindOf(c)),
  };
}

/**
 * The rows as one JSON array of records keyed by column name. `raw` (JSON text already) is
 * spliced in as it is; a time PostgreSQL could not read (HighLevel sends what accounts typed) is
 * NULL rather than a failed page.
 */
function recordsJson(shape: Shape, rows: ReadonlyArray<Record<string, unknown>>): string {
  const out: string[] = [];
  for (const row of rows) {
    let s = '{';
    for (let i = 0; i < shape.keys.length; i++) {
      const v = row[shape.keys[i]!] ?? null;
      if (i > 0) s += ',';
      s += `"${shape.names[i]}":`;
      switch (shape.kinds[i]) {
        case 'json': s += v === null ? 'null' : typeof v === 'string' ? v : JSON.stringify(v); break;
        case 'time': s += v === null || !Number.isFinite(Date.parse(String(v))) ? 'null' : JSON.stringify(String(v)); break;
        case 'bool': s += v === null ? 'null' : v === true || v === 1 || v === '1' || v === 'true' ? 'true' : 'false'; break;
        default: s += JSON.stringify(v);
      }
    }
    out.push(s + '}');
  }
  return `[${out.join(',')}]`;
}

/** INSERT of a JSON array of records ($1) into the shape's table, with an optional ON CONFLICT clause. */
function insertRecordsSql(shape: Shape, suffix = ''): string {
  const cols = shape.names.join(', ');
  return `INSERT INTO ${shape.table} (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::${shape.table}, $1::json)${suffix ? ` ${suffix}` : ''}`;
}

function upsertSuffix(shape: Shape, conflict: string[], extra: string[] = [], where = ''): string {
  const sets = shape.names.filter((n) => !conflict.includes(n)).map((n) => `${n} = excluded.${n}`);
  return `ON CONFLICT (${conflict.join(', ')}) DO UPDATE SET ${[...sets, ...extra].join(', ')}${where ? ` ${where}` : ''}`;
}

/** The last row of each id (a later copy in one page wins, as on SQLite). */
function lastById<T extends { id: string }>(rows: T[]): T[] {
  return [...new Map(rows.map((r) => [r.id, r])).values()];
}

function sameTime(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a == null || b == null) return a == null && b == null;
  const x = Date.parse(a);
  const y = Date.parse(b);
  return Number.isFinite(x) && Number.isFinite(y) ? x === y : a === b;
}

const CONTACTS = shapeOf(schema.contacts, ['childrenSyncedAt', 'childrenDateUpdated']);
const UPSERT_CONTACTS = insertRecordsSql(CONTACTS, upsertSuffix(CONTACTS, ['id'], [
  'children_synced_at = CASE WHEN contacts.deleted_at IS NULL THEN contacts.children_synced_at END',
]));
const TASKS = shapeOf(schema.tasks);
const NOTES = shapeOf(schema.notes);
const NOT_WRITTEN_SINCE = (table: string) => `WHERE ${table}.synced_at < $2 AND (${table}.deleted_at IS NULL OR ${table}.deleted_at < $2)`;
const UPSERT_TASKS = insertRecordsSql(TASKS, upsertSuffix(TASKS, ['id']));
const UPSERT_NOTES = insertRecordsSql(NOTES, upsertSuffix(NOTES, ['id']));
const UPSERT_LISTED_TASKS = insertRecordsSql(TASKS, upsertSuffix(TASKS, ['id'], [], NOT_WRITTEN_SINCE('tasks')));
const UPSERT_LISTED_NOTES = insertRecordsSql(NOTES, upsertSuffix(NOTES, ['id'], [], NOT_WRITTEN_SINCE('notes')));
// One record outside a listing pass keeps the run_id of the pass that last saw it (see children.ts).
const UPSERT_ONE_TASK = insertRecordsSql(TASKS, upsertSuffix(shapeOf(schema.tasks, ['runId']), ['id']));
const UPSERT_ONE_NOTE = insertRecordsSql(NOTES, upsertSuffix(shapeOf(schema.notes, ['runId']), ['id']));
const CUSTOM_FIELDS = shapeOf(schema.customFields);
const UPSERT_CUSTOM_FIELDS = insertRecordsSql(CUSTOM_FIELDS, upsertSuffix(CUSTOM_FIELDS, ['id']));
const USERS = shapeOf(schema.users);
const UPSERT_USERS = insertRecordsSql(USERS, upsertSuffix(USERS, ['location_id', 'id']));

const COUNTER_COLUMNS: Record<keyof SyncRunCounters, string> = {
  contactsSeen: 'contacts_seen', contactsNew: 'contacts_new', contactsUpdated: 'contacts_updated', contactsDeleted: 'contacts_deleted',
  tasks: 'tasks', notes: 'notes', apiCalls: 'api_calls', retries: 'retries', rateLimited: 'rate_limited',
};

const SELECT_LOCK = `SELECT name, owner, pid, hostname, acquired_at AS "acquiredAt", expires_at AS "expiresAt" FROM locks WHERE name = $1`;

interface StoredContact { dateUpdated: string | null; deletedAt: string | null; sameRaw: boolean }

/** The holder of a named lock while its advisory lock is held (a dead holder's row lingers; its lock does not). */
async function liveLockHolder(s: PgStatements, name: string): Promise<LockHolder | undefined> {
  const [holder] = await s.query<LockHolder & { held: boolean }>(
    `SELECT name, owner, pid, hostname, acquired_at AS "acquiredAt", expires_at AS "expiresAt",
       EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND classid::bigint = ((hashtext('ghl-etl lock ' || current_schema() || ' ' || $1)::bigint >> 32) & 4294967295)
         AND objid::bigint = (hashtext('ghl-etl lock ' || current_schema() || ' ' || $1)::bigint & 4294967295)) AS held
     FROM locks WHERE name = $1`, [name]);
  if (!holder?.held) return undefined;
  const { held: _held, ...rest } = holder;
  return rest;
}

const RUN_BRIEF = `id, status, mode, started_at AS "startedAt", finished_at AS "finishedAt", error, worker`;
const SELECT_SYNC_RUNS = `SELECT ${selectList(columnsOf(sqliteSchema.syncRuns))} FROM sync_runs`;
const SELECT_EXPORT_RUNS = `SELECT id, segment, kind, path, rows, sha256, started_at AS "startedAt",
  finished_at AS "finishedAt", status, error FROM export_runs`;

/** The statements on the pool (each in its own transaction where it writes several rows) or on a transaction's client. */
class PgStatements implements MirrorStatements {
  constructor(
    protected readonly q: Queryable,
    /** Runs `fn` atomically: on a transaction's client, as it is; on the pool, in a new transaction. */
    protected readonly atomic: <T>(fn: (s: PgStatements) => Promise<T>) => Promise<T>,
    /** On a transaction's client (its writes commit with the caller's), not the pool. */
    protected readonly inTransaction = false,
  ) {}

  /** Rows changed by a statement (for the mirror's own multi-statement writes). */
  count(text: string, values: unknown[] = []): Promise<number> {
    return this.run(text, values);
  }

  /** Rows of a read (for the mirror's own multi-statement reads). */
  query<R>(text: string, values: unknown[] = []): Promise<R[]> {
    return this.rows<R>(text, values);
  }

  protected async rows<R>(text: string, values: unknown[] = []): Promise<R[]> {
    return (await this.q.query(text, values)).rows as R[];
  }

  protected async run(text: string, values: unknown[] = []): Promise<number> {
    return (await this.q.query(text, values)).rowCount ?? 0;
  }

  async upsertLocation(location: LocationInput, runId: number | null = null, clock: Clock = systemClock): Promise<void> {
    await this.run(
      `INSERT INTO locations (id, name, company_id, timezone, raw, synced_at, run_id)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
       ON CONFLICT (id) DO UPDATE SET
         name = coalesce(excluded.name, locations.name),
         company_id = coalesce(excluded.company_id, locations.company_id),
         timezone = coalesce(excluded.timezone, locations.timezone),
         raw = CASE WHEN $8 THEN excluded.raw ELSE locations.raw END,
         synced_at = excluded.synced_at,
         run_id = coalesce(excluded.run_id, locations.run_id)`,
      [location.id, location.name ?? null, location.companyId ?? null, location.timezone ?? null,
        location.raw ?? JSON.stringify({ id: location.id }), isoNow(clock), runId, location.raw !== undefined],
    );
  }

  private async ensureLocations(ids: string[], clock: Clock): Promise<void> {
    await this.run(
      `INSERT INTO locations (id, raw, synced_at) SELECT x, jsonb_build_object('id', x), $2 FROM unnest($1::text[]) AS x ON CONFLICT (id) DO NOTHING`,
      [ids, isoNow(clock)],
    );
  }

  replaceUsers(locationId: string, rows: UserRow[], runId: number | null, clock: Clock = systemClock): Promise<number> {
    return this.atomic(async (s) => {
      const now = isoNow(clock);
      const unique = [...new Map(rows.map((u) => [u.id, u])).values()];
      if (unique.length > 0) await s.run(UPSERT_USERS, [recordsJson(USERS, unique.map((u) => ({ ...u, locationId, syncedAt: now, runId, deletedAt: null })))]);
      await s.run(`UPDATE users SET deleted_at = $1 WHERE location_id = $2 AND deleted_at IS NULL AND NOT (id = ANY($3::text[]))`, [now, locationId, rows.map((u) => u.id)]);
      return rows.length;
    });
  }

  upsertCustomFieldDefinitions(locationId: string, defs: CustomFieldRow[], runId: number | null, clock: Clock = systemClock): Promise<boolean> {
    const signature = async (s: PgStatements) => JSON.stringify(await s.rows(
      `SELECT id, name, field_key, data_type FROM custom_fields WHERE location_id = $1 AND deleted_at IS NULL ORDER BY id COLLATE "C"`, [locationId],
    ));
    return this.atomic(async (s) => {
      const before = await signature(s);
      const now = isoNow(clock);
      const unique = lastById(defs);
      if (unique.length > 0) {
        await s.run(UPSERT_CUSTOM_FIELDS, [recordsJson(CUSTOM_FIELDS, unique.map((d) => ({ ...d, locationId, syncedAt: now, runId, deletedAt: null })))]);
      }
      await s.run(
        `UPDATE custom_fields SET deleted_at = $1 WHERE location_id = $2 AND deleted_at IS NULL AND NOT (id = ANY($3::text[]))`,
        [now, locationId, defs.map((d) => d.id)],
      );
      const changed = (await signature(s)) !== before;
      // In a caller's transaction the view is rebuilt in it; on the pool, once this commits (below).
      if (changed && this.inTransaction) await replaceContactsWideView(s.q);
      return { changed, request: changed && !this.inTransaction ? await requestContactsWideRebuild(s.q as pg.ClientBase, locationId) : undefined };
    }).then(async ({ changed, request }) => {
      if (request !== undefined) await followContactsWideRequest(this.q as pg.Pool, request);
      return changed;
    });
  }

  upsertContacts(rows: ContactRow[], runId: number | null, clock: Clock = systemClock, options: ListedOptions = {}): Promise<ContactUpsertResult> {
    const result: ContactUpsertResult = { outcomes: new Map(), new: 0, updated: 0, unchanged: 0 };
    if (rows.length === 0) return Promise.resolve(result);
    return this.atomic(async (s) => {
      const now = isoNow(clock);
      await s.ensureLocations([...new Set(rows.map((r) => r.locationId))], clock);
      const firstRaw = new Map<string, string>();
      for (const r of rows) if (!firstRaw.has(r.id)) firstRaw.set(r.id, r.raw);
      const stored = new Map<string, StoredContact>();
      const found = await s.rows<StoredContact & { id: string }>(
        // raw stays json (text) until a stored row matches: only those are parsed into jsonb to compare.
        `SELECT c.id, c.date_updated AS "dateUpdated", c.deleted_at AS "deletedAt", c.raw = i.raw::jsonb AS "sameRaw"
         FROM json_to_recordset($1::json) AS i(id text, raw json) JOIN contacts c ON c.id = i.id`,
        [`[${[...firstRaw].map(([id, raw]) => `{"id":${JSON.stringify(id)},"raw":${raw}}`).join(',')}]`],
      );
      for (const f of found) stored.set(f.id, f);
      const written: ContactRow[] = [];
      const touched: string[] = [];
      for (const row of rows) {
        const before = stored.get(row.id);
        if (isNewerThanPage(before, row, options.readAt)) {
          if (before!.deletedAt === null) touched.push(row.id);
          if (!result.outcomes.has(row.id)) {
            result.outcomes.set(row.id, 'unchanged');
            result.unchanged += 1;
          }
          continue;
        }
        const outcome: ContactOutcome =
          !before || before.deletedAt !== null ? 'new'
          : !sameTime(before.dateUpdated, row.dateUpdated) ? 'updated'
          : 'unchanged';
        if (outcome === 'unchanged' && before?.sameRaw) {
          touched.push(row.id);
        } else {
          written.push(row);
          stored.set(row.id, { dateUpdated: row.dateUpdated, deletedAt: null, sameRaw: false });
        }
        if (!result.outcomes.has(row.id)) {
          result.outcomes.set(row.id, outcome);
          result[outcome] += 1;
        }
      }
      const writes = lastById(written);
      if (writes.length > 0) {
        const ids = writes.map((r) => r.id);
        await s.run(UPSERT_CONTACTS, [recordsJson(CONTACTS, writes.map((r) => ({ ...r, syncedAt: now, runId, deletedAt: null })))]);
        await s.run(`DELETE FROM contact_tags WHERE contact_id = ANY($1::text[])`, [ids]);
        await s.run(`DELETE FROM contact_custom_fields WHERE contact_id = ANY($1::text[])`, [ids]);
        const tags = writes.flatMap((r) => r.tags.map((tag) => [r.id, tag] as const));
        if (tags.length > 0) {
          await s.run(`INSERT INTO contact_tags (contact_id, tag) SELECT * FROM unnest($1::text[], $2::text[])`, [tags.map((t) => t[0]), tags.map((t) => t[1])]);
        }
        const values = writes.flatMap((r) => r.customValues.map((v) => ({ contactId: r.id, ...v })));
        if (values.length > 0) {
          await s.run(
            `INSERT INTO contact_custom_fields (contact_id, field_id, value, value_type) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])`,
            [values.map((v) => v.contactId), values.map((v) => v.fieldId), values.map((v) => v.value), values.map((v) => v.valueType)],
          );
        }
      }
      if (touched.length > 0) {
        await s.run(`UPDATE contacts SET synced_at = $1, run_id = $2 WHERE id = ANY($3::text[])`, [now, runId, touched]);
      }
      return result;
    });
  }

  async countLiveContacts(locationId: string): Promise<number> {
    return (await this.rows<{ n: number }>(`SELECT count(*) AS n FROM contacts WHERE location_id = $1 AND deleted_at IS NULL`, [locationId]))[0]!.n;
  }

  async countUnseenContacts(locationId: string, seenInRunId: number, passStartedAt?: string): Promise<number> {
    return (await this.rows<{ n: number }>(`SELECT count(*) AS n FROM contacts WHERE ${UNSEEN}`, [locationId, seenInRunId, passStartedAt ?? null]))[0]!.n;
  }

  markContactsDeleted(locationId: string, seenInRunId: number, clock: Clock = systemClock, passStartedAt?: string): Promise<number> {
    return this.softDelete(`SELECT id FROM contacts WHERE ${UNSEEN}`, [locationId, seenInRunId, passStartedAt ?? null], isoNow(clock));
  }

  /** Soft-deletes the live contacts `which` selects (with `params` as $1...) and their live tasks and notes. */
  protected softDelete(which: string, params: unknown[], now: string): Promise<number> {
    const at = `$${params.length + 1}`;
    return this.atomic(async (s) => {
      await s.run(`UPDATE tasks SET deleted_at = ${at} WHERE deleted_at IS NULL AND contact_id IN (${which})`, [...params, now]);
      await s.run(`UPDATE notes SET deleted_at = ${at} WHERE deleted_at IS NULL AND contact_id IN (${which})`, [...params, now]);
      return s.run(`UPDATE contacts SET deleted_at = ${at} WHERE deleted_at IS NULL AND id IN (${which})`, [...params, now]);
    });
  }

  writeContact(contact: HighLevelContact, locationId: string, clock: Clock = systemClock): Promise<void> {
    const row = contactToRow(contact, locationId);
    return this.atomic(async (s) => {
      const stored = (await s.rows<{ runId: number | null }>(`SELECT run_id AS "runId" FROM contacts WHERE id = $1`, [row.id]))[0];
      const latest = (await s.rows<{ runId: number | null }>(`SELECT max(id) AS "runId" FROM sync_runs WHERE location_id = $1`, [row.locationId]))[0]!;
      await s.upsertContacts([row], stored?.runId ?? latest.runId ?? 0, clock);
    });
  }

  saveChildren(batch: ContactChildren[], runId: number, clock: Clock = systemClock, options: { readAt?: string } = {}): Promise<ChildrenResult> {
    const { readAt } = options;
    const result: ChildrenResult = { tasksUpserted: 0, tasksDeleted: 0, notesUpserted: 0, notesDeleted: 0 };
    if (batch.length === 0) return Promise.resolve(result);
    return this.atomic(async (s) => {
      const now = isoNow(clock);
      const contactIds = batch.map((c) => c.contactId);
      const locations = new Map((await s.rows<{ id: string; locationId: string }>(
        `SELECT id, location_id AS "locationId" FROM contacts WHERE id = ANY($1::text[])`, [contactIds],
      )).map((r) => [r.id, r.locationId]));
      const taskRows: Array<Record<string, unknown>> = [];
      const noteRows: Array<Record<string, unknown>> = [];
      for (const c of batch) {
        const locationId = locations.get(c.contactId);
        if (locationId === undefined) throw new Error(`saveChildren: contact ${c.contactId} is not in the mirror; upsert it first`);
        const bookkeeping = { contactId: c.contactId, locationId, syncedAt: now, runId, deletedAt: null };
        for (const t of c.tasks ?? []) taskRows.push({ ...t, ...bookkeeping });
        for (const n of c.notes) noteRows.push({ ...n, ...bookkeeping });
        result.tasksUpserted += c.tasks?.length ?? 0;
        result.notesUpserted += c.notes.length;
      }
      const since = readAt === undefined ? [] : [readAt];
      const tasksToWrite = lastById(taskRows as Array<{ id: string }>);
      const notesToWrite = lastById(noteRows as Array<{ id: string }>);
      if (tasksToWrite.length > 0) await s.run(readAt === undefined ? UPSERT_TASKS : UPSERT_LISTED_TASKS, [recordsJson(TASKS, tasksToWrite), ...since]);
      if (notesToWrite.length > 0) await s.run(readAt === undefined ? UPSERT_NOTES : UPSERT_LISTED_NOTES, [recordsJson(NOTES, notesToWrite), ...since]);
      await s.run(
        `UPDATE contacts c SET children_synced_at = $1, children_date_updated = CASE WHEN i.given THEN i.du ELSE c.date_updated END
         FROM json_to_recordset($2::json) AS i(id text, given boolean, du timestamptz) WHERE c.id = i.id`,
        [now, JSON.stringify(batch.map((c) => ({
          id: c.contactId, given: c.contactDateUpdated !== undefined,
          du: c.contactDateUpdated != null && Number.isFinite(Date.parse(c.contactDateUpdated)) ? c.contactDateUpdated : null,
        })))],
      );
      const deleteMissing = (table: 'tasks' | 'notes', of: string[], keep: string[]) => s.run(
        `UPDATE ${table} SET deleted_at = $1 WHERE deleted_at IS NULL
           AND contact_id = ANY($2::text[]) AND NOT (id = ANY($3::text[]))
           AND ($4::timestamptz IS NULL OR synced_at < $4)`,
        [now, of, keep, readAt ?? null],
      );
      // A contact given without tasks keeps them (the location-wide task search reads them).
      const withTasks = batch.filter((c) => c.tasks !== undefined).map((c) => c.contactId);
      result.tasksDeleted = withTasks.length === 0 ? 0 : await deleteMissing('tasks', withTasks, taskRows.map((t) => t.id as string));
      result.notesDeleted = await deleteMissing('notes', contactIds, noteRows.map((n) => n.id as string));
      return result;
    });
  }

  async contactsNeedingChildren(locationId: string, options: { rollingCutoff?: string | null; limit?: number } = {}): Promise<ContactNeedingChildren[]> {
    let left = options.limit ?? -1;
    const out: ContactNeedingChildren[] = [];
    const queries = options.rollingCutoff ? [DUE_NEVER, DUE_CHANGED, DUE_STALE] : [DUE_NEVER, DUE_CHANGED];
    for (const sql of queries) {
      if (left === 0) break;
      const params: unknown[] = [locationId, left < 0 ? null : left];
      if (sql === DUE_STALE) params.push(options.rollingCutoff);
      const rows = await this.rows<ContactNeedingChildren>(sql, params);
      out.push(...rows);
      if (left > 0) left -= rows.length;
    }
    return out;
  }

  async countContactsNeedingChildren(locationId: string, rollingCutoff: string | null): Promise<number> {
    return (await this.rows<{ n: number }>(
      `SELECT count(*) AS n FROM contacts WHERE location_id = $1 AND deleted_at IS NULL AND (
         children_synced_at IS NULL OR children_date_updated IS DISTINCT FROM date_updated
         OR ($2::timestamptz IS NOT NULL AND children_synced_at < $2))`,
      [locationId, rollingCutoff],
    ))[0]!.n;
  }

  pendingRepairs(locationId: string): Promise<MirrorRepair[]> {
    return this.rows<MirrorRepair>(
      `SELECT location_id AS "locationId", contact_id AS "contactId", reason FROM mirror_repairs WHERE location_id = $1 ORDER BY created_at, contact_id COLLATE "C"`,
      [locationId],
    );
  }

  async clearRepair(locationId: string, contactId: string): Promise<void> {
    await this.run(`DELETE FROM mirror_repairs WHERE location_id = $1 AND contact_id = $2`, [locationId, contactId]);
  }

  async markChildrenStale(contactId: string): Promise<void> {
    await this.run(`UPDATE contacts SET children_synced_at = NULL WHERE id = $1`, [contactId]);
  }

  async getSyncState(locationId: string, key: string): Promise<string | undefined> {
    const row = (await this.rows<{ value: string | null }>(`SELECT value FROM sync_state WHERE location_id = $1 AND key = $2`, [locationId, key]))[0];
    return row?.value ?? undefined;
  }

  async setSyncState(locationId: string, key: string, value: string | null, clock: Clock = systemClock): Promise<void> {
    if (value === null) {
      await this.run(`DELETE FROM sync_state WHERE location_id = $1 AND key = $2`, [locationId, key]);
      return;
    }
    await this.run(
      `INSERT INTO sync_state (location_id, key, value, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (location_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [locationId, key, value, isoNow(clock)],
    );
  }

  async startRun(run: { locationId: string; mode: string }, clock: Clock = systemClock): Promise<number> {
    return (await this.rows<{ id: number }>(
      `INSERT INTO sync_runs (location_id, mode, started_at, status, worker) VALUES ($1, $2, $3, 'running', $4) RETURNING id`,
      [run.locationId, run.mode, isoNow(clock), workerName()],
    ))[0]!.id;
  }

  async abandonStaleRuns(locationId: string, clock: Clock = systemClock): Promise<void> {
    await this.run(
      `UPDATE sync_runs SET status = 'interrupted', finished_at = $1, error = coalesce(error, 'the process ended before the run finished (killed?)')
       WHERE location_id = $2 AND status = 'running'`,
      [isoNow(clock), locationId],
    );
  }

  /** `SET a = $2, b = $3` for the counters given, and their values. */
  private counterSets(counters: Partial<SyncRunCounters>, first: number): { sets: string[]; values: number[] } {
    const entries = Object.entries(counters).filter(
      (e): e is [keyof SyncRunCounters, number] => e[0] in COUNTER_COLUMNS && typeof e[1] === 'number',
    );
    return { sets: entries.map(([k], i) => `${COUNTER_COLUMNS[k]} = $${first + i}`), values: entries.map(([, v]) => v) };
  }

  async updateRun(runId: number, counters: Partial<SyncRunCounters>): Promise<void> {
    const { sets, values } = this.counterSets(counters, 2);
    if (sets.length > 0) await this.run(`UPDATE sync_runs SET ${sets.join(', ')} WHERE id = $1`, [runId, ...values]);
  }

  async finishRun(
    runId: number,
    outcome: { status: Exclude<SyncRunStatus, 'running'>; error?: string | null } & Partial<SyncRunCounters>,
    clock: Clock = systemClock,
  ): Promise<void> {
    const { status, error, ...counters } = outcome;
    const { sets, values } = this.counterSets(counters, 5);
    await this.run(
      `UPDATE sync_runs SET ${['status = $2', 'error = $3', 'finished_at = $4', ...sets].join(', ')} WHERE id = $1`,
      [runId, status, error ?? null, isoNow(clock), ...values],
    );
  }

  async hasCompletedRun(locationId: string): Promise<boolean> {
    return (await this.rows(`SELECT 1 FROM sync_runs WHERE location_id = $1 AND status = 'ok' LIMIT 1`, [locationId])).length > 0;
  }

  saveReportedDailyBudget(locationId: string, budget: ReportedDailyBudget, clock?: Clock): Promise<void> {
    return this.setSyncState(locationId, 'highlevel_daily', JSON.stringify(budget), clock);
  }

  async writeContactDeleted(contactId: string, clock: Clock = systemClock): Promise<boolean> {
    return (await this.softDelete(`SELECT unnest($1::text[])`, [[contactId]], isoNow(clock))) > 0;
  }

  async isContactLive(contactId: string): Promise<boolean> {
    return (await this.rows(`SELECT 1 FROM contacts WHERE id = $1 AND deleted_at IS NULL`, [contactId])).length > 0;
  }

  async writeTask(task: HighLevelTask, contactId: string, locationId: string, clock: Clock = systemClock): Promise<void> {
    const row = { ...taskToRow(task, contactId, locationId), contactId, syncedAt: isoNow(clock), runId: null, deletedAt: null };
    await this.run(UPSERT_ONE_TASK, [recordsJson(TASKS, [row])]);
  }

  async writeNote(note: HighLevelNote, contactId: string, locationId: string, clock: Clock = systemClock): Promise<void> {
    const row = { ...noteToRow(note, contactId, locationId), contactId, syncedAt: isoNow(clock), runId: null, deletedAt: null };
    await this.run(UPSERT_ONE_NOTE, [recordsJson(NOTES, [row])]);
  }

  async markChildDeleted(table: 'tasks' | 'notes', id: string, clock: Clock = systemClock): Promise<boolean> {
    return (await this.run(`UPDATE ${table === 'tasks' ? 'tasks' : 'notes'} SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL`, [isoNow(clock), id])) === 1;
  }

  async mirroredChildIds(table: 'tasks' | 'notes', contactId: string): Promise<Set<string>> {
    const rows = await this.rows<{ id: string }>(`SELECT id FROM ${table === 'tasks' ? 'tasks' : 'notes'} WHERE contact_id = $1 AND deleted_at IS NULL`, [contactId]);
    return new Set(rows.map((r) => r.id));
  }

  async mirroredChildren(table: 'tasks' | 'notes', contactId: string): Promise<unknown[]> {
    const sql = table === 'tasks'
      ? `SELECT raw::text AS raw FROM tasks WHERE contact_id = $1 AND deleted_at IS NULL ORDER BY id COLLATE "C"`
      : `SELECT raw::text AS raw FROM notes WHERE contact_id = $1 AND deleted_at IS NULL ORDER BY date_added NULLS FIRST, id COLLATE "C"`;
    return (await this.rows<{ raw: string }>(sql, [contactId])).map((r) => JSON.parse(r.raw) as unknown);
  }

  async mirroredContacts(q: MirrorContactQuery): Promise<HighLevelContact[]> {
    const rows = await this.rows<{ raw: string }>(
      `SELECT raw::text AS raw FROM contacts c
       WHERE location_id = $1 AND deleted_at IS NULL
         AND ($2::text IS NULL OR business_id = $2)
         AND ($3::text IS NULL OR strpos(${CONTACT_TEXT_LOWER}, $3) > 0)
         AND (SELECT count(*) FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = ANY($4::text[])) = cardinality($4::text[])
       ORDER BY date_added NULLS FIRST, id COLLATE "C"
       LIMIT $5`,
      [q.locationId, q.businessId ?? null, q.query === undefined ? null : asciiLower(q.query), q.tags ?? [], q.limit ?? null],
    );
    return rows.map((r) => JSON.parse(r.raw) as HighLevelContact);
  }

  async mirroredContactBy(locationId: string, by: { email?: string; phone?: string }): Promise<string | undefined> {
    const [column, value] = by.email !== undefined ? ['lower(email)', by.email.toLowerCase()] : ['phone', by.phone];
    if (value === undefined) return undefined;
    return (await this.rows<{ id: string }>(`SELECT id FROM contacts WHERE location_id = $1 AND deleted_at IS NULL AND ${column} = $2
      ORDER BY date_added NULLS FIRST, id COLLATE "C" LIMIT 1`, [locationId, value]))[0]?.id;
  }

  customFieldDefinitions(locationId: string): Promise<CustomFieldDefinitionRow[]> {
    return this.rows<CustomFieldDefinitionRow>(
      `SELECT id, name, field_key AS "fieldKey", data_type AS "dataType" FROM custom_fields
       WHERE location_id = $1 AND deleted_at IS NULL ORDER BY name COLLATE "C", id COLLATE "C"`,
      [locationId],
    );
  }

  async readIdempotencyKey(key: string): Promise<IdempotencyRecord | undefined> {
    return (await this.rows<IdempotencyRecord>(
      `SELECT key, action, location_id AS "locationId", request, status, result, created_at AS "createdAt" FROM op_idempotency WHERE key = $1`,
      [key],
    ))[0];
  }

  async startIdempotencyKey(record: Omit<IdempotencyRecord, 'status' | 'result' | 'createdAt'>, clock: Clock = systemClock): Promise<void> {
    await this.run(
      `INSERT INTO op_idempotency (key, action, location_id, request, status, created_at) VALUES ($1, $2, $3, $4, 'pending', $5)
       ON CONFLICT (key) DO NOTHING`,
      [record.key, record.action, record.locationId, record.request, isoNow(clock)],
    );
  }

  async finishIdempotencyKey(key: string, result: unknown, clock: Clock = systemClock): Promise<void> {
    await this.run(`UPDATE op_idempotency SET status = 'done', result = $1, finished_at = $2 WHERE key = $3`, [JSON.stringify(result), isoNow(clock), key]);
  }

  async dropIdempotencyKey(key: string): Promise<void> {
    await this.run(`DELETE FROM op_idempotency WHERE key = $1 AND status = 'pending'`, [key]);
  }

  async markForRepair(repair: MirrorRepair, clock: Clock = systemClock): Promise<void> {
    await this.run(
      `INSERT INTO mirror_repairs (location_id, contact_id, reason, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (location_id, contact_id) DO UPDATE SET reason = excluded.reason`,
      [repair.locationId, repair.contactId, repair.reason, isoNow(clock)],
    );
  }

  // ---- the nightly sync (issue 21): pg/nightly.ts
  saveLocationTasks(locationId: string, rows: TaskRow[], runId: number, clock: Clock = systemClock, options: { readAt: string }): Promise<LocationTasksSaved> {
    return this.atomic((s) => saveLocationTasksPg(
      s, (records, readAt) => s.count(UPSERT_LISTED_TASKS, [recordsJson(TASKS, records), readAt]), locationId, rows, runId, clock, options,
    ));
  }

  sweepLocationTasks(locationId: string, runId: number, readAt: string, clock?: Clock): Promise<number> {
    return sweepLocationTasksPg(this, locationId, runId, readAt, clock);
  }

  webhookEventsSince(locationId: string, since: string, types: readonly string[]): Promise<Array<{ type: string; payload: string }>> {
    return webhookEventsSincePg(this, locationId, since, types);
  }

  markNamedContactsDue(locationId: string, named: NamedByEvents): Promise<number> {
    return markNamedContactsDuePg(this, locationId, named);
  }

  markLinkedContactsDue(): Promise<number> {
    return this.run(`UPDATE contacts SET children_synced_at = NULL
      WHERE deleted_at IS NULL AND children_synced_at IS NOT NULL AND id IN (SELECT contact_id FROM lead_links)`);
  }

  async bridgeInUse(): Promise<boolean> {
    return (await this.rows(`SELECT 1 FROM lead_links UNION ALL SELECT 1 FROM outbox WHERE status = 'pending' LIMIT 1`)).length > 0;
  }

  // ---- the LeadCars bridge (pg/bridge.ts), on this statement set's pool or transaction client
  private bridgeOnQ?: BridgeStatements;
  get bridge(): BridgeStatements {
    return (this.bridgeOnQ ??= pgBridge(this.q, (fn) => this.atomic((s) => fn(s.q))));
  }
}

/** A stored copy newer than the page (see contacts.ts). */
function isNewerThanPage(before: StoredContact | undefined, row: ContactRow, readAt: string | undefined): boolean {
  if (readAt === undefined || before === undefined) return false;
  if (before.deletedAt !== null) return before.deletedAt >= readAt;
  const stored = Date.parse(before.dateUpdated ?? '');
  const listed = Date.parse(row.dateUpdated ?? '');
  return Number.isFinite(stored) && Number.isFinite(listed) && stored > listed;
}

const UNSEEN = `location_id = $1 AND deleted_at IS NULL AND (run_id IS NULL OR run_id <> $2)
  AND ($3::timestamptz IS NULL OR synced_at < $3)`;

// As due.ts, each in its own order (walking contacts_children_due_idx / _changed_idx; which
// contacts come first decides only the batching, so ids keep the database's collation); LIMIT
// NULL is no limit.
const DUE_NEVER = `SELECT id, date_updated AS "dateUpdated", 'never' AS reason FROM contacts
  WHERE location_id = $1 AND deleted_at IS NULL AND children_synced_at IS NULL
  ORDER BY id LIMIT $2`;
const DUE_CHANGED = `SELECT id, date_updated AS "dateUpdated", 'changed' AS reason FROM contacts
  WHERE location_id = $1 AND children_synced_at IS NOT NULL AND children_date_updated IS DISTINCT FROM date_updated AND deleted_at IS NULL
  ORDER BY children_synced_at, id LIMIT $2`;
const DUE_STALE = `SELECT id, date_updated AS "dateUpdated", 'stale' AS reason FROM contacts
  WHERE location_id = $1 AND deleted_at IS NULL AND children_synced_at < $3
    AND children_date_updated IS NOT DISTINCT FROM date_updated
  ORDER BY children_synced_at, id LIMIT $2`;

/** The Mirror over an open PostgreSQL mirror (pool migrated by open.ts). */
export function postgresMirror(opened: PostgresMirror, shown: string): Mirror {
  const { pool } = opened;
  const transaction = <T>(fn: (s: PgStatements) => Promise<T>): Promise<T> => inTransaction(pool, (client) => {
    const statements: PgStatements = new PgStatements(client, (inner) => inner(statements), true);
    return fn(statements);
  });
  const statements = new PgStatements(pool, transaction);
  // Our advisory locks live on one connection of their own (a sync holds the database's lock and
  // one per location it runs: a connection each would drain the pool). The server frees them all
  // when that connection ends, a killed process's included. Session advisory locks are reentrant
  // on their connection, so `held` (name -> owner) keeps two callers of this process apart.
  const held = new Map<string, string>();
  let lockClient: Promise<pg.PoolClient> | undefined;
  const lockConnection = (): Promise<pg.PoolClient> => (lockClient ??= pool.connect().then((client) => {
    // A lost connection freed the locks on the server; without a listener pg would crash the process.
    client.on('error', () => {
      lockClient = undefined;
      held.clear();
    });
    return client;
  }, (err: unknown) => {
    lockClient = undefined;
    throw err;
  }));
  // One statement at a time on it (pg would queue them, with a deprecation warning); the `locks` rows go through the pool.
  let lockQueue: Promise<unknown> = Promise.resolve();
  const onLockConnection = <T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const next = lockQueue.then(async () => fn(await lockConnection()));
    lockQueue = next.catch(() => undefined);
    return next;
  };
  const lockKey = (name: string) => `ghl-etl lock ${opened.schema} ${name}`;
  const readHolder = async (q: Queryable, name: string) => (await q.query<LockHolder>(SELECT_LOCK, [name])).rows[0];
  const unknownHolder = (name: string): LockHolder => {
    const now = new Date().toISOString();
    return { name, owner: 'unknown', pid: 0, hostname: 'unknown', acquiredAt: now, expiresAt: now };
  };

  const mirror: Mirror = Object.assign(Object.create(statements) as PgStatements, {
    engine: 'postgres' as const,
    shown,
    readonly: false,
    schemaVersion: opened.schemaVersion,
    transaction: <T>(fn: (tx: MirrorStatements) => Promise<T>) => transaction(fn),
    async acquireLock(name: string, owner: string, ttlMs: number, options: LockOptions = {}): Promise<LockResult> {
      const mine = held.get(name);
      if (mine !== undefined && mine !== owner) return { acquired: false, holder: (await readHolder(pool, name)) ?? unknownHolder(name) };
      if (mine === undefined) {
        // Reserved before the first await, so a second caller of this process sees it taken.
        held.set(name, owner);
        let got = false;
        try {
          got = await onLockConnection(async (client) =>
            (await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS got', [lockKey(name)])).rows[0]!.got);
          if (!got) return { acquired: false, holder: (await readHolder(pool, name)) ?? unknownHolder(name) };
        } finally {
          if (!got && held.get(name) === owner) held.delete(name);
        }
      }
      // Free on the server: a row left behind is a dead holder's.
      const before = await readHolder(pool, name);
      const now = (options.clock ?? systemClock)();
      await pool.query(
        `INSERT INTO locks (name, owner, pid, hostname, acquired_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, hostname = excluded.hostname,
           acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`,
        [name, owner, options.pid ?? process.pid, options.hostname ?? osHostname(), now.toISOString(), new Date(now.getTime() + ttlMs).toISOString()],
      );
      return { acquired: true, takenOver: before && before.owner !== owner ? before : null };
    },
    async refreshLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
      if (held.get(name) !== owner || !lockClient) return false;
      const updated = await pool.query(`UPDATE locks SET expires_at = $1 WHERE name = $2 AND owner = $3`,
        [new Date(Date.now() + ttlMs).toISOString(), name, owner]);
      return (updated.rowCount ?? 0) === 1;
    },
    async releaseLock(name: string, owner: string): Promise<boolean> {
      if (held.get(name) !== owner || !lockClient) return false;
      const deleted = ((await pool.query(`DELETE FROM locks WHERE name = $1 AND owner = $2`, [name, owner])).rowCount ?? 0) === 1;
      try {
        await onLockConnection((client) => client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey(name)]));
      } catch (err) {
        // Ending the connection frees every advisory lock on it; the next acquire opens another.
        const client = await lockClient?.catch(() => undefined);
        lockClient = undefined;
        held.clear();
        client?.release(err as Error);
        return false;
      } finally {
        held.delete(name);
      }
      return deleted;
    },
    markForRepairBeside: async () => false,
    async statusSnapshot(configured: ReadonlyArray<{ id: string; name?: string | undefined }>, since: string): Promise<StatusSnapshot> {
      return transaction(async (tx) => {
        const q = <R>(text: string, values: unknown[] = []) => tx.query<R>(text, values);
        const names = new Map((await q<{ id: string; name: string | null }>(`SELECT id, name FROM locations`)).map((l) => [l.id, l.name]));
        for (const r of await q<{ id: string }>(`SELECT DISTINCT location_id AS id FROM sync_runs`)) if (!names.has(r.id)) names.set(r.id, null);
        const known = [...names].map(([id, name]) => ({ id, name })).sort((a, b) => a.id.localeCompare(b.id));
        const locations: StatusSnapshot['locations'] = [];
        for (const l of statusLocations(known, configured)) {
          const runs = async (where: string) => (await q<RunBrief>(`SELECT ${RUN_BRIEF} FROM sync_runs WHERE location_id = $1 ${where} ORDER BY id DESC LIMIT 1`, [l.id]))[0] ?? null;
          const success = (await q<{ at: string | null }>(`SELECT max(finished_at) AS at FROM sync_runs WHERE location_id = $1 AND status = 'ok'`, [l.id]))[0]!;
          const errored = (await q<{ at: string; message: string }>(
            `SELECT coalesce(finished_at, started_at) AS at, error AS message FROM sync_runs WHERE location_id = $1 AND error IS NOT NULL ORDER BY id DESC LIMIT 1`, [l.id]))[0];
          const calls = (await q<{ n: number }>(`SELECT coalesce(sum(api_calls), 0) AS n FROM sync_runs WHERE location_id = $1 AND started_at >= $2`, [l.id, since]))[0]!;
          locations.push({
            ...l,
            runs: { lastRun: await runs(''), lastFinished: await runs(`AND status <> 'running'`), lastSuccessAt: success.at, lastError: errored ?? null, apiCallsSince: calls.n },
            reportedDaily: parseReportedDailyBudget(await tx.getSyncState(l.id, REPORTED_DAILY_KEY)),
            lock: await liveLockHolder(tx, locationLockName(l.id)),
          });
        }
        const [inbox] = await q<BridgeQueueCounts['inbox']>(`SELECT
            count(*) FILTER (WHERE status = 'pending') AS pending, count(*) FILTER (WHERE status = 'waiting') AS waiting,
            count(*) FILTER (WHERE status = 'failed') AS failed, min(received_at) FILTER (WHERE status IN ('pending', 'waiting')) AS "oldestWaitingAt"
          FROM inbox`);
        const [outbox] = await q<BridgeQueueCounts['outbox']>(`SELECT
            count(*) FILTER (WHERE status = 'pending') AS pending, count(*) FILTER (WHERE status = 'dead') AS dead,
            count(*) FILTER (WHERE status = 'unknown') AS unknown, min(created_at) FILTER (WHERE status = 'pending') AS "oldestWaitingAt"
          FROM outbox`);
        return {
          locations,
          syncLock: await liveLockHolder(tx, SYNC_LOCK),
          drift: await q<DriftRow>(`SELECT location_id AS "locationId", operation, field, problem, count, first_seen AS "firstSeen", last_seen AS "lastSeen"
            FROM answer_drift ORDER BY location_id COLLATE "C", last_seen DESC, operation COLLATE "C", field COLLATE "C", problem COLLATE "C"`),
          lastExport: (await q<ExportRun>(`${SELECT_EXPORT_RUNS} ORDER BY id DESC LIMIT 1`))[0] ?? null,
          foreignWebhooks: configured.length === 0 ? [] : await q<{ locationId: string; events: number }>(
            `SELECT coalesce(location_id, '') AS "locationId", count(*) AS events FROM webhook_events
             WHERE applied_at IS NULL AND (location_id IS NULL OR NOT (location_id = ANY($1::text[])))
             GROUP BY location_id ORDER BY location_id COLLATE "C" NULLS FIRST`, [configured.map((c) => c.id)]),
          bridge: { inbox: inbox!, outbox: outbox! },
        };
      });
    },
    async applyRetention(days: number, now: Date = new Date()): Promise<RetentionResult> {
      const before = new Date(now.getTime() - days * 86_400_000).toISOString();
      return transaction(async (tx) => ({
        inbox: await tx.count(`DELETE FROM inbox WHERE status IN ('delivered', 'failed') AND received_at < $1`, [before]),
        webhookEvents: await tx.count(`DELETE FROM webhook_events WHERE received_at < $1`, [before]),
        outbox: await tx.count(`DELETE FROM outbox WHERE status IN ('done', 'dead') AND updated_at < $1`, [before]),
      }));
    },
    async runHistory(limit: number): Promise<RunEntry[]> {
      const bound = limit < 0 ? null : limit;
      const syncs = (await pool.query<SyncRun>(`${SELECT_SYNC_RUNS} ORDER BY id DESC LIMIT $1`, [bound])).rows;
      const exports = (await pool.query<ExportRun>(`${SELECT_EXPORT_RUNS} ORDER BY id DESC LIMIT $1`, [bound])).rows;
      const running = syncs.filter((r) => r.status === 'running');
      const holder = running.length > 0 ? await liveLockHolder(statements, SYNC_LOCK) : undefined;
      // A worker's run holds only its location's lock.
      const byLocation = new Map<string, LockHolder>();
      for (const id of new Set(running.map((r) => r.locationId))) {
        const h = await liveLockHolder(statements, locationLockName(id));
        if (h) byLocation.set(id, h);
      }
      return mergeRunHistory(showAbandonedBy(holder, syncs, systemClock, byLocation), exports, limit);
    },
    liveTags: (locationId?: string) => liveTagsPg(pool, locationId),
    availableColumns: (kind: ExportKind) => availableColumnsPg(pool, kind),
    exportRows: async (kind: ExportKind, columns: ExportColumn[], rule: SegmentRule) =>
      cursorRows(pool, exportQueryPg(kind, columns, rule)) as unknown as ExportRowSource,
    async recordExportStart(run: { segment: string; kind: ExportKind; path: string | null }, clock: Clock = systemClock): Promise<number> {
      return (await pool.query<{ id: number }>(
        `INSERT INTO export_runs (segment, kind, path, started_at, status) VALUES ($1, $2, $3, $4, 'running') RETURNING id`,
        [run.segment, run.kind, run.path, isoNow(clock)],
      )).rows[0]!.id;
    },
    async recordExportEnd(exportRunId: number, outcome: ExportOutcome, clock: Clock = systemClock): Promise<void> {
      const ok = outcome.status === 'ok';
      await pool.query(`UPDATE export_runs SET status = $1, rows = $2, sha256 = $3, error = $4, finished_at = $5 WHERE id = $6`,
        [outcome.status, outcome.rows ?? null, ok ? outcome.sha256 : null, ok ? null : outcome.error, isoNow(clock), exportRunId]);
    },
    async tagFilesWritten(kind: ExportKind): Promise<TagFileWritten[]> {
      return (await pool.query<TagFileWritten>(TAG_FILES_WRITTEN_SQL, [kind])).rows;
    },
    tagsNotInMirror: (tags: readonly string[]) => tagsNotInMirrorPg(pool, tags),
    async locationInMirror(locationId: string): Promise<boolean> {
      return ((await pool.query(`SELECT 1 FROM locations WHERE id = $1 UNION ALL SELECT 1 FROM contacts WHERE location_id = $1 LIMIT 1`, [locationId])).rowCount ?? 0) > 0;
    },
    // ---- the MCP face's reads and the contact view (mcp-pg)
    mcpReads: () => postgresMcpReads(pool, opened.schema),
    contactView: (id: string) => contactViewPg(pool, id),
    unported(what: string): Db {
      throw new NotOnPostgresError(what);
    },
    // ---- pg-rest
    oauthTokenRow: (locationId: string) => getOAuthTokenRowPg(pool, locationId),
    oauthTokenRows: () => listOAuthTokenRowsPg(pool),
    saveOAuthTokenRow: (locationId: string, values: Parameters<typeof saveOAuthTokenRowPg>[2]) => saveOAuthTokenRowPg(pool, locationId, values),
    setOAuthTokenStatus: (locationId: string, status: string, message: string | null, updatedAt: string) =>
      setOAuthTokenStatusPg(pool, locationId, status, message, updatedAt),
    deleteOAuthTokenRows: (locationId?: string) => deleteOAuthTokenRowsPg(pool, locationId),
    userName: (locationId: string, userId: string) => userNamePg(pool, locationId, userId),
    countPurgeable: (before: string) => countPurgeablePg(pool, before),
    async purgeDeleted(before: string, options: { retentionDays?: number; now?: Date } = {}): Promise<PurgeResult> {
      const result = await transaction((tx) => purgeDeletedPg(tx, before));
      if (options.retentionDays !== undefined) result.retention = await mirror.applyRetention(options.retentionDays, options.now);
      return result;
    },
    recordDrift: (locationId: string, seen: Parameters<typeof recordDriftPg>[2], clock?: Clock) => recordDriftPg(pool, locationId, seen, clock),
    probeWriteLock: () => probeWriteLockPg(pool),
    segmentContactIds: (rule: SegmentRule) => segmentContactIdsPg(pool, rule),
    mirroredTags: (contactId: string) => mirroredTagsPg(statements, contactId),
    writeContactTags: (changes: Parameters<typeof writeContactTagsPg>[1], clock?: Clock) => transaction((tx) => writeContactTagsPg(tx, changes, clock)),
    writeContactsBusiness: (ids: string[], businessId: string | null, clock?: Clock) =>
      transaction((tx) => writeContactsBusinessPg(tx, ids, businessId, clock)),
    contactsWideCustomColumns: () => contactsWideCustomColumnsPg(pool),
    reserveRequests: (locationId: string, turns: RequestTurns, window: { max: number; intervalMs: number; dailyAllowance: number }) =>
      reserveRequests(pool, locationId, turns, window),
    async close() {
      const client = await lockClient?.catch(() => undefined);
      lockClient = undefined;
      held.clear();
      client?.release(true);
      await opened.close();
    },
  });
  return mirror;
}
