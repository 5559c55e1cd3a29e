// The database seam the jobs call: one async interface (`Mirror`), one implementation per engine
// (SQLite: sqlite-mirror.ts, over the synchronous functions of src/db; PostgreSQL: pg/mirror.ts,
// over a node-postgres pool). The statements are named after the SQLite functions they mirror,
// and take the same arguments minus the connection, so a job reads as it did and a function is
// ported by adding it here and to pg/mirror.ts.
//
// Transactions: `mirror.transaction(async (tx) => ...)` runs `fn` with `tx`, whose statements
// run in that one transaction (PostgreSQL: on one pooled client; SQLite: on the connection, with
// other callers' statements held until it ends, so two async flows never interleave in one
// SQLite transaction). A statement called on the mirror itself runs in its own transaction when
// it writes several rows.
//
// Code not yet ported holds the SQLite `Db` (`mirror.unported(what)`), which on PostgreSQL
// throws NotOnPostgresError naming what is missing.
import type { Clock } from './clock.ts';
import type { Db } from './connection.ts';
import type { ChildrenResult, ContactChildren } from './children.ts';
import type { ContactUpsertResult, ListedOptions } from './contacts.ts';
import type { ReportedDailyBudget } from './daily-budget.ts';
import type { ContactNeedingChildren } from './due.ts';
import type { ExportColumn, SegmentRule } from './export-rows.ts';
import type { ExportKind, ExportOutcome, TagFileWritten } from './exports.ts';
import type { RunEntry } from './history.ts';
import type { LocationInput } from './locations.ts';
import type { RetentionResult } from './retention.ts';
import type { StatusSnapshot } from './status.ts';
import type { LockOptions, LockResult } from './locks.ts';
import type { MirrorRepair } from './repairs.ts';
import type { LocationTasksSaved, NamedByEvents } from './nightly.ts';
import type { ContactRow, CustomFieldRow, HighLevelContact, HighLevelNote, HighLevelTask, TaskRow, UserRow } from './rows.ts';
import type { CustomFieldDefinitionRow, IdempotencyRecord, MirrorContactQuery } from './write-through.ts';
import type { SyncRunCounters, SyncRunStatus } from './runs.ts';
import type { ContactView } from './contact-view.ts';
import type { McpReads } from './mcp-reads.ts';
import type { BridgeStatements } from './bridge-store.ts';
import type { OAuthTokenRow, OAuthTokenValues } from './oauth-tokens.ts';
import type { PurgeResult } from './purge.ts';
import type { DriftSeen } from './drift.ts';
import type { WriteLockProbe } from './health.ts';
import type { TagChange } from './bulk-contacts.ts';
import type { WideColumn } from './views.ts';

export type Engine = 'sqlite' | 'postgres';

/** The statements a job may call, inside a transaction or not. */
export interface MirrorStatements {
  upsertLocation(location: LocationInput, runId?: number | null, clock?: Clock): Promise<void>;
  replaceUsers(locationId: string, rows: UserRow[], runId: number | null, clock?: Clock): Promise<number>;
  /** True when the live definitions changed (contacts_wide is then already rebuilt). */
  upsertCustomFieldDefinitions(locationId: string, defs: CustomFieldRow[], runId: number | null, clock?: Clock): Promise<boolean>;

  upsertContacts(rows: ContactRow[], runId: number | null, clock?: Clock, options?: ListedOptions): Promise<ContactUpsertResult>;
  countLiveContacts(locationId: string): Promise<number>;
  countUnseenContacts(locationId: string, seenInRunId: number, passStartedAt?: string): Promise<number>;
  markContactsDeleted(locationId: string, seenInRunId: number, clock?: Clock, passStartedAt?: string): Promise<number>;
  /** A contact as HighLevel returned it (a repair, an operation's answer). */
  writeContact(contact: HighLevelContact, locationId: string, clock?: Clock): Promise<void>;

  saveChildren(batch: ContactChildren[], runId: number, clock?: Clock, options?: { readAt?: string }): Promise<ChildrenResult>;
  contactsNeedingChildren(locationId: string, options?: { rollingCutoff?: string | null; limit?: number }): Promise<ContactNeedingChildren[]>;
  countContactsNeedingChildren(locationId: string, rollingCutoff: string | null): Promise<number>;

  pendingRepairs(locationId: string, clock?: Clock): Promise<MirrorRepair[]>;
  clearRepair(locationId: string, contactId: string): Promise<void>;
  markChildrenStale(contactId: string): Promise<void>;

  getSyncState(locationId: string, key: string): Promise<string | undefined>;
  setSyncState(locationId: string, key: string, value: string | null, clock?: Clock): Promise<void>;

  startRun(run: { locationId: string; mode: string }, clock?: Clock): Promise<number>;
  abandonStaleRuns(locationId: string, clock?: Clock): Promise<void>;
  updateRun(runId: number, counters: Partial<SyncRunCounters>): Promise<void>;
  finishRun(
    runId: number,
    outcome: { status: Exclude<SyncRunStatus, 'running'>; error?: string | null } & Partial<SyncRunCounters>,
    clock?: Clock,
  ): Promise<void>;
  hasCompletedRun(locationId: string): Promise<boolean>;
  saveReportedDailyBudget(locationId: string, budget: ReportedDailyBudget, clock?: Clock): Promise<void>;

