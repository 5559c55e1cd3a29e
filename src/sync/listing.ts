// The listing pass and, after a complete one, the deletion sweep.
//
// Each page of contacts is upserted in ONE transaction together with the checkpoint (the cursor
// of the next page), so a kill at any moment resumes exactly there. Contacts carry the id of
// the run that STARTED the pass: a pass resumed over several runs must still tell seen from
// unseen in one comparison (markContactsDeleted).
import { contactToRow, type HighLevelContact } from '../db/rows.ts';
import { followCursor } from '../ghl/paging.ts';
import { clearPass, writePass, type ListCursor, type PassState } from './checkpoint.ts';
import type { LocationRun, SyncClient } from './context.ts';
import { MassDeleteRefusedError } from './errors.ts';
import { decideDeletion, rollingShareSize } from './plan.ts';
import type { Lister } from './summary.ts';

interface ListedPage {
  contacts: HighLevelContact[];
  total: number;
  next: ListCursor | undefined;
  /** When its request was sent: what the mirror changed since is newer than the page. */
  readAt: string;
}

export async function listingPass(run: LocationRun): Promise<void> {
  const { db, locationId, summary, now } = run;
  const lister = run.pass.lister;
  const pageSize = run.opts.pageSize ?? (lister === 'search' ? 500 : 100);
  const pages = followCursor<ListedPage, ListCursor>({
    start: run.pass.cursor,
    // The next page is on its way while this one is written (one request spent for nothing when
    // the pass stops early).
    readAhead: true,
    fetchPage: async (cursor) => {
      const readAt = now().toISOString();
      return { ...(await fetchContacts(run.client, locationId, lister, pageSize, cursor)), readAt };
    },
    nextCursor: (page) => page.next,
    operation: { name: 'syncLocation', method: lister === 'list' ? 'GET' : 'POST', path: lister === 'list' ? '/contacts/' : '/contacts/search', locationId },
  });
  run.checkAbort();
  for await (const page of pages) {
    const rows = page.contacts.map((c) => contactToRow(c, locationId));
    const next: PassState = { ...run.pass, cursor: page.next, listed: (run.pass.listed ?? 0) + rows.length };
    const outcome = await db.transaction(async (tx) => {
      const result = await tx.upsertContacts(rows, run.pass.passRunId, now, { readAt: page.readAt });
      await writePass(tx, locationId, next, now);
      return result;
    });
    run.pass = next;
    summary.pages += 1;
    summary.contactsSeen += rows.length;
    summary.contactsNew += outcome.new;
    summary.contactsUpdated += outcome.updated;
    // Counted over the whole pass: a resumed run's bar starts where the interrupted one stopped.
    run.showProgress('contacts', next.listed ?? summary.contactsSeen, page.total);
    // Stops before the next page is fetched; the one just saved is checkpointed.
    if (page.next) run.checkAbort();
  }
}

/**
 * The pass is complete: soft-delete what it did not see, guarded by sync.maxDeleteShare, in the
 * transaction that moves the checkpoint to the children phase. A refusal deletes nothing and
 * forgets the pass (the next run lists afresh rather than trusting a suspicious listing); the
 * pages already saved stay saved, new contacts included.
 */
export async function deletionSweep(run: LocationRun): Promise<void> {
  const { db, locationId, summary, now, opts } = run;
  const live = await db.countLiveContacts(locationId);
  const missing = await db.countUnseenContacts(locationId, run.pass.passRunId, run.pass.startedAt);
  const { maxDeleteShare, rollingDays } = opts.config.sync;
  const decision = decideDeletion({ live, missing, maxShare: maxDeleteShare, allowMassDelete: opts.allowMassDelete ?? false });
  if (!decision.allowed) {
    await clearPass(db, locationId);
    throw new MassDeleteRefusedError(locationId, missing, live, maxDeleteShare, summary.contactsNew);
  }
  const childrenPhase: PassState = {
    ...run.pass, phase: 'children', cursor: undefined, childrenSince: now().toISOString(),
    rollingLeft: run.pass.full ? 0 : rollingShareSize(live - missing, rollingDays),
  };
  summary.contactsDeleted = await db.transaction(async (tx) => {
    const deleted = await tx.markContactsDeleted(locationId, run.pass.passRunId, now, run.pass.startedAt);
    await writePass(tx, locationId, childrenPhase, now);
    return deleted;
  });
  run.pass = childrenPhase;
  summary.listingComplete = true;
  run.logger.info({ pages: summary.pages, seen: summary.contactsSeen, deleted: summary.contactsDeleted }, 'listing pass complete');
}

async function fetchContacts(client: SyncClient, locationId: string, lister: Lister, pageSize: number, cursor: ListCursor | undefined): Promise<Omit<ListedPage, 'readAt'>> {
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
