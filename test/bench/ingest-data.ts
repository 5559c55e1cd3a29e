// The pages the ingest benches write (ingest.ts into SQLite, pg-ingest.ts into PostgreSQL): one
// seeded location as the sandbox would serve it, cut into the sync's listing pages and its
// tasks-and-notes batches; and the listing pass's writes, the same through either engine's Mirror.
import type { Mirror } from '../../src/db/mirror.ts';
import {
  contactToRow, customFieldToRow, type CustomFieldRow, type HighLevelContact, type HighLevelCustomField, type HighLevelNote, type HighLevelTask,
} from '../../src/db/rows.ts';
import { createSandboxStore } from '../../src/sandbox/store.ts';
import { writePass, type PassState } from '../../src/sync/checkpoint.ts';

export const PAGE = 100;
export const CHILDREN_BATCH = 50;

export interface IngestData {
  locationId: string;
  contacts: HighLevelContact[];
  tasks: HighLevelTask[];
  tasksOf: Map<string, HighLevelTask[]>;
  notesOf: Map<string, HighLevelNote[]>;
  defs: CustomFieldRow[];
  /** Contacts by listing page (PAGE) and by children batch (CHILDREN_BATCH). */
  pages: HighLevelContact[][];
  batches: HighLevelContact[][];
}

export function ingestData(contactCount: number): IngestData {
  const store = createSandboxStore({ seed: 5, locations: 1, contactsPerLocation: contactCount });
  const locationId = store.locations()[0]!.id;
  const state = store.state(locationId);
  const contacts = state.contacts as unknown as HighLevelContact[];
  const tasks = state.tasks as unknown as HighLevelTask[];
  return {
    locationId,
    contacts,
    tasks,
    tasksOf: groupBy(tasks, (t) => t.contactId as string),
    notesOf: groupBy(state.notes as unknown as HighLevelNote[], (n) => n.contactId as string),
    defs: (state.customFields as unknown as HighLevelCustomField[]).map((f) => customFieldToRow(f, locationId)),
    pages: chunk(contacts, PAGE),
    batches: chunk(contacts, CHILDREN_BATCH),
  };
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** As the sync's listing pass does: each page shaped and upserted with its checkpoint, one transaction per page. */
export async function saveListingPages(db: Mirror, locationId: string, pages: HighLevelContact[][], runId: number, pass: Omit<PassState, 'phase'>): Promise<void> {
  for (const page of pages) {
    const rows = page.map((c) => contactToRow(c, locationId));
    await db.transaction(async (tx) => {
      await tx.upsertContacts(rows, runId);
      await writePass(tx, locationId, { ...pass, phase: 'listing', cursor: { startAfter: 0, startAfterId: rows.at(-1)!.id } });
    });
  }
}