  // ---- an operation's write-through and reads (write-through.ts, children.ts, contact-match.ts, repairs.ts)
  writeContactDeleted(contactId: string, clock?: Clock): Promise<boolean>;
  isContactLive(contactId: string): Promise<boolean>;
  writeTask(task: HighLevelTask, contactId: string, locationId: string, clock?: Clock): Promise<void>;
  writeNote(note: HighLevelNote, contactId: string, locationId: string, clock?: Clock): Promise<void>;
  markChildDeleted(table: 'tasks' | 'notes', id: string, clock?: Clock): Promise<boolean>;
  mirroredChildIds(table: 'tasks' | 'notes', contactId: string): Promise<Set<string>>;
  /** A contact's live tasks or notes as HighLevel returned them. */
  mirroredChildren(table: 'tasks' | 'notes', contactId: string): Promise<unknown[]>;
  mirroredContacts(q: MirrorContactQuery): Promise<HighLevelContact[]>;
  mirroredContactBy(locationId: string, by: { email?: string; phone?: string }): Promise<string | undefined>;
  customFieldDefinitions(locationId: string): Promise<CustomFieldDefinitionRow[]>;
  readIdempotencyKey(key: string): Promise<IdempotencyRecord | undefined>;
  startIdempotencyKey(record: Omit<IdempotencyRecord, 'status' | 'result' | 'createdAt'>, clock?: Clock): Promise<void>;
  finishIdempotencyKey(key: string, result: unknown, clock?: Clock): Promise<void>;
  dropIdempotencyKey(key: string): Promise<void>;
  markForRepair(repair: MirrorRepair, clock?: Clock): Promise<void>;

  // ---- the nightly sync (issue 21, nightly.ts): the location-wide task search, webhook-named contacts
  saveLocationTasks(locationId: string, rows: TaskRow[], runId: number, clock: Clock | undefined, options: { readAt: string }): Promise<LocationTasksSaved>;
  sweepLocationTasks(locationId: string, runId: number, readAt: string, clock?: Clock): Promise<number>;
  webhookEventsSince(locationId: string, since: string, types: readonly string[]): Promise<Array<{ type: string; payload: string }>>;
  markNamedContactsDue(locationId: string, named: NamedByEvents): Promise<number>;

  /** The bridge's contacts made due for a children fetch (see lead-links.ts). */
  markLinkedContactsDue(): Promise<number>;
  /** Whether the LeadCars bridge has anything in this database (links, or calls owed). */
  bridgeInUse(): Promise<boolean>;

  // ---- the LeadCars bridge (bridge-store.ts; PostgreSQL: pg/bridge.ts), on this connection / transaction
  readonly bridge: BridgeStatements;
}

/** A cell of an export row as the engines return it (no BLOBs in the mirror). */
export type ExportCell = string | number | bigint | Buffer | null;

/** An export's rows, one array per row in column order; return() ends the read early. */
export type ExportRowSource = (Iterable<ExportCell[]> | AsyncIterable<ExportCell[]>) & { return?(): unknown };

/** What the exports read and record (export-rows.ts, exports.ts, tags.ts). */
export interface MirrorExports {
  liveTags(locationId?: string): Promise<string[]>;
  availableColumns(kind: ExportKind): Promise<ExportColumn[]>;
  /** The rows of an export (the rule already checked); read them before the next export starts. */
  exportRows(kind: ExportKind, columns: ExportColumn[], rule: SegmentRule): Promise<ExportRowSource>;
  recordExportStart(run: { segment: string; kind: ExportKind; path: string | null }, clock?: Clock): Promise<number>;
  recordExportEnd(exportRunId: number, outcome: ExportOutcome, clock?: Clock): Promise<void>;
  /** The files earlier per-tag exports of `kind` wrote (exports.ts tagFilesWritten). */
  tagFilesWritten(kind: ExportKind): Promise<TagFileWritten[]>;
  tagsNotInMirror(tags: readonly string[]): Promise<string[]>;
  locationInMirror(locationId: string): Promise<boolean>;
}

/**
 * The token store, the contact view, purge, drift, health, bulk contact writes and the xlsx
 * column kinds (pg-rest): each named after the SQLite function it mirrors, same arguments minus
 * the connection.
 */
