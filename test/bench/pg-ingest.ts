// Bench `pg-ingest`: rows/s of the sync's upsert stage into PostgreSQL over a COPY floor, both on
// pages already fetched (no HTTP), in this one process; test/bench/ingest.ts's comparison on the
// other engine.
//   stage: what the sync does with each page: shape the JSON (contactToRow, taskToRow, noteToRow)
//          and write it through the PostgreSQL Mirror (src/db/pg/mirror.ts: upsertContacts per
//          page of 100; then one saveChildren per batch of 50 contacts) with the checkpoint
//          (writePass), one transaction per page or batch, as src/sync/ does;
//   floor: the same rows, already shaped, loaded with COPY FROM STDIN (CSV, pg-copy-streams:
//          node-postgres has no COPY of its own) into the same migrated tables (contacts,
//          contact_tags, contact_custom_fields, tasks, notes), triggers and indexes live, same
//          transaction boundaries (one COPY per table per page or batch).
// Each side gets a fresh database of one throwaway cluster (test/helpers/postgres-cluster.ts),
// migrated before the clock starts; each runs twice, alternating, and keeps its faster run.
// Rows = contacts + tags + custom values + tasks + notes. BENCH_PG_INGEST_CONTACTS (default 5,000).
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { openMirror } from '../../src/db/open-mirror.ts';
import type { Mirror } from '../../src/db/mirror.ts';
import { contactToRow, noteToRow, taskToRow } from '../../src/db/rows.ts';
import { setLogLevel } from '../../src/log.ts';
import { writePass } from '../../src/sync/checkpoint.ts';
import { createTestDatabase, dropTestDatabases, startTestPostgres } from '../helpers/postgres-cluster.ts';
import { ingestData, saveListingPages } from './ingest-data.ts';
import { emit, round, sizeFromEnv } from './lib.ts';

setLogLevel('warn');
const CONTACTS = sizeFromEnv('BENCH_PG_INGEST_CONTACTS', 5_000);
// The data: one seeded location, as the sandbox would serve it (the same as ingest.ts's).
const { locationId, tasksOf, notesOf, defs, pages, batches } = ingestData(CONTACTS);

/** This process's user + system CPU since `from`, in ms (the rest of the wall time is the server's and the wire's). */
function cpuMsSince(from: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000;
}

const cluster = await startTestPostgres();

/** A fresh migrated database with the location, a run and the field definitions (not timed). */
async function freshDb(): Promise<{ url: string; mirror: Mirror; runId: number }> {
  const url = await createTestDatabase(cluster);
  const mirror = await openMirror(url);
  await mirror.upsertLocation({ id: locationId });
  const runId = await mirror.startRun({ locationId, mode: 'full' });
  await mirror.upsertCustomFieldDefinitions(locationId, defs, runId);
  return { url, mirror, runId };
}

/** The sync's upsert stage through the PostgreSQL Mirror; returns ms and the time in each phase. */
async function stage(): Promise<{ ms: number; cpuMs: number; contactsMs: number; childrenMs: number }> {
  const { mirror: db, runId } = await freshDb();
  const pass = { passRunId: runId, startedAt: new Date().toISOString(), lister: 'list' as const, full: true };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await saveListingPages(db, locationId, pages, runId, pass);
  const contactsDone = performance.now();
  for (const batch of batches) {
    await db.transaction(async (tx) => {
      await tx.saveChildren(batch.map((c) => ({
        contactId: c.id,
        tasks: (tasksOf.get(c.id) ?? []).map((t) => taskToRow(t, c.id, locationId)),
        notes: (notesOf.get(c.id) ?? []).map((n) => noteToRow(n, c.id, locationId)),
        contactDateUpdated: (c.dateUpdated as string | undefined) ?? null,
      })), runId);
      await writePass(tx, locationId, { ...pass, phase: 'children', childrenSince: pass.startedAt });
    });
  }
  const ended = performance.now();
  const cpuMs = cpuMsSince(cpu);
  await db.close();
  return { ms: ended - started, cpuMs, contactsMs: contactsDone - started, childrenMs: ended - contactsDone };
}

// The floor's rows, shaped once up front (shaping is the stage's work, not the floor's).
const shaped = pages.map((p) => p.map((c) => contactToRow(c, locationId)));
const shapedChildren = batches.map((b) => b.map((c) => ({
  tasks: (tasksOf.get(c.id) ?? []).map((t) => taskToRow(t, c.id, locationId)),
  notes: (notesOf.get(c.id) ?? []).map((n) => noteToRow(n, c.id, locationId)),
})));
const rowCount = shaped.flat().reduce((n, r) => n + 1 + r.tags.length + r.customValues.length, 0) +
  shapedChildren.flat().reduce((n, c) => n + c.tasks.length + c.notes.length, 0);

