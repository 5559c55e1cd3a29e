// One location's sync, Nango style: fetch a page, save the batch, checkpoint; repeat.
//
//   1. custom field definitions (contacts_wide rebuilt when they changed);
//   2. the listing pass: each page of contacts is upserted in ONE transaction together with the
//      checkpoint (the cursor of the next page), so a kill at any moment resumes exactly there;
//   3. after a COMPLETE pass only, contacts the pass did not see are soft-deleted (guarded by
//      sync.maxDeleteShare), in the transaction that moves the checkpoint to the children phase;
//   4. tasks and notes of new and changed contacts, plus a rolling share of the rest, in batches,
//      each batch saved with the checkpoint;
//   5. the checkpoint is cleared and the run recorded in sync_runs.
//
// Nothing here holds the whole location in memory: the state lives in SQLite between pages.
// Every call is a read, so a request repeated after a crash or a fault is harmless.
import pLimit from 'p-limit';
import type { SyncProgress } from './progress.ts';
import type { Config } from '../config/schema.ts';
import {
  contactsNeedingChildren, countContactsNeedingChildren, type ContactNeedingChildren, countLiveContacts, countUnseenContacts, markContactsDeleted,
  replaceContactChildren, systemClock, upsertContacts, upsertCustomFieldDefinitions, upsertLocation,
} from '../db/mirror.ts';
import type { Db } from '../db/open.ts';
import {
  contactToRow, customFieldToRow, noteToRow, taskToRow,
  type HighLevelContact, type HighLevelNote, type HighLevelTask,
} from '../db/rows.ts';
import { abandonStaleRuns, finishRun, startRun, updateRun, type SyncRunCounters } from '../db/runs.ts';
import { AuthError, CursorStuckError, DailyBudgetExhaustedError, NotFoundError, ValidationError } from '../ghl/errors.ts';
import type { GhlClient } from '../ghl/index.ts';
import { log } from '../log.ts';
import { clearPass, readPass, writePass, type ListCursor, type PassState } from './checkpoint.ts';
import { MassDeleteRefusedError, SyncInterruptedError } from './errors.ts';
import { decideDeletion, rollingCutoff, rollingShareSize } from './plan.ts';

export type Lister = 'list' | 'search';
/** How tasks are fetched: the location task search batched by contact ids, or one call per contact. */
export type TasksVia = 'search' | 'contact';

/** The client functions a sync uses (all reads). */
export type SyncClient = Pick<
  GhlClient,
  'fetchContactPage' | 'searchContactPage' | 'listCustomFields' | 'listContactTasks' | 'searchLocationTasks' | 'listContactNotes' | 'stats'
>;

export interface SyncLocationOptions {
  db: Db;
  client: SyncClient;
  locationId: string;
  /** Re-read every contact's tasks and notes (the listing and deletions are the same either way). */
  full: boolean;
  lister: Lister;
  config: Pick<Config, 'sync'>;
  progress?: SyncProgress;
  signal?: AbortSignal;
  allowMassDelete?: boolean;
  /** Default 'search' (fewer calls: see test/bench/sync.ts). */
  tasksVia?: TasksVia;
  /** Contacts per listing page: 100 for GET /contacts/ (its maximum), up to 500 for search. */
  pageSize?: number;
  /** Contacts per children batch (one task search + one notes call each, one transaction). */
  childrenBatch?: number;
  locationName?: string;
  now?: () => Date;
  /** Runs in the transaction that clears the checkpoint of a completed pass (syncAll's round). */
  onComplete?: () => void;
}

export type RunStatus = 'ok' | 'failed' | 'interrupted' | 'budget';

export interface RunSummary extends SyncRunCounters {
  runId: number;
  locationId: string;
  mode: 'full' | 'incremental';
  lister: Lister;
  status: RunStatus;
  /** This run continued a listing pass or children phase an earlier run left unfinished. */
  resumed: boolean;
  /** The listing pass completed in this run (deletions were applied). */
  listingComplete: boolean;
  pages: number;
  /** Contacts whose tasks and notes were fetched. */
  childrenFetched: number;
  tasksDeleted: number;
  notesDeleted: number;
  customFieldsChanged: boolean;
  waitedMs: number;
  durationMs: number;
  error?: string;
}

const TASK_SEARCH_LIMIT = 100;
/** Due contacts read from the mirror at once in the children phase (see the loop). */
const DUE_READ_AHEAD = 1000;