export interface MirrorRest {
  // oauth-tokens.ts (the tokens already encrypted by src/auth/token-store.ts)
  oauthTokenRow(locationId: string): Promise<OAuthTokenRow | undefined>;
  oauthTokenRows(): Promise<OAuthTokenRow[]>;
  saveOAuthTokenRow(locationId: string, values: OAuthTokenValues): Promise<number>;
  setOAuthTokenStatus(locationId: string, status: string, message: string | null, updatedAt: string): Promise<void>;
  deleteOAuthTokenRows(locationId?: string): Promise<number>;
  // users.ts (the contact view is the MCP reads' contactView above)
  userName(locationId: string, userId: string): Promise<string | undefined>;
  // purge.ts (with erase.ts): the personal data of contacts soft-deleted before `before`
  countPurgeable(before: string): Promise<number>;
  purgeDeleted(before: string, options?: { retentionDays?: number; now?: Date }): Promise<PurgeResult>;
  // drift.ts, health.ts
  recordDrift(locationId: string, seen: DriftSeen[], clock?: Clock): Promise<void>;
  probeWriteLock(): Promise<WriteLockProbe>;
  // bulk-contacts.ts
  segmentContactIds(rule: SegmentRule): Promise<string[]>;
  mirroredTags(contactId: string): Promise<string[] | undefined>;
  writeContactTags(changes: TagChange[], clock?: Clock): Promise<number>;
  writeContactsBusiness(contactIds: string[], businessId: string | null, clock?: Clock): Promise<number>;
  // views.ts: contacts_wide's custom columns (the xlsx date columns)
  contactsWideCustomColumns(): Promise<WideColumn[]>;
}

export interface Mirror extends MirrorStatements, MirrorExports, MirrorRest {
  readonly engine: Engine;
  /** The database as it may be shown: the file path, or the URL with its password masked. */
  readonly shown: string;
  readonly readonly: boolean;
  readonly schemaVersion: number;
  /** Runs `fn` in one transaction that holds the write lock from its start (see the top of this file). */
  transaction<T>(fn: (tx: MirrorStatements) => Promise<T>): Promise<T>;
  /**
   * Named locks shared by every process on this database (the sync's run lock). SQLite: a row in
   * `locks`, taken over from a dead pid or after its ttl. PostgreSQL: a session advisory lock on a
   * connection of its own, which the server frees when the holder's connection ends (a killed
   * process, on any machine), with a row in `locks` saying who holds it.
   */
  acquireLock(name: string, owner: string, ttlMs: number, options?: LockOptions): Promise<LockResult>;
  refreshLock(name: string, owner: string, ttlMs: number): Promise<boolean>;
  releaseLock(name: string, owner: string): Promise<boolean>;
  /** Deletes the bookkeeping rows with personal data older than `days` days (retention.ts). */
  applyRetention(days: number, now?: Date): Promise<RetentionResult>;
  /** What `status` reads, in one read (status.ts). */
  statusSnapshot(configured: ReadonlyArray<{ id: string; name?: string | undefined }>, since: string): Promise<StatusSnapshot>;
  /** The most recent sync and export runs, newest first, a run whose process is gone 'abandoned' (history.ts). */
  runHistory(limit: number): Promise<RunEntry[]>;
  /**
   * For when the mirror cannot be written at all: the repair waits beside it (SQLite: a file next
   * to the database) for the next sync; false when there is no such place (PostgreSQL).
   */
  markForRepairBeside(repair: MirrorRepair, clock?: Clock): Promise<boolean>;
  // ---- the MCP face's reads and the contact's 360° view (mcp-pg: mcp-reads.ts, contact-view.ts; pg/ namesakes)
  /** The MCP server's reads (one set per server: close() it with the server). */
  mcpReads(): McpReads;
  /** One contact's 360° view as the mirror holds it (soft-deleted too, deletedAt set), or undefined. */
  contactView(id: string): Promise<ContactView | undefined>;

  /** The SQLite handle for code not yet ported to this interface; on PostgreSQL throws NotOnPostgresError. */
  unported(what: string): Db;

  // ---- workers (issue 18): a location's request window shared by every process
  /**
   * Reserves up to `turns.want` of a location's requests in the window and daily count every
   * process shares; undefined when the engine keeps none (SQLite: each process paces alone).
   */
  readonly reserveRequests: ((locationId: string, turns: RequestTurns, window: { max: number; intervalMs: number; dailyAllowance: number }) =>
    Promise<{ granted: number; retryInMs: number; exhausted: boolean }>) | undefined;
  close(): Promise<void>;
}

/** What a holder asks of the shared request window (src/ghl/shared-window.ts's TurnRequest, the client's side). */
export interface RequestTurns {
  want: number;
  /** Turns the holder reserved earlier and never used: they leave the day's count. */
  returned: number;
  /** One process's client (a random id): its own reservations are counted by `mine`, not again. */
  holder: string;
  /** The holder's own requests in the window now, from its limiter's log. */
  mine: number;
}

/** Something that does not work on PostgreSQL yet; the CLI exits 2 with this message. */
export class NotOnPostgresError extends Error {
  override name = 'NotOnPostgresError';
  /** `shown`: the database as it may be shown (password masked), when the message should name it. */
  constructor(readonly what: string, shown?: string) {
    super(`${what} does not support PostgreSQL yet${shown ? ` (the database is ${shown})` : ''}, see README "Using PostgreSQL": ` +
      'set GHL_ETL_DB (or "db" in the config file) to a SQLite file path, e.g. data/ghl.sqlite');
  }
}

export function isMirror(db: Db | Mirror): db is Mirror {
  return 'engine' in db && 'unported' in db;
}
