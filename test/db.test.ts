// The database layer on real SQLite files in a temp dir.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acquireLock, contactToRow, contactsNeedingChildren, countLiveContacts, customFieldToRow,
  DatabaseVersionError, finishRun, getRun, getSyncState, markContactsDeleted, noteToRow,
  openDatabase, rebuildFullTextIndexes, releaseLock, replaceContactChildren, setSyncState, startRun, taskToRow,
  upsertContacts, upsertCustomFieldDefinitions, upsertLocation, replaceUsers, userToRow,
  type Db, type HighLevelContact,
} from '../src/db/index.ts';
import { sqliteOf } from '../src/db/connection.ts';

const LOC = 'loc1';
let dir: string;
let dbPath: string;
const open: Db[] = [];

function openDb(readonly = false): Db {
  const db = openDatabase(dbPath, { readonly });
  open.push(db);
  return db;
}

function contact(id: string, over: Partial<HighLevelContact> = {}): HighLevelContact {
  return {
    id,
    locationId: LOC,
    firstName: 'Ana',
    lastName: id,
    contactName: `ana ${id}`,
    email: `${id}@example.com`,
    phone: '+34600000000',
    dnd: false,
    type: 'lead',
    dateAdded: '2026-01-01T00:00:00.000Z',
    dateUpdated: '2026-01-01T00:00:00.000Z',
    tags: ['vip', 'madrid'],
    customFields: [{ id: 'cf_budget', value: 1200 }, { id: 'cf_colors', value: ['red', 'blue'] }],
    ...over,
  };
}

const count = (db: Db, table: string, where = '1'): number =>
  (sqliteOf(db).prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).get() as { n: number }).n;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ghl-etl-db-'));
  dbPath = join(dir, 'nested', 'ghl.sqlite');
});