export async function syncLocation(opts: SyncLocationOptions): Promise<RunSummary> {
  const { db, client, locationId, lister } = opts;
  const now = opts.now ?? systemClock;
  const started = Date.now();
  const mode = opts.full ? 'full' : 'incremental';
  const pageSize = opts.pageSize ?? (lister === 'search' ? 500 : 100);
  const batchSize = opts.childrenBatch ?? 50;
  const tasksVia = opts.tasksVia ?? 'search';
  const logger = log().child({ locationId, mode, lister });

  upsertLocation(db, { id: locationId, ...(opts.locationName ? { name: opts.locationName } : {}) }, null, now);
  // The lock proves runs still marked 'running' are not running now.
  abandonStaleRuns(db, locationId, now);
  const runId = startRun(db, { locationId, mode }, now);
  const statsAtStart = locationStats(client, locationId);

  const summary: RunSummary = {
    runId, locationId, mode, lister, status: 'ok', resumed: false, listingComplete: false, pages: 0,
    contactsSeen: 0, contactsNew: 0, contactsUpdated: 0, contactsDeleted: 0, tasks: 0, notes: 0,
    apiCalls: 0, retries: 0, rateLimited: 0, childrenFetched: 0, tasksDeleted: 0, notesDeleted: 0,
    customFieldsChanged: false, waitedMs: 0, durationMs: 0,
  };
  const refreshCallCounts = () => {
    const s = locationStats(client, locationId);
    summary.apiCalls = s.requests - statsAtStart.requests;
    summary.retries = s.retries - statsAtStart.retries;
    summary.rateLimited = s.rateLimited - statsAtStart.rateLimited;
    summary.waitedMs = s.waitedMs - statsAtStart.waitedMs;
  };
  const checkAbort = () => {
    if (opts.signal?.aborted) throw new SyncInterruptedError();
  };
  const showProgress = (label: string, done: number, total?: number) => {
    refreshCallCounts();
    opts.progress?.update({
      label: `${locationId} ${label}`, done, ...(total !== undefined ? { total } : {}),
      counts: { pages: summary.pages, contacts: summary.contactsSeen, children: summary.childrenFetched, calls: summary.apiCalls },
      waitedMs: summary.waitedMs,
    });
  };

  logger.info({ runId }, 'sync started');
  try {
    checkAbort();
    // 1. Custom field definitions: one call; contacts_wide follows them.
    const defs = await client.listCustomFields(locationId);
    summary.customFieldsChanged = upsertCustomFieldDefinitions(db, locationId, defs.map((d) => customFieldToRow(d, locationId)), runId, now);

    // Resume an unfinished pass, or start one. A pass cut short under another lister cannot
    // continue (the cursors differ): start over.
    let pass = readPass(db, locationId);
    if (pass && pass.phase === 'listing' && pass.lister !== lister) pass = undefined;
    if (pass) {
      summary.resumed = true;
      if (opts.full && !pass.full) pass = { ...pass, full: true, childrenSince: now().toISOString() };
      logger.info({ passRunId: pass.passRunId, phase: pass.phase }, 'resuming from checkpoint');
    } else {
      pass = { passRunId: runId, startedAt: now().toISOString(), lister, phase: 'listing', full: opts.full };
    }
    writePass(db, locationId, pass, now);

    // 2. The listing pass.
    if (pass.phase === 'listing') {
      let cursor = pass.cursor;
      const seenCursors = new Set<string>();
      let total: number | undefined;
      for (;;) {
        checkAbort();
        const page = await fetchContacts(client, locationId, lister, pageSize, cursor);
        total = page.total;
        const rows = page.contacts.map((c) => contactToRow(c, locationId));
        const listingPass: PassState = page.next ? { ...pass, cursor: page.next } : { ...pass, cursor: undefined };
        // Contacts carry the id of the run that STARTED the pass: a pass resumed over several
        // runs must still tell seen from unseen in one comparison (markContactsDeleted).
        const outcome = db.transaction(() => {
          const result = upsertContacts(db, rows, pass!.passRunId, now);
          writePass(db, locationId, listingPass, now);
          return result;
        });
        pass = listingPass;
        summary.pages += 1;
        summary.contactsSeen += rows.length;
        summary.contactsNew += outcome.new;
        summary.contactsUpdated += outcome.updated;
        showProgress('contacts', summary.contactsSeen, total);
        if (!page.next) break;
        const key = JSON.stringify(page.next);
        if (seenCursors.has(key)) {
          throw new CursorStuckError(`paging cursor ${key} did not advance`, {
            operation: { name: 'syncLocation', method: lister === 'list' ? 'GET' : 'POST', path: lister === 'list' ? '/contacts/' : '/contacts/search', locationId },
          });
        }
        seenCursors.add(key);
        cursor = page.next;
      }

      // 3. The pass is complete: sweep what it did not see, guarded.
      const live = countLiveContacts(db, locationId);
      const missing = countUnseenContacts(db, locationId, pass.passRunId);
      const decision = decideDeletion({ live, missing, maxShare: opts.config.sync.maxDeleteShare, allowMassDelete: opts.allowMassDelete ?? false });
      if (!decision.allowed) {
        // Forget the pass: the next run lists afresh rather than trusting a suspicious listing.
        clearPass(db, locationId);
        throw new MassDeleteRefusedError(locationId, missing, live, opts.config.sync.maxDeleteShare);
      }
      const childrenPhase: PassState = {
        ...pass, phase: 'children', cursor: undefined, childrenSince: now().toISOString(),
        rollingLeft: pass.full ? 0 : rollingShareSize(live - missing, opts.config.sync.rollingDays),
      };
      summary.contactsDeleted = db.transaction(() => {
        const deleted = markContactsDeleted(db, locationId, pass!.passRunId, now);
        writePass(db, locationId, childrenPhase, now);
        return deleted;
      });
      pass = childrenPhase;
      summary.listingComplete = true;
      logger.info({ pages: summary.pages, seen: summary.contactsSeen, deleted: summary.contactsDeleted }, 'listing pass complete');
    }

    // 4. Tasks and notes.
    const since = pass.childrenSince ?? now().toISOString();
    const cutoff = pass.full ? since : rollingCutoff(now(), opts.config.sync.rollingDays);
    // For the progress total: the rolling share only draws on contacts not already due.
    const due = countContactsNeedingChildren(db, locationId, cutoff);
    const planned = due + Math.min(pass.rollingLeft ?? 0, Math.max(0, countLiveContacts(db, locationId) - due));
    const limit = pLimit(opts.config.sync.concurrency);
    // The due contacts are read DUE_READ_AHEAD at a time, not batchSize: each read scans and sorts
    // every live contact of the location, so reading per batch made the phase quadratic (a
    // quarter of a 20,000-contact sync's CPU). Reading ahead picks the same contacts in the same
    // order: a saved batch leaves the due set (children_synced_at is now, past both cutoffs), no
    // one else writes the location meanwhile (the lock), and a batch that fails ends the loop.
    // For the same reasons, once no contact is due none becomes due during the rolling share.
    let dueAhead: ContactNeedingChildren[] = [];
    let dueLeft = true;
    let rollingAhead: ContactNeedingChildren[] = [];
    for (;;) {
      checkAbort();
      let rolling = false;
      if (dueAhead.length === 0 && dueLeft) {
        dueAhead = contactsNeedingChildren(db, locationId, { rollingCutoff: cutoff, limit: DUE_READ_AHEAD });
        dueLeft = dueAhead.length > 0;
      }
      let batch = dueAhead.splice(0, batchSize);
      if (batch.length === 0 && (pass.rollingLeft ?? 0) > 0) {
        // The rolling share: the contacts whose children were read longest ago (before this phase).
        rolling = true;
        if (rollingAhead.length === 0) {
          rollingAhead = contactsNeedingChildren(db, locationId, { rollingCutoff: since, limit: Math.min(DUE_READ_AHEAD, pass.rollingLeft ?? 0) });
        }
        batch = rollingAhead.splice(0, Math.min(batchSize, pass.rollingLeft ?? 0));
        if (batch.length === 0) pass = { ...pass, rollingLeft: 0 };
      }
      if (batch.length === 0) break;

      const ids = batch.map((c) => c.id);
      const [tasksByContact, notesResults] = await Promise.all([
        fetchTasks(client, locationId, ids, tasksVia, limit),
        // Settled one by one: when the daily budget or a failure stops the batch half way, the
        // contacts whose notes did arrive are still saved, so a tight budget makes progress
        // from run to run instead of fetching the same batch every night.
        Promise.allSettled(ids.map((id) => limit(() => fetchNotesOrGone(client, locationId, id)))),
      ]);
      const fetched = batch.flatMap((contact, i) => {
        const notes = notesResults[i];
        return notes?.status === 'fulfilled' ? [{ contact, notes: notes.value }] : [];
      });
      const failure = notesResults.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      const next: PassState = rolling ? { ...pass, rollingLeft: Math.max(0, (pass.rollingLeft ?? 0) - fetched.length) } : pass;
      db.transaction(() => {
        for (const { contact, notes } of fetched) {
          const tasks = tasksByContact.get(contact.id) ?? [];
          const result = replaceContactChildren(
            db, contact.id,
            tasks.map((t) => taskToRow(t, contact.id, locationId)),
            notes.map((n) => noteToRow(n, contact.id, locationId)),
            runId, { contactDateUpdated: contact.dateUpdated, clock: now },
          );
          summary.tasks += result.tasksUpserted;
          summary.notes += result.notesUpserted;
          summary.tasksDeleted += result.tasksDeleted;
          summary.notesDeleted += result.notesDeleted;
        }
        writePass(db, locationId, next, now);
        updateRun(db, runId, { tasks: summary.tasks, notes: summary.notes });
      });
      pass = next;
      summary.childrenFetched += fetched.length;
      if (failure) throw failure.reason;
      showProgress('tasks+notes', summary.childrenFetched, Math.max(planned, summary.childrenFetched));
    }

    // 5. Done: the next run starts a new pass.
    db.transaction(() => {
      clearPass(db, locationId);
      opts.onComplete?.();
    });
  } catch (err) {
    summary.status = statusOf(err);
    summary.error = explainFailure(err, locationId);
  } finally {
    refreshCallCounts();
    summary.durationMs = Date.now() - started;
    // finishRun keeps the sync_runs counters of the summary and ignores its other fields.
    finishRun(db, runId, { ...summary, error: summary.error ?? null }, now);
    const level = summary.status === 'ok' ? 'info' : summary.status === 'failed' ? 'error' : 'warn';
    logger[level]({ ...summary }, `sync ${summary.status}`);
  }
  return summary;
}

