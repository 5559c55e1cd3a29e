// The children phase: notes of new and changed contacts, of the contacts webhook events named,
// plus a rolling share of the rest (webhooks.ts decides its size), in batches, each batch saved in
// one transaction with the checkpoint. Tasks come from the location-wide task search (tasks.ts);
// only a token without its scope reads them here, one contact at a time, with the notes.
import pLimit from 'p-limit';
import type { ContactNeedingChildren } from '../db/due.ts';
import { noteToRow, taskToRow, type HighLevelNote, type HighLevelTask } from '../db/rows.ts';
import { isGhlError, ValidationError } from '../ghl/errors.ts';
import { writePass, type PassState } from './checkpoint.ts';
import type { LocationRun } from './context.ts';
import { rollingCutoff } from './plan.ts';

/** Due contacts read from the mirror at once (each read is an index walk: see db/due.ts). */
const DUE_READ_AHEAD = 1000;

type Limit = ReturnType<typeof pLimit>;

export async function childrenPhase(run: LocationRun): Promise<void> {
  const { db, locationId, summary, now, opts } = run;
  const batchSize = opts.childrenBatch ?? 50;
  const since = run.pass.childrenSince ?? now().toISOString();
  const cutoff = run.pass.full ? since : rollingCutoff(now(), run.pass.notes?.every ?? opts.config.sync.rollingDays);
  // For the progress total: the rolling share only draws on contacts not already due.
  const due = await db.countContactsNeedingChildren(locationId, cutoff);
  const planned = due + Math.min(run.pass.rollingLeft ?? 0, Math.max(0, (await db.countLiveContacts(locationId)) - due));
  const limit = pLimit(opts.config.sync.concurrency);
  // Reading ahead picks the same contacts in the same order as reading per batch: a saved batch
  // leaves the due set (children_synced_at is now, past both cutoffs), no one else writes the
  // location meanwhile (the lock), and a batch that fails ends the loop. For the same reasons,
  // once no contact is due none becomes due during the rolling share. The batch fetched ahead
  // (see below) is saved before every read, so a read never returns a contact in flight.
  let dueAhead: ContactNeedingChildren[] = [];
  let dueLeft = true;
  let rollingAhead: ContactNeedingChildren[] = [];
  // One batch is fetched while the one before it finishes and is saved: the requests of the
  // batch's slowest contacts and the write no longer leave the connections idle. Batches are
  // saved in order, so the checkpoint's rolling count only ever moves forward.
  let pending: FetchingBatch | undefined;
  const savePending = async (): Promise<void> => {
    const batch = pending;
    pending = undefined;
    if (batch) await saveBatch(run, batch, await batch.result);
  };
  try {
    for (;;) {
      run.checkAbort();
      let rolling = false;
      if (dueAhead.length === 0 && dueLeft) {
        await savePending();
        dueAhead = await db.contactsNeedingChildren(locationId, { rollingCutoff: cutoff, limit: DUE_READ_AHEAD });
        dueLeft = dueAhead.length > 0;
      }
      let batch = dueAhead.splice(0, batchSize);
      // The rolling share left once the batch in flight is saved.
      const rollingLeft = (run.pass.rollingLeft ?? 0) - (pending?.rolling ? pending.contacts.length : 0);
      if (batch.length === 0 && rollingLeft > 0) {
        // The rolling share: the contacts whose children were read longest ago (before this phase).
        rolling = true;
        if (rollingAhead.length === 0) {
          await savePending();
          rollingAhead = await db.contactsNeedingChildren(locationId, { rollingCutoff: since, limit: Math.min(DUE_READ_AHEAD, run.pass.rollingLeft ?? 0) });
        }
        batch = rollingAhead.splice(0, Math.min(batchSize, rollingLeft));
      }
      if (batch.length === 0) {
        await savePending();
        if (rolling) run.pass = { ...run.pass, rollingLeft: 0 };
        break;
      }
      // The next batch starts once the batch before it has its tasks (read per contact when the
      // token lacks the task search's scope; otherwise at once): a failed task read starts nothing more.
      if (pending && 'error' in (await pending.tasks)) await savePending();
      const previous = pending;
      pending = fetchBatch(run, batch, rolling, limit);
      if (previous) await saveBatch(run, previous, await previous.result);
      run.showProgress('tasks+notes', summary.childrenFetched, Math.max(planned, summary.childrenFetched));
    }
  } finally {
    // Stopped by an interrupt or a failed batch: what the batch in flight did fetch is saved too,
    // so its calls are not spent for nothing. Its own failure, if any, is the lesser news.
    if (pending) await savePending().catch(() => undefined);
  }
}

interface FetchingBatch {
  contacts: ContactNeedingChildren[];
  rolling: boolean;
  /** When its first request was sent: the mirror's changes since are newer than its lists. */
  readAt: string;
  tasks: Promise<TasksRead>;
  result: Promise<FetchedBatch>;
}

