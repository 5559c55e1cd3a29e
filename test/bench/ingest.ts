// Bench `ingest`: rows/s of the sync's upsert stage over the write floor, both on pages already
// fetched (no HTTP), in this one process.
//   stage: what the sync does with each page: shape the JSON (contactToRow, taskToRow, noteToRow)
//          and write it through the database seam the sync calls (the SQLite Mirror's async
//          upsertContacts; the location's tasks 100 a page with saveLocationTasks, as the task
//          search returns them, then their sweep; then, per batch of 50 contacts, one
//          saveChildren of their notes) with the checkpoint (writePass), one async transaction
//          per page or batch, as src/sync/ does;
//   floor: the same rows, already shaped, as plain prepared INSERTs into the same migrated
//          tables (contacts, contact_tags, contact_custom_fields, tasks, notes), same pragmas
//          (openDatabase), FTS triggers live, same transaction boundaries.
// Rows = contacts + tags + custom values + tasks + notes. Each side runs twice on a fresh
// database, alternating, and keeps its faster run. BENCH_INGEST_CONTACTS (default 20,000).
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { sqliteMirror } from '../../src/db/sqlite-mirror.ts';
import { upsertCustomFieldDefinitions } from '../../src/db/custom-fields.ts';
import { upsertLocation } from '../../src/db/locations.ts';
import { contactToRow, noteToRow, taskToRow, type ContactRow, type NoteRow, type TaskRow } from '../../src/db/rows.ts';
import { startRun } from '../../src/db/runs.ts';
import { setLogLevel } from '../../src/log.ts';
import { writePass } from '../../src/sync/checkpoint.ts';
import { chunk, ingestData, PAGE, saveListingPages } from './ingest-data.ts';
import { emit, round, sizeFromEnv, tempDir } from './lib.ts';
import { sqliteOf } from '../../src/db/connection.ts';

setLogLevel('warn');
const CONTACTS = sizeFromEnv('BENCH_INGEST_CONTACTS', 20_000);
// The data: one seeded location, as the sandbox would serve it.
const { locationId, tasks, notesOf, defs, pages, batches } = ingestData(CONTACTS);
const taskPages = chunk(tasks, PAGE);


/** A fresh migrated database with the location and its field definitions (not timed). */
function freshDb(name: string): { db: Db; runId: number } {
  const db = openDatabase(join(tempDir(), name));
  upsertLocation(db, { id: locationId });
  const runId = startRun(db, { locationId, mode: 'full' });
  upsertCustomFieldDefinitions(db, locationId, defs, runId);
  return { db, runId };
}

/** The sync's upsert stage; returns ms. */
async function stage(): Promise<number> {
  const { db: sqliteDb, runId } = freshDb('stage.sqlite');
  const db = sqliteMirror(sqliteDb);
  const pass = { passRunId: runId, startedAt: new Date().toISOString(), lister: 'list' as const, full: true };
  const started = performance.now();
  await saveListingPages(db, locationId, pages, runId, pass);
  // As the sync's tasks phase does: a page of the task search at a time, then the sweep.
  const readAt = new Date().toISOString();
  for (const page of taskPages) {
    await db.saveLocationTasks(locationId, page.map((t) => taskToRow(t, t.contactId as string, locationId)), runId, undefined, { readAt });
  }
  await db.transaction(async (tx) => {
    await tx.sweepLocationTasks(locationId, runId, readAt);
    await writePass(tx, locationId, { ...pass, phase: 'children', childrenSince: pass.startedAt, tasksRead: true });
  });
  for (const batch of batches) {
    await db.transaction(async (tx) => {
      // As the sync's children phase does: one saveChildren of the notes per batch.
      await tx.saveChildren(batch.map((c) => ({
        contactId: c.id,
        notes: (notesOf.get(c.id) ?? []).map((n) => noteToRow(n, c.id, locationId)),
        contactDateUpdated: (c.dateUpdated as string | undefined) ?? null,
      })), runId);
      await writePass(tx, locationId, { ...pass, phase: 'children', childrenSince: pass.startedAt });
    });
  }
  const ms = performance.now() - started;
  sqliteDb.close();
  return ms;
}