function statusOf(err: unknown): RunStatus {
  if (err instanceof SyncInterruptedError) return 'interrupted';
  if (err instanceof DailyBudgetExhaustedError) return 'budget';
  return 'failed';
}

/** One line that names the fix where there is one. */
function explainFailure(err: unknown, locationId: string): string {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof AuthError) {
    return `${message}: HighLevel refused the token of location ${locationId}; check GHL_TOKEN / locations[].token ` +
      '(a Private Integration Token with the contacts, custom fields and tasks read scopes) or run `ghl-etl auth login`';
  }
  return message;
}

function locationStats(client: SyncClient, locationId: string) {
  return client.stats().byLocation[locationId] ?? { requests: 0, retries: 0, rateLimited: 0, waitedMs: 0 };
}

interface FetchedPage {
  contacts: HighLevelContact[];
  total: number;
  next: ListCursor | undefined;
}

async function fetchContacts(client: SyncClient, locationId: string, lister: Lister, pageSize: number, cursor: ListCursor | undefined): Promise<FetchedPage> {
  if (lister === 'list') {
    const at = cursor && 'startAfterId' in cursor ? cursor : undefined;
    const page = await client.fetchContactPage(locationId, { limit: pageSize, ...(at ? { startAfter: at.startAfter, startAfterId: at.startAfterId } : {}) });
    return { contacts: page.contacts, total: page.total, next: page.next };
  }
  const searchAfter = cursor && 'searchAfter' in cursor ? cursor.searchAfter : undefined;
  const page = await client.searchContactPage({ locationId, pageLimit: pageSize, ...(searchAfter ? { searchAfter } : {}) } as Parameters<SyncClient['searchContactPage']>[0]);
  // `searchAfter` on each hit is the search's paging cursor, not contact data: the mirror keeps
  // the contact as GET /contacts/ returns it, so both listers store identical rows.
  const contacts = page.contacts.map(({ searchAfter: _cursor, ...contact }): HighLevelContact => contact);
  return { contacts, total: page.total, next: page.searchAfter ? { searchAfter: page.searchAfter } : undefined };
}