/** One CSV field: NULL is an unquoted empty field, anything else is quoted. */
function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  return `"${String(v).replaceAll('"', '""')}"`;
}
/** A time PostgreSQL could not read is NULL, as the stage writes it (recordsJson). */
const time = (v: string | null | undefined) => (v != null && Number.isFinite(Date.parse(v)) ? v : null);
const bool = (v: unknown) => (v === null || v === undefined ? null : v === true || v === 1 || v === '1' || v === 'true');
const csv = (rows: unknown[][]) => rows.map((r) => r.map(csvField).join(',')).join('\n') + '\n';

async function copy(client: pg.PoolClient, table: string, columns: string, rows: unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  await pipeline(Readable.from([csv(rows)]), client.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN WITH (FORMAT csv)`)));
}

/** The same rows with COPY FROM STDIN into the same tables, same transactions; returns ms. */
async function floor(): Promise<{ ms: number; cpuMs: number }> {
  const { url, mirror, runId } = await freshDb();
  await mirror.close();
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const client = await pool.connect();
  const now = new Date().toISOString();
  const inTransaction = async (fn: () => Promise<void>) => {
    await client.query('BEGIN');
    await fn();
    await client.query('COMMIT');
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (const page of shaped) {
    await inTransaction(async () => {
      await copy(client, 'contacts', `id, location_id, first_name, last_name, name, email, phone, company_name, business_id, source,
        type, assigned_to, dnd, address1, city, state, postal_code, country, timezone, date_of_birth, date_added, date_updated,
        raw, synced_at, run_id`, page.map((r) => [r.id, r.locationId, r.firstName, r.lastName, r.name, r.email, r.phone,
        r.companyName, r.businessId, r.source, r.type, r.assignedTo, bool(r.dnd), r.address1, r.city, r.state, r.postalCode,
        r.country, r.timezone, r.dateOfBirth, time(r.dateAdded), time(r.dateUpdated), r.raw, now, runId]));
      await copy(client, 'contact_tags', 'contact_id, tag', page.flatMap((r) => r.tags.map((t) => [r.id, t])));
      await copy(client, 'contact_custom_fields', 'contact_id, field_id, value, value_type',
        page.flatMap((r) => r.customValues.map((v) => [r.id, v.fieldId, v.value, v.valueType])));
    });
  }
  for (const batch of shapedChildren) {
    await inTransaction(async () => {
      await copy(client, 'tasks', 'id, contact_id, location_id, title, body, due_date, completed, assigned_to, raw, synced_at, run_id',
        batch.flatMap((c) => c.tasks.map((t) => [t.id, t.contactId, t.locationId, t.title, t.body, time(t.dueDate), bool(t.completed),
          t.assignedTo, t.raw, now, runId])));
      await copy(client, 'notes', 'id, contact_id, location_id, body, user_id, date_added, raw, synced_at, run_id',
        batch.flatMap((c) => c.notes.map((n) => [n.id, n.contactId, n.locationId, n.body, n.userId, time(n.dateAdded), n.raw, now, runId])));
    });
  }
  const ms = performance.now() - started;
  const cpuMs = cpuMsSince(cpu);
  client.release();
  await pool.end();
  return { ms, cpuMs };
}

try {
  let bestFloor = { ms: Infinity, cpuMs: 0 };
  let best = { ms: Infinity, cpuMs: 0, contactsMs: 0, childrenMs: 0 };
  for (let i = 0; i < 2; i++) {
    const floorRun = await floor();
    if (floorRun.ms < bestFloor.ms) bestFloor = floorRun;
    const run = await stage();
    if (run.ms < best.ms) best = run;
  }
  const floorMs = bestFloor.ms;
  const ratio = floorMs / best.ms;
  emit({
    measure: 'pg.ingest',
    ratio: round(ratio),
    goal: '>= 0.8',
    met: ratio >= 0.8,
    contacts: CONTACTS,
    rows: rowCount,
    stageRowsPerSec: Math.round(rowCount / (best.ms / 1000)),
    floorRowsPerSec: Math.round(rowCount / (floorMs / 1000)),
    stageMs: Math.round(best.ms),
    floorMs: Math.round(floorMs),
    stageCpuMs: Math.round(best.cpuMs),
    floorCpuMs: Math.round(bestFloor.cpuMs),
    stageContactsMs: Math.round(best.contactsMs),
    stageChildrenMs: Math.round(best.childrenMs),
    postgresSource: cluster.source,
  });
} finally {
  await dropTestDatabases();
  await cluster.stop();
}
