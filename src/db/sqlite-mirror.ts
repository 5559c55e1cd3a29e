// The Mirror interface over SQLite: the synchronous functions of src/db, called as they are (no
// copy of any statement), so the SQLite hot path stays what it was. What it adds is the async
// transaction: BEGIN IMMEDIATE, the caller's async function, COMMIT; while one is open, the
// statements other async flows call on the mirror wait for it to end instead of joining it.
import { countLiveContacts, upsertContacts } from './contacts.ts';
import { saveChildren } from './children.ts';
import { sqliteOf, type Db } from './connection.ts';
import { upsertCustomFieldDefinitions } from './custom-fields.ts';
import { saveReportedDailyBudget } from './daily-budget.ts';
import { countUnseenContacts, markContactsDeleted } from './deletions.ts';
import { contactsNeedingChildren, countContactsNeedingChildren } from './due.ts';
import { availableColumns, exportRows, liveTags } from './export-rows.ts';
import { recordExportEnd, recordExportStart, tagFilesWritten } from './exports.ts';
import { markLinkedContactsDue } from './lead-links.ts';
import { sqliteBridge } from './bridge-store.ts';
import { upsertLocation } from './locations.ts';
import { markNamedContactsDue, saveLocationTasks, sweepLocationTasks, webhookEventsSince } from './nightly.ts';
import { acquireLock, refreshLock, releaseLock } from './locks.ts';
import { isMirror, type ExportCell, type Mirror, type MirrorStatements } from './mirror.ts';
import { clearRepair, markChildrenStale, markForRepair, markForRepairBeside, pendingRepairs } from './repairs.ts';
import { markChildDeleted } from './children.ts';
import { mirroredContactBy } from './contact-match.ts';
import { abandonStaleRuns, finishRun, hasCompletedRun, startRun, updateRun } from './runs.ts';
import { getSyncState, setSyncState } from './state.ts';
import { prepared } from './statements.ts';
import { listRunHistory } from './history.ts';
import { applyRetention } from './retention.ts';
import { statusSnapshot } from './status.ts';
import { locationInMirror, tagsNotInMirror } from './tags.ts';
import { replaceUsers } from './users.ts';
import { contactView } from './contact-view.ts';
import { sqliteMcpReads } from './mcp-reads.ts';
import {
  customFieldDefinitions, dropIdempotencyKey, finishIdempotencyKey, isContactLive, mirroredChildIds, mirroredChildren,
  mirroredContacts, readIdempotencyKey, startIdempotencyKey, writeContact, writeContactDeleted, writeNote, writeTask,
} from './write-through.ts';
// pg-rest: the token store, contact view, purge, drift, health, bulk writes, xlsx columns
import { deleteOAuthTokenRows, getOAuthTokenRow, listOAuthTokenRows, saveOAuthTokenRow, setOAuthTokenStatus } from './oauth-tokens.ts';
import { userName } from './users.ts';
import { countPurgeable, purgeDeleted } from './purge.ts';
import { recordDrift } from './drift.ts';
import { probeWriteLock } from './health.ts';
import { mirroredTags, segmentContactIds, writeContactTags, writeContactsBusiness } from './bulk-contacts.ts';
import { contactsWideCustomColumns } from './views.ts';