/** A contact deleted in HighLevel since the listing answers 404 (or 400 "Contact not found"). */
function isGone(err: unknown): boolean {
  return err instanceof NotFoundError || (err instanceof ValidationError && /not found/i.test(err.message));
}

async function fetchNotesOrGone(client: SyncClient, locationId: string, contactId: string): Promise<HighLevelNote[]> {
  try {
    return await client.listContactNotes(locationId, contactId);
  } catch (err) {
    // Its children are gone with it; the next complete listing pass soft-deletes the contact.
    if (isGone(err)) return [];
    throw err;
  }
}

async function fetchTasks(
  client: SyncClient, locationId: string, contactIds: string[], via: TasksVia, limit: ReturnType<typeof pLimit>,
): Promise<Map<string, HighLevelTask[]>> {
  const byContact = new Map<string, HighLevelTask[]>(contactIds.map((id) => [id, []]));
  if (via === 'contact') {
    await Promise.all(contactIds.map((id) => limit(async () => {
      try {
        byContact.set(id, await client.listContactTasks(locationId, id));
      } catch (err) {
        if (!isGone(err)) throw err;
      }
    })));
    return byContact;
  }
  // One search for the whole batch, paged with skip until a short page.
  for (let skip = 0; ; skip += TASK_SEARCH_LIMIT) {
    const page = await limit(() => client.searchLocationTasks(locationId, { contactId: contactIds, skip, limit: TASK_SEARCH_LIMIT }));
    for (const task of page.tasks) {
      const owner = typeof task.contactId === 'string' ? byContact.get(task.contactId) : undefined;
      owner?.push(task);
    }
    if (page.tasks.length < TASK_SEARCH_LIMIT) break;
  }
  return byContact;
}