afterEach(() => {
  for (const db of open.splice(0)) if (sqliteOf(db).open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('openDatabase', () => {
  it('creates the folder, applies migrations, and re-opening is a no-op', () => {
    const db = openDb();
    expect(db.schemaVersion).toBeGreaterThanOrEqual(2);
    expect(sqliteOf(db).pragma('journal_mode', { simple: true })).toBe('wal');
    expect(sqliteOf(db).pragma('foreign_keys', { simple: true })).toBe(1);
    const objects = (sqliteOf(db).prepare(`SELECT name FROM sqlite_master`).all() as { name: string }[]).map((r) => r.name);
    for (const name of ['contacts', 'notes_fts', 'tasks_fts', 'open_tasks', 'contact_activity', 'contacts_wide', 'oauth_tokens', 'locks']) {
      expect(objects).toContain(name);
    }
    const applied = count(db, '__drizzle_migrations');
    db.close();
    const again = openDb();
    expect(again.schemaVersion).toBe(db.schemaVersion);
    expect(count(again, '__drizzle_migrations')).toBe(applied);
  });

  it('refuses a database written by a newer version', () => {
    const db = openDb();
    sqliteOf(db).prepare(`INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('future', 99999999999999)`).run();
    db.close();
    expect(() => openDatabase(dbPath)).toThrow(DatabaseVersionError);
    expect(() => openDatabase(dbPath)).toThrow(/newer than this ghl-etl/);
  });

  it('opens read-only without migrating, and says so when the schema is behind', () => {
    expect(() => openDatabase(dbPath, { readonly: true })).toThrow(); // no file: nothing created
    const db = openDb();
    sqliteOf(db).prepare(`DELETE FROM __drizzle_migrations WHERE created_at = (SELECT max(created_at) FROM __drizzle_migrations)`).run();
    db.close();
    expect(() => openDatabase(dbPath, { readonly: true })).toThrow(/open it once read-write/);
  });

  it('lets a read-only connection read while another writes (WAL)', () => {
    const writer = openDb();
    const runId = startRun(writer, { locationId: LOC, mode: 'full' });
    upsertContacts(writer, [contactToRow(contact('c1'), LOC)], runId);
    const reader = openDb(true);
    sqliteOf(writer).exec('BEGIN IMMEDIATE');
    upsertContacts(writer, [contactToRow(contact('c2'), LOC)], runId);
    expect(count(reader, 'contacts')).toBe(1); // sees the last commit, does not block
    sqliteOf(writer).exec('COMMIT');
    expect(count(reader, 'contacts')).toBe(2);
    expect(() => sqliteOf(reader).prepare(`DELETE FROM contacts`).run()).toThrow(/readonly/);
  });
});

describe('contacts', () => {
  it('upserting the same page twice is idempotent', () => {
    const db = openDb();
    const runId = startRun(db, { locationId: LOC, mode: 'full' });
    const page = [contactToRow(contact('c1'), LOC), contactToRow(contact('c2'), LOC)];
    const first = db.transaction(() => upsertContacts(db, page, runId));
    expect(first.new).toBe(2);
    const snapshot = () => ({
      contacts: sqliteOf(db).prepare(`SELECT id, raw, email, dnd, name FROM contacts ORDER BY id`).all(),
      tags: count(db, 'contact_tags'),
      values: count(db, 'contact_custom_fields'),
    });
    const before = snapshot();
    const second = upsertContacts(db, page, runId);
    expect(second).toMatchObject({ new: 0, updated: 0, unchanged: 2 });
    expect(snapshot()).toEqual(before);
    expect(before.contacts[0]).toMatchObject({ email: 'c1@example.com', dnd: 0, name: 'Ana c1' });
    expect(JSON.parse((before.contacts[0] as { raw: string }).raw)).toEqual(contact('c1'));
  });

  it('replaces tags and custom values and reports updates', () => {
    const db = openDb();
    const runId = startRun(db, { locationId: LOC, mode: 'full' });
    upsertContacts(db, [contactToRow(contact('c1'), LOC)], runId);
    const result = upsertContacts(db, [contactToRow(contact('c1', {
      dateUpdated: '2026-02-01T00:00:00.000Z',
      tags: ['customer'],
      customFields: [{ id: 'cf_colors', value: ['green'] }],
    }), LOC)], runId);
    expect(result.outcomes.get('c1')).toBe('updated');
    expect(sqliteOf(db).prepare(`SELECT tag FROM contact_tags WHERE contact_id = 'c1'`).pluck().all()).toEqual(['customer']);
    expect(sqliteOf(db).prepare(`SELECT field_id, value, value_type FROM contact_custom_fields WHERE contact_id = 'c1'`).all())
      .toEqual([{ field_id: 'cf_colors', value: '["green"]', value_type: 'list' }]);
  });

  it('soft-deletes contacts not seen by a listing pass, cascading to tasks and notes', () => {
    const db = openDb();
    const run1 = startRun(db, { locationId: LOC, mode: 'full' });
    upsertContacts(db, [contactToRow(contact('c1'), LOC), contactToRow(contact('c2'), LOC)], run1);
    replaceContactChildren(db, 'c2',
      [taskToRow({ id: 't1', contactId: 'c2', title: 'Call back', dueDate: '2026-03-01T00:00:00.000Z', completed: false }, 'c2', LOC)],
      [noteToRow({ id: 'n1', body: 'Asked about financing' }, 'c2', LOC)], run1);
    finishRun(db, run1, { status: 'ok', contactsSeen: 2, contactsNew: 2 });

    const run2 = startRun(db, { locationId: LOC, mode: 'full' });
    upsertContacts(db, [contactToRow(contact('c1'), LOC)], run2);
    expect(markContactsDeleted(db, LOC, run2)).toBe(1);
    expect(countLiveContacts(db, LOC)).toBe(1);
    expect(count(db, 'contacts', `id = 'c2' AND deleted_at IS NOT NULL`)).toBe(1);
    expect(count(db, 'tasks', 'deleted_at IS NULL')).toBe(0);
    expect(count(db, 'notes', 'deleted_at IS NULL')).toBe(0);
    expect(count(db, 'open_tasks')).toBe(0);

    // It comes back: live again, new again, and due for a children fetch.
    const run3 = startRun(db, { locationId: LOC, mode: 'full' });
    const back = upsertContacts(db, [contactToRow(contact('c1'), LOC), contactToRow(contact('c2'), LOC)], run3);
    expect(back.outcomes.get('c2')).toBe('new');
    expect(contactsNeedingChildren(db, LOC).map((c) => c.id)).toContain('c2');
    expect(getRun(db, run1)).toMatchObject({ status: 'ok', contactsSeen: 2, contactsNew: 2 });
  });
});

describe('tasks and notes', () => {
  it('soft-deletes vanished children, revives them, and tracks what needs a fetch', () => {
    const db = openDb();
    const runId = startRun(db, { locationId: LOC, mode: 'full' });
    upsertContacts(db, [contactToRow(contact('c1'), LOC), contactToRow(contact('c2'), LOC)], runId);
    expect(contactsNeedingChildren(db, LOC).map((c) => c.reason)).toEqual(['never', 'never']);

    const t1 = taskToRow({ id: 't1', contactId: 'c1', title: 'Send quote', body: 'PDF', dueDate: '2026-03-01T00:00:00.000Z', completed: false }, 'c1', LOC);
    const t2 = taskToRow({ id: 't2', contactId: 'c1', title: 'Test drive', dueDate: '2026-03-02T00:00:00.000Z', completed: true }, 'c1', LOC);
    const n1 = noteToRow({ id: 'n1', body: 'Interested in the hybrid model', dateAdded: '2026-01-05T10:00:00.000Z' }, 'c1', LOC);
    replaceContactChildren(db, 'c1', [t1, t2], [n1], runId);
    expect(count(db, 'open_tasks')).toBe(1);
    expect(sqliteOf(db).prepare(`SELECT contact_name, contact_email FROM open_tasks`).get())
      .toEqual({ contact_name: 'Ana c1', contact_email: 'c1@example.com' });

    const gone = replaceContactChildren(db, 'c1', [t2], [], runId);
    expect(gone).toMatchObject({ tasksDeleted: 1, notesDeleted: 1 });
    expect(count(db, 'tasks', `id = 't1' AND deleted_at IS NOT NULL`)).toBe(1);
    expect(sqliteOf(db).prepare(`SELECT tasks, open_tasks, notes FROM contact_activity WHERE contact_id = 'c1'`).get())
      .toEqual({ tasks: 1, open_tasks: 0, notes: 0 });

    replaceContactChildren(db, 'c1', [t1, t2], [n1], runId);
    expect(count(db, 'tasks', 'deleted_at IS NULL')).toBe(2);
    expect(sqliteOf(db).prepare(`SELECT tasks, open_tasks, notes, last_note_at FROM contact_activity WHERE contact_id = 'c1'`).get())
      .toEqual({ tasks: 2, open_tasks: 1, notes: 1, last_note_at: '2026-01-05T10:00:00.000Z' });

    // c1 fetched and unchanged: only c2 is due; once c1's dateUpdated moves, it is due again.
    expect(contactsNeedingChildren(db, LOC).map((c) => c.id)).toEqual(['c2']);
    upsertContacts(db, [contactToRow(contact('c1', { dateUpdated: '2026-02-01T00:00:00.000Z' }), LOC)], runId);
    expect(contactsNeedingChildren(db, LOC, { limit: 5 })).toEqual([
      { id: 'c2', dateUpdated: '2026-01-01T00:00:00.000Z', reason: 'never' },
      { id: 'c1', dateUpdated: '2026-02-01T00:00:00.000Z', reason: 'changed' },
    ]);
    replaceContactChildren(db, 'c1', [t1, t2], [n1], runId);
    replaceContactChildren(db, 'c2', [], [], runId);
    expect(contactsNeedingChildren(db, LOC)).toEqual([]);
    const future = new Date(Date.now() + 86_400_000).toISOString();
    expect(contactsNeedingChildren(db, LOC, { rollingCutoff: future, limit: 1 })).toHaveLength(1);
  });

  it('finds notes and tasks by a word (FTS5), and follows edits', () => {
    const db = openDb();
    const runId = startRun(db, { locationId: LOC, mode: 'full' });
    upsertContacts(db, [contactToRow(contact('c1'), LOC)], runId);
    replaceContactChildren(db, 'c1',
      [taskToRow({ id: 't1', contactId: 'c1', title: 'Arrange financing', dueDate: '2026-04-01T00:00:00.000Z', completed: false }, 'c1', LOC)],
      [noteToRow({ id: 'n1', body: 'Wants a red convertible' }, 'c1', LOC),
        noteToRow({ id: 'n2', body: 'Call after lunch' }, 'c1', LOC)], runId);
    const findNotes = (word: string): string[] => sqliteOf(db)
      .prepare(`SELECT n.id FROM notes_fts f JOIN notes n ON n.rowid = f.rowid WHERE notes_fts MATCH ? AND n.deleted_at IS NULL`)
      .pluck().all(word) as string[];
    expect(findNotes('convertible')).toEqual(['n1']);
    expect(sqliteOf(db).prepare(`SELECT t.id FROM tasks_fts f JOIN tasks t ON t.rowid = f.rowid WHERE tasks_fts MATCH 'financing'`)
      .pluck().all()).toEqual(['t1']);
    replaceContactChildren(db, 'c1', [], [noteToRow({ id: 'n1', body: 'Wants a blue estate' }, 'c1', LOC)], runId);
    expect(findNotes('convertible')).toEqual([]);
    expect(findNotes('estate')).toEqual(['n1']);
    expect(findNotes('lunch')).toEqual([]); // n2 soft-deleted
    sqliteOf(db).exec('VACUUM');
    rebuildFullTextIndexes(db);
    expect(findNotes('estate')).toEqual(['n1']);
  });
});

describe('contacts_wide', () => {
  it('names a custom field with control characters (a NUL, an escape) safely, and the view still builds', () => {
    const db = openDb();
    const runId = startRun(db, { locationId: LOC, mode: 'full' });
    upsertLocation(db, { id: LOC, name: 'Madrid Motors', companyId: 'co1', raw: '{"id":"loc1"}' }, runId);
    const defs = [
      { id: 'cf_nul', name: 'Bad\u0000Name\u001b[31m', fieldKey: 'contact.bad', dataType: 'TEXT' },
      { id: 'cf_id\u0000nul', name: 'Odd id', fieldKey: 'contact.odd', dataType: 'TEXT' },
    ] as const;
    upsertCustomFieldDefinitions(db, LOC, defs.map((d) => customFieldToRow({ ...d }, LOC)), runId);
    upsertContacts(db, [contactToRow(contact('c1', { customFields: [{ id: 'cf_nul', value: 'x' }, { id: 'cf_id\u0000nul', value: 'y' }] }), LOC)], runId);
    const columns = (sqliteOf(db).prepare(`SELECT name FROM pragma_table_info('contacts_wide')`).pluck().all()) as string[];
    expect(columns).toEqual(expect.arrayContaining(['Bad Name [31m', 'Odd id']));
    expect(columns.some((c) => /[\u0000-\u001f]/.test(c))).toBe(false);
    expect(sqliteOf(db).prepare(`SELECT "Bad Name [31m" AS bad, "Odd id" AS odd FROM contacts_wide WHERE id = 'c1'`).get()).toEqual({ bad: 'x', odd: 'y' });
  });

  it('has a column per custom field, suffixes colliding names with the key, joins tags with " | "', () => {
    const db = openDb();
    const runId = startRun(db, { locationId: LOC, mode: 'full' });
    upsertLocation(db, { id: LOC, name: 'Madrid Motors', companyId: 'co1', raw: '{"id":"loc1"}' }, runId);
    const defs = [
      { id: 'cf_budget', name: 'Budget', fieldKey: 'contact.budget', dataType: 'NUMERICAL' },
      { id: 'cf_colors', name: 'Colors', fieldKey: 'contact.colors', dataType: 'MULTIPLE_OPTIONS' },
      { id: 'cf_budget2', name: 'Budget', fieldKey: 'contact.budget_eur', dataType: 'NUMERICAL' },
    ] as const;
    expect(upsertCustomFieldDefinitions(db, LOC, defs.map((d) => customFieldToRow({ ...d }, LOC)), runId)).toBe(true);
    expect(upsertCustomFieldDefinitions(db, LOC, defs.map((d) => customFieldToRow({ ...d }, LOC)), runId)).toBe(false);
    upsertContacts(db, [
      contactToRow(contact('c1', { customFields: [
        { id: 'cf_budget', value: 1200 }, { id: 'cf_colors', value: ['red', 'blue'] }, { id: 'cf_budget2', value: 1100 },
      ] }), LOC),
      contactToRow(contact('c2', { tags: [], customFields: [] }), LOC),
    ], runId);

    const columns = (sqliteOf(db).prepare(`SELECT name FROM pragma_table_info('contacts_wide')`).pluck().all()) as string[];
    expect(columns).toEqual(expect.arrayContaining(['Budget (contact.budget)', 'Budget (contact.budget_eur)', 'Colors', 'tags', 'email']));
    const row = sqliteOf(db).prepare(`SELECT * FROM contacts_wide WHERE id = 'c1'`).get() as Record<string, unknown>;
    expect(row).toMatchObject({
      tags: 'madrid | vip', 'Budget (contact.budget)': 1200, 'Budget (contact.budget_eur)': 1100, Colors: 'red | blue',
    });
    expect(sqliteOf(db).prepare(`SELECT tags, Colors FROM contacts_wide WHERE id = 'c2'`).get()).toEqual({ tags: null, Colors: null });

    // A definition disappears: its column goes, and the remaining Budget needs no suffix.
    expect(upsertCustomFieldDefinitions(db, LOC, defs.slice(0, 2).map((d) => customFieldToRow({ ...d }, LOC)), runId)).toBe(true);
    const after = sqliteOf(db).prepare(`SELECT * FROM contacts_wide WHERE id = 'c1'`).get() as Record<string, unknown>;
    expect(after).toMatchObject({ Budget: 1200, Colors: 'red | blue' });
    expect(Object.keys(after)).not.toContain('Budget (contact.budget_eur)');
  });
});

describe('sync state and locks', () => {
  it('keeps checkpoints per location and key', () => {
    const db = openDb();
    expect(getSyncState(db, LOC, 'cursor')).toBeUndefined();
    setSyncState(db, LOC, 'cursor', '{"startAfter":1}');
    setSyncState(db, LOC, 'cursor', '{"startAfter":2}');
    setSyncState(db, 'loc2', 'cursor', 'other');
    expect(getSyncState(db, LOC, 'cursor')).toBe('{"startAfter":2}');
    setSyncState(db, LOC, 'cursor', null);
    expect(getSyncState(db, LOC, 'cursor')).toBeUndefined();
    expect(getSyncState(db, 'loc2', 'cursor')).toBe('other');
  });

  it('refuses a second owner, allows takeover after the ttl or when the holder died', () => {
    const a = openDb();
    const b = openDb(); // a second connection, as another process would have
    const t0 = new Date('2026-01-01T00:00:00.000Z');
    const at = (ms: number) => ({ clock: () => new Date(t0.getTime() + ms) });

    expect(acquireLock(a, 'sync:loc1', 'run-a', 60_000, at(0))).toMatchObject({ acquired: true, takenOver: null });
    const refused = acquireLock(b, 'sync:loc1', 'run-b', 60_000, at(1_000));
    expect(refused).toMatchObject({ acquired: false, holder: { owner: 'run-a', pid: process.pid } });
    expect(acquireLock(a, 'sync:loc1', 'run-a', 60_000, at(2_000)).acquired).toBe(true); // re-entrant
    const later = acquireLock(b, 'sync:loc1', 'run-b', 60_000, at(62_001));
    expect(later).toMatchObject({ acquired: true, takenOver: { owner: 'run-a' } });
    expect(releaseLock(a, 'sync:loc1', 'run-a')).toBe(false);
    expect(releaseLock(b, 'sync:loc1', 'run-b')).toBe(true);

    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    expect(acquireLock(a, 'sync:loc2', 'run-dead', 3_600_000, { pid: dead })).toMatchObject({ acquired: true });
    expect(acquireLock(b, 'sync:loc2', 'run-b', 60_000)).toMatchObject({ acquired: true, takenOver: { owner: 'run-dead' } });
    // A holder on another host is only judged by its expiry.
    acquireLock(a, 'sync:loc3', 'remote', 3_600_000, { pid: dead, hostname: 'elsewhere' });
    expect(acquireLock(b, 'sync:loc3', 'run-b', 60_000).acquired).toBe(false);
  });
});

describe('contacts_wide types and names', () => {
  it('numeric and monetary fields sort and aggregate as numbers, dates read as ISO text', () => {
    const db = openDb();
    const runId = startRun(db, { locationId: LOC, mode: 'full' });
    upsertLocation(db, { id: LOC }, runId);
    upsertCustomFieldDefinitions(db, LOC, [
      { id: 'cf_km', name: 'Km', fieldKey: 'contact.km', dataType: 'NUMERICAL' },
      { id: 'cf_price', name: 'Price', fieldKey: 'contact.price', dataType: 'MONETORY' },
      { id: 'cf_visit', name: 'Visit', fieldKey: 'contact.visit', dataType: 'DATE' },
      { id: 'cf_note', name: 'Note', fieldKey: 'contact.note', dataType: 'TEXT' },
    ].map((d) => customFieldToRow(d, LOC)), runId);
    upsertContacts(db, [
      contactToRow(contact('c1', { customFields: [{ id: 'cf_km', value: 900 }, { id: 'cf_price', value: 15999.5 }, { id: 'cf_visit', value: '2026-03-01' }] }), LOC),
      contactToRow(contact('c2', { customFields: [{ id: 'cf_km', value: 10000 }, { id: 'cf_price', value: '2500.25' }, { id: 'cf_visit', value: 1767225600000 }] }), LOC),
      contactToRow(contact('c3', { customFields: [{ id: 'cf_km', value: 'unknown' }, { id: 'cf_note', value: '42' }] }), LOC),
    ], runId);
    // As text, '900' > '10000' and max() would say 900.
    expect(sqliteOf(db).prepare(`SELECT max(Km) AS km, max(Price) AS price FROM contacts_wide`).get()).toEqual({ km: 10000, price: 15999.5 });
    expect(sqliteOf(db).prepare(`SELECT id FROM contacts_wide WHERE Km IS NOT NULL ORDER BY Km DESC`).pluck().all()).toEqual(['c2', 'c1']);
    expect(sqliteOf(db).prepare(`SELECT id, typeof(Km) AS t, Visit, Note FROM contacts_wide ORDER BY id`).all()).toEqual([
      { id: 'c1', t: 'integer', Visit: '2026-03-01', Note: null },
      { id: 'c2', t: 'integer', Visit: '2026-01-01T00:00:00.000Z', Note: null },
      // Text that is not a number reads NULL in a numeric column, never 0; a text field stays text.
      { id: 'c3', t: 'null', Visit: null, Note: '42' },
    ]);
  });

  it('shows the assigned user\'s name in contacts_wide and open_tasks', () => {
    const db = openDb();
    const runId = startRun(db, { locationId: LOC, mode: 'full' });
    upsertLocation(db, { id: LOC }, runId);
    replaceUsers(db, LOC, [userToRow({ id: 'u1', name: 'Lucía Gómez', email: 'lucia@example.com' }, LOC), userToRow({ id: 'u2', firstName: 'Pablo', lastName: 'Ruiz' }, LOC)], runId);
    upsertContacts(db, [contactToRow(contact('c1', { assignedTo: 'u1' }), LOC), contactToRow(contact('c2', { assignedTo: 'nobody' }), LOC)], runId);
    replaceContactChildren(db, 'c1', [taskToRow({ id: 't1', title: 'Call back', completed: false, assignedTo: 'u2', dueDate: '2026-03-01T10:00:00.000Z', contactId: 'c1' }, 'c1', LOC)], [], runId);
    expect(sqliteOf(db).prepare(`SELECT id, assigned_to, assigned_to_name FROM contacts_wide ORDER BY id`).all()).toEqual([
      { id: 'c1', assigned_to: 'u1', assigned_to_name: 'Lucía Gómez' },
      { id: 'c2', assigned_to: 'nobody', assigned_to_name: null },
    ]);
    expect(sqliteOf(db).prepare(`SELECT id, assigned_to_name FROM open_tasks`).all()).toEqual([{ id: 't1', assigned_to_name: 'Pablo Ruiz' }]);
  });
});

describe('due contacts', () => {
  it('are read by index walks, never by scanning and sorting every live contact', () => {
    const db = openDb();
    // The plan of each query contactsNeedingChildren runs.
    const explain = (sql: string) => (sqliteOf(db).prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ locationId: LOC, cutoff: '2026-01-01', limit: 1000 }) as Array<{ detail: string }>)
      .map((r) => r.detail).join('; ');
    const statements: string[] = [];
    const prepare = sqliteOf(db).prepare.bind(sqliteOf(db));
    sqliteOf(db).prepare = ((sql: string) => {
      statements.push(sql);
      return prepare(sql);
    }) as ReturnType<typeof sqliteOf>['prepare'];
    contactsNeedingChildren(db, LOC, { rollingCutoff: '2026-01-01', limit: 1000 });
    sqliteOf(db).prepare = prepare;
    expect(statements).toHaveLength(3); // never fetched, changed, stale
    for (const sql of statements) {
      const plan = explain(sql);
      expect(plan).toMatch(/USING INDEX contacts_children_(due|changed)_idx/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    }
  });
});