/** The statements as synchronous calls on `db` (what both the mirror and its transactions run). */
function statementsOn(db: Db): { [K in Exclude<keyof MirrorStatements, 'bridge'>]: (...args: Parameters<MirrorStatements[K]>) => Awaited<ReturnType<MirrorStatements[K]>> } {
  return {
    upsertLocation: (...a) => upsertLocation(db, ...a),
    replaceUsers: (...a) => replaceUsers(db, ...a),
    upsertCustomFieldDefinitions: (...a) => upsertCustomFieldDefinitions(db, ...a),
    upsertContacts: (...a) => upsertContacts(db, ...a),
    countLiveContacts: (...a) => countLiveContacts(db, ...a),
    countUnseenContacts: (...a) => countUnseenContacts(db, ...a),
    markContactsDeleted: (...a) => markContactsDeleted(db, ...a),
    writeContact: (...a) => writeContact(db, ...a),
    saveChildren: (...a) => saveChildren(db, ...a),
    contactsNeedingChildren: (...a) => contactsNeedingChildren(db, ...a),
    countContactsNeedingChildren: (...a) => countContactsNeedingChildren(db, ...a),
    pendingRepairs: (...a) => pendingRepairs(db, ...a),
    clearRepair: (...a) => clearRepair(db, ...a),
    markChildrenStale: (...a) => markChildrenStale(db, ...a),
    getSyncState: (...a) => getSyncState(db, ...a),
    setSyncState: (...a) => setSyncState(db, ...a),
    startRun: (...a) => startRun(db, ...a),
    abandonStaleRuns: (...a) => abandonStaleRuns(db, ...a),
    updateRun: (...a) => updateRun(db, ...a),
    finishRun: (...a) => finishRun(db, ...a),
    hasCompletedRun: (...a) => hasCompletedRun(db, ...a),
    saveReportedDailyBudget: (...a) => saveReportedDailyBudget(db, ...a),
    writeContactDeleted: (...a) => writeContactDeleted(db, ...a),
    isContactLive: (...a) => isContactLive(db, ...a),
    writeTask: (...a) => writeTask(db, ...a),
    writeNote: (...a) => writeNote(db, ...a),
    markChildDeleted: (...a) => markChildDeleted(db, ...a),
    mirroredChildIds: (...a) => mirroredChildIds(db, ...a),
    mirroredChildren: (...a) => mirroredChildren(db, ...a),
    mirroredContacts: (...a) => mirroredContacts(db, ...a),
    mirroredContactBy: (...a) => mirroredContactBy(db, ...a),
    customFieldDefinitions: (...a) => customFieldDefinitions(db, ...a),
    readIdempotencyKey: (...a) => readIdempotencyKey(db, ...a),
    startIdempotencyKey: (...a) => startIdempotencyKey(db, ...a),
    finishIdempotencyKey: (...a) => finishIdempotencyKey(db, ...a),
    dropIdempotencyKey: (...a) => dropIdempotencyKey(db, ...a),
    markForRepair: (...a) => markForRepair(db, ...a),
    // the nightly sync (issue 21)
    saveLocationTasks: (...a) => saveLocationTasks(db, ...a),
    sweepLocationTasks: (...a) => sweepLocationTasks(db, ...a),
    webhookEventsSince: (...a) => webhookEventsSince(db, ...a),
    markNamedContactsDue: (...a) => markNamedContactsDue(db, ...a),
    markLinkedContactsDue: () => markLinkedContactsDue(db),
    bridgeInUse: () =>
      prepared(db, `SELECT 1 FROM lead_links UNION ALL SELECT 1 FROM outbox WHERE status = 'pending' LIMIT 1`).get() !== undefined,
  };
}

type SyncStatements = ReturnType<typeof statementsOn>;

/** Each synchronous statement as an async one, after `gate` (which may wait). */
function asyncStatements(sync: SyncStatements, gate: () => Promise<void> | undefined): Omit<MirrorStatements, 'bridge'> {
  const out: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, fn] of Object.entries(sync) as Array<[string, (...args: unknown[]) => unknown]>) {
    out[name] = async (...args) => {
      const wait = gate();
      if (wait) await wait;
      return fn(...args);
    };
  }
  return out as unknown as Omit<MirrorStatements, 'bridge'>;
}

const mirrors = new WeakMap<Db, Mirror>();