// The floor's rows, shaped once up front (shaping is the stage's work, not the floor's).
const shaped = pages.map((p) => p.map((c) => contactToRow(c, locationId)));
const shapedTasks = taskPages.map((p) => p.map((t) => taskToRow(t, t.contactId as string, locationId)));
const shapedChildren = batches.map((b) => b.map((c) => ({
  notes: (notesOf.get(c.id) ?? []).map((n) => noteToRow(n, c.id, locationId)),
})));
const rowCount = shaped.flat().reduce((n, r) => n + 1 + r.tags.length + r.customValues.length, 0) +
  shapedTasks.flat().length + shapedChildren.flat().reduce((n, c) => n + c.notes.length, 0);

/** Plain prepared INSERTs of the same rows; returns ms. */
function floor(): number {
  const { db, runId } = freshDb('floor.sqlite');
  const now = new Date().toISOString();
  const contact = sqliteOf(db).prepare(`INSERT INTO contacts (id, location_id, first_name, last_name, name, email, phone,
    company_name, business_id, source, type, assigned_to, dnd, address1, city, state, postal_code, country, timezone,
    date_of_birth, date_added, date_updated, raw, synced_at, run_id) VALUES (${Array(25).fill('?').join(', ')})`);
  const tag = sqliteOf(db).prepare(`INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?)`);
  const value = sqliteOf(db).prepare(`INSERT INTO contact_custom_fields (contact_id, field_id, value, value_type) VALUES (?, ?, ?, ?)`);
  const task = sqliteOf(db).prepare(`INSERT INTO tasks (id, contact_id, location_id, title, body, due_date, completed, assigned_to, raw, synced_at, run_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const note = sqliteOf(db).prepare(`INSERT INTO notes (id, contact_id, location_id, body, user_id, date_added, raw, synced_at, run_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertTask = (t: TaskRow) => task.run(t.id, t.contactId, t.locationId, t.title, t.body, t.dueDate, t.completed, t.assignedTo, t.raw, now, runId);
  const insertNote = (n: NoteRow) => note.run(n.id, n.contactId, n.locationId, n.body, n.userId, n.dateAdded, n.raw, now, runId);
  const insertContact = (r: ContactRow) => {
    contact.run(r.id, r.locationId, r.firstName, r.lastName, r.name, r.email, r.phone, r.companyName, r.businessId, r.source,
      r.type, r.assignedTo, r.dnd, r.address1, r.city, r.state, r.postalCode, r.country, r.timezone, r.dateOfBirth,
      r.dateAdded, r.dateUpdated, r.raw, now, runId);
    for (const t of r.tags) tag.run(r.id, t);
    for (const v of r.customValues) value.run(r.id, v.fieldId, v.value, v.valueType);
  };
  const started = performance.now();
  for (const page of shaped) db.transaction(() => { for (const r of page) insertContact(r); });
  for (const page of shapedTasks) db.transaction(() => { for (const t of page) insertTask(t); });
  for (const batch of shapedChildren) {
    db.transaction(() => {
      for (const c of batch) {
        for (const n of c.notes) insertNote(n);
      }
    });
  }
  const ms = performance.now() - started;
  db.close();
  return ms;
}

let floorMs = Infinity;
let stageMs = Infinity;
for (let i = 0; i < 2; i++) {
  floorMs = Math.min(floorMs, floor());
  stageMs = Math.min(stageMs, await stage());
}
const ratio = floorMs / stageMs;
emit({
  measure: 'ingest',
  ratio: round(ratio),
  goal: '>= 0.8',
  met: ratio >= 0.8,
  contacts: CONTACTS,
  rows: rowCount,
  stageRowsPerSec: Math.round(rowCount / (stageMs / 1000)),
  floorRowsPerSec: Math.round(rowCount / (floorMs / 1000)),
  stageMs: Math.round(stageMs),
  floorMs: Math.round(floorMs),
});
