// Once HighLevel has accepted a write, the command exits 0 and says what HighLevel did, whatever
// the mirror then makes of it: a contact the mirror does not hold yet is read and mirrored first,
// and a mirror that cannot take the row (busy past its timeout) is repaired by the next sync.
// Through the binary, against the sandbox over HTTP, into a temp SQLite file.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli, type CliResult } from './helpers/cli.ts';
import { sandboxState, useSandbox } from './helpers/sandbox.ts';

const CLEAN = { GHL_ETL_CONFIG: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined, GHL_COMPANY_ID: undefined, LEADCARS_BASE_URL: undefined, LEADCARS_TOKEN: undefined, INTAKE_SECRET: undefined };

describe('a write HighLevel accepted is never reported as failed', () => {
  const sandbox = useSandbox({ locations: 1, contacts: 4, seed: 23, rateLimit: 'none' });
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-tolerant-writes-'));
    const dbPath = join(dir, 'mirror.sqlite');
    const location = sandbox().locations[0]!;
    const env = { ...CLEAN, GHL_BASE_URL: sandbox().url, GHL_LOCATION_ID: location.id, GHL_TOKEN: location.token, GHL_ETL_DB: dbPath };
    const cli = (args: string[]): Promise<CliResult> => runCli(args, { cwd: dir, env });
    return { dbPath, cli, locationId: location.id };
  };
  const readDb = <T>(dbPath: string, fn: (db: Database.Database) => T): T => {
    const db = new Database(dbPath, { readonly: true });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };

  it('every write command on a contact the mirror has never seen exits 0, changes HighLevel once, and the mirror holds it', async () => {
    const { dbPath, cli, locationId } = fresh();
    const state = await sandboxState(sandbox(), locationId);
    const contactId = state.contacts[0]!.id;
    const tasksBefore = state.tasks.filter((t) => t.contactId === contactId).length;
    const notesBefore = state.notes.filter((n) => n.contactId === contactId).length;

    const task = await cli(['tasks', 'create', contactId, '--title', 'Call back', '--due', '2026-12-01T09:00:00Z', '--json']);
    expect(task.code, task.stderr).toBe(0);
    const taskId = (JSON.parse(task.stdout) as { id: string }).id;
    const note = await cli(['notes', 'create', contactId, '--body', 'Wants a test drive', '--json']);
    expect(note.code, note.stderr).toBe(0);
    const noteId = (JSON.parse(note.stdout) as { id: string }).id;
    const tagged = await cli(['contacts', 'tag', contactId, 'tolerant']);
    expect(tagged.code, tagged.stderr).toBe(0);
    const updated = await cli(['contacts', 'update', state.contacts[1]!.id, '--last-name', 'Repaired']);
    expect(updated.code, updated.stderr).toBe(0);

    const after = await sandboxState(sandbox(), locationId);
    expect(after.tasks.filter((t) => t.contactId === contactId)).toHaveLength(tasksBefore + 1);
    expect(after.notes.filter((n) => n.contactId === contactId)).toHaveLength(notesBefore + 1);
    readDb(dbPath, (db) => {
      expect(db.prepare('SELECT contact_id AS c FROM tasks WHERE id = ?').get(taskId)).toEqual({ c: contactId });
      expect(db.prepare('SELECT contact_id AS c FROM notes WHERE id = ?').get(noteId)).toEqual({ c: contactId });
      expect(db.prepare(`SELECT 1 AS y FROM contact_tags WHERE contact_id = ? AND tag = 'tolerant'`).get(contactId)).toEqual({ y: 1 });
      expect(db.prepare('SELECT last_name AS n FROM contacts WHERE id = ?').get(state.contacts[1]!.id)).toEqual({ n: 'Repaired' });
    });
  }, 60_000);

  it('a mirror busy past its timeout: notes create still exits 0 with a notice, HighLevel has the note once, and the next sync brings it in', async () => {
    const { dbPath, cli, locationId } = fresh();
    const first = await cli(['sync']);
    expect(first.code, first.stderr).toBe(0);
    const contactId = (await sandboxState(sandbox(), locationId)).contacts[2]!.id;
    const notesBefore = (await sandboxState(sandbox(), locationId)).notes.filter((n) => n.contactId === contactId).length;

    // Another process (serve, a sync) holds the write lock for the whole command.
    const holder = new Database(dbPath);
    holder.prepare('BEGIN IMMEDIATE').run();
    let note: CliResult;
    try {
      note = await cli(['notes', 'create', contactId, '--body', 'Written while busy', '--json']);
    } finally {
      holder.prepare('ROLLBACK').run();
      holder.close();
    }
    expect(note.code, note.stderr).toBe(0);
    expect(note.stderr).toMatch(/notice: HighLevel has the change, but the mirror could not record it yet \(database is locked\); the next `ghl-etl sync` reads contact/);
    const noteId = (JSON.parse(note.stdout) as { id: string }).id;
    expect((await sandboxState(sandbox(), locationId)).notes.filter((n) => n.contactId === contactId)).toHaveLength(notesBefore + 1);
    expect(readDb(dbPath, (db) => db.prepare('SELECT count(*) AS n FROM notes WHERE id = ?').get(noteId))).toEqual({ n: 0 });

    // An incremental sync: the contact did not change, yet its notes are read again.
    const next = await cli(['sync']);
    expect(next.code, next.stderr).toBe(0);
    readDb(dbPath, (db) => {
      expect(db.prepare('SELECT contact_id AS c, deleted_at AS d FROM notes WHERE id = ?').get(noteId)).toEqual({ c: contactId, d: null });
      expect(db.prepare('SELECT count(*) AS n FROM mirror_repairs').get()).toEqual({ n: 0 });
    });
  }, 90_000);
});