/** The batch's tasks by contact; undefined when the task search reads them (tasks.ts). */
type TasksRead = { value: Map<string, HighLevelTask[]> | undefined } | { error: unknown };

interface FetchedBatch {
  tasksByContact: Map<string, HighLevelTask[]> | undefined;
  /** Per contact, in batch order: its notes, or undefined when they did not arrive. */
  notes: Array<HighLevelNote[] | undefined>;
  /** The first failure, thrown once what did arrive is saved. */
  failure?: unknown;
}

/** Starts the batch's reads, its tasks queued ahead of its notes. Neither promise rejects. */
function fetchBatch(run: LocationRun, contacts: ContactNeedingChildren[], rolling: boolean, limit: Limit): FetchingBatch {
  const ids = contacts.map((c) => c.id);
  const readAt = run.now().toISOString();
  const tasks = fetchTasks(run, ids, limit).then((value): TasksRead => ({ value }), (error: unknown): TasksRead => ({ error }));
  return { contacts, rolling, readAt, tasks, result: collectBatch(run, ids, tasks, limit) };
}

async function collectBatch(run: LocationRun, ids: string[], tasksRead: Promise<TasksRead>, limit: Limit): Promise<FetchedBatch> {
  const [tasks, notesResults] = await Promise.all([
    tasksRead,
    // Settled one by one: when the daily budget or a failure stops the batch half way, the
    // contacts whose notes did arrive are still saved, so a tight budget makes progress from
    // run to run instead of fetching the same batch every night.
    Promise.allSettled(ids.map((id) => limit(() => fetchNotesOrGone(run, id)))),
  ]);
  const notesFailure = notesResults.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  // Without the batch's tasks nothing of it is saved: a contact saved with its notes but not its
  // tasks would count as read.
  if ('error' in tasks) return { tasksByContact: undefined, notes: ids.map(() => undefined), failure: tasks.error };
  return {
    tasksByContact: tasks.value,
    notes: notesResults.map((r) => (r.status === 'fulfilled' ? r.value : undefined)),
    ...(notesFailure ? { failure: notesFailure.reason } : {}),
  };
}

async function saveBatch(run: LocationRun, batch: FetchingBatch, result: FetchedBatch): Promise<void> {
  const { db, locationId, summary, now } = run;
  const fetched = batch.contacts.flatMap((contact, i) => {
    const notes = result.notes[i];
    return notes ? [{ contact, notes }] : [];
  });
  const next: PassState = batch.rolling ? { ...run.pass, rollingLeft: Math.max(0, (run.pass.rollingLeft ?? 0) - fetched.length) } : run.pass;
  await db.transaction(async (tx) => {
    const saved = await tx.saveChildren(fetched.map(({ contact, notes }) => ({
      contactId: contact.id,
      tasks: result.tasksByContact ? (result.tasksByContact.get(contact.id) ?? []).map((t) => taskToRow(t, contact.id, locationId)) : undefined,
      notes: notes.map((n) => noteToRow(n, contact.id, locationId)),
      contactDateUpdated: contact.dateUpdated,
    })), run.runId, now, { readAt: batch.readAt });
    summary.tasks += saved.tasksUpserted;
    summary.notes += saved.notesUpserted;
    summary.tasksDeleted += saved.tasksDeleted;
    summary.notesDeleted += saved.notesDeleted;
    await writePass(tx, locationId, next, now);
    await tx.updateRun(run.runId, { tasks: summary.tasks, notes: summary.notes });
  });
  run.pass = next;
  summary.childrenFetched += fetched.length;
  if ('failure' in result) throw result.failure;
}

/** A contact deleted in HighLevel since the listing answers 404 (or 400 "Contact not found"). */
function isGone(err: unknown): boolean {
  return isGhlError(err, 'not-found') || (err instanceof ValidationError && /not found/i.test(err.message));
}

async function fetchNotesOrGone(run: LocationRun, contactId: string): Promise<HighLevelNote[]> {
  try {
    return await run.client.listContactNotes(run.locationId, contactId);
  } catch (err) {
    // Its children are gone with it; the next complete listing pass soft-deletes the contact.
    if (isGone(err)) return [];
    throw err;
  }
}

/**
 * The batch's tasks by contact when tasks are read one contact at a time (a token without the
 * task search's scope, found out by tasks.ts); otherwise undefined: the task search read them.
 */
async function fetchTasks(run: LocationRun, contactIds: string[], limit: Limit): Promise<Map<string, HighLevelTask[]> | undefined> {
  const { client, locationId, summary } = run;
  if (summary.tasksVia === 'search') return undefined;
  const byContact = new Map<string, HighLevelTask[]>(contactIds.map((id) => [id, []]));
  await Promise.all(contactIds.map((id) => limit(async () => {
    try {
      byContact.set(id, await client.listContactTasks(locationId, id));
    } catch (err) {
      if (!isGone(err)) throw err;
    }
  })));
  return byContact;
}