/** The Mirror over an open SQLite `Db` (one per connection, so its transactions share one gate). */
export function sqliteMirror(db: Db): Mirror {
  const known = mirrors.get(db);
  if (known) return known;
  const sqlite = sqliteOf(db);
  const sync = statementsOn(db);
  // Set while an async transaction is open: the promise settles when it ends.
  let open: Promise<void> | undefined;
  const waitForOpen = async (): Promise<void> => {
    while (open) await open;
  };
  const gate = () => (open ? waitForOpen() : undefined);
  const inTransaction: MirrorStatements = { ...asyncStatements(sync, () => undefined), bridge: sqliteBridge(db, () => undefined) };
  const mirror: Mirror = {
    ...asyncStatements(sync, gate),
    bridge: sqliteBridge(db, gate),
    engine: 'sqlite',
    shown: db.path,
    readonly: db.readonly,
    get schemaVersion() {
      return db.schemaVersion;
    },
    async transaction(fn) {
      await waitForOpen();
      // A synchronous caller's better-sqlite3 transaction is open (a job called from inside
      // one): join it, as `atomically` does.
      if (sqlite.inTransaction) return fn(inTransaction);
      let end!: () => void;
      open = new Promise((resolve) => (end = resolve));
      try {
        // Inside the try: a BEGIN that fails (busy past the timeout) still ends the gate.
        sqlite.exec(db.readonly ? 'BEGIN' : 'BEGIN IMMEDIATE');
        const result = await fn(inTransaction);
        sqlite.exec('COMMIT');
        return result;
      } catch (err) {
        if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
        throw err;
      } finally {
        open = undefined;
        end();
      }
    },
    async acquireLock(name, owner, ttlMs, options) {
      await waitForOpen();
      return acquireLock(db, name, owner, ttlMs, options);
    },
    async refreshLock(name, owner, ttlMs) {
      await waitForOpen();
      return refreshLock(db, name, owner, ttlMs);
    },
    async releaseLock(name, owner) {
      await waitForOpen();
      return releaseLock(db, name, owner);
    },
    markForRepairBeside: async (repair, clock) => markForRepairBeside(db, repair, clock),
    statusSnapshot: async (configured, since) => statusSnapshot(db, configured, since),
    applyRetention: async (days, now) => applyRetention(db, days, now),
    runHistory: async (limit) => listRunHistory(db, limit),
    liveTags: async (locationId) => liveTags(db, locationId),
    availableColumns: async (kind) => availableColumns(db, kind),
    exportRows: async (kind, columns, rule) => exportRows(db, kind, columns, rule) as IterableIterator<ExportCell[]>,
    recordExportStart: async (run, clock) => recordExportStart(db, run, clock),
    recordExportEnd: async (id, outcome, clock) => recordExportEnd(db, id, outcome, clock),
    tagFilesWritten: async (kind) => tagFilesWritten(db, kind),
    tagsNotInMirror: async (tags) => tagsNotInMirror(db, tags),
    locationInMirror: async (locationId) => locationInMirror(db, locationId),
    // ---- the MCP face's reads and the contact view (mcp-pg)
    mcpReads: () => sqliteMcpReads(db),
    unported: () => db,
    // ---- pg-rest: each after any open async transaction, as the statements above
    oauthTokenRow: async (locationId) => (await waitForOpen(), getOAuthTokenRow(db, locationId)),
    oauthTokenRows: async () => (await waitForOpen(), listOAuthTokenRows(db)),
    saveOAuthTokenRow: async (locationId, values) => (await waitForOpen(), saveOAuthTokenRow(db, locationId, values)),
    setOAuthTokenStatus: async (...a) => (await waitForOpen(), setOAuthTokenStatus(db, ...a)),
    deleteOAuthTokenRows: async (locationId) => (await waitForOpen(), deleteOAuthTokenRows(db, locationId)),
    contactView: async (id) => (await waitForOpen(), contactView(db, id)),
    userName: async (locationId, userId) => (await waitForOpen(), userName(db, locationId, userId)),
    countPurgeable: async (before) => (await waitForOpen(), countPurgeable(db, before)),
    purgeDeleted: async (before, options) => (await waitForOpen(), purgeDeleted(db, before, options)),
    recordDrift: async (locationId, seen, clock) => (await waitForOpen(), recordDrift(db, locationId, seen, clock)),
    probeWriteLock: async () => probeWriteLock(db),
    segmentContactIds: async (rule) => (await waitForOpen(), segmentContactIds(db, rule)),
    mirroredTags: async (contactId) => (await waitForOpen(), mirroredTags(db, contactId)),
    writeContactTags: async (changes, clock) => (await waitForOpen(), writeContactTags(db, changes, clock)),
    writeContactsBusiness: async (ids, businessId, clock) => (await waitForOpen(), writeContactsBusiness(db, ids, businessId, clock)),
    contactsWideCustomColumns: async () => (await waitForOpen(), contactsWideCustomColumns(db)),
    // Each process paces alone on SQLite (one machine; the sync holds the database lock).
    reserveRequests: undefined,
    async close() {
      db.close();
    },
  };
  mirrors.set(db, mirror);
  return mirror;
}

/** The mirror a job was given: a Mirror as it is, a SQLite `Db` (callers not yet ported) wrapped. */
export function mirrorOf(db: Db | Mirror): Mirror {
  return isMirror(db) ? db : sqliteMirror(db);
}
