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
import { authHeaders, sandboxState, useSandbox } from './helpers/sandbox.ts';

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

  it('the other writes (tasks update, complete, delete; notes update, delete; contacts untag, upsert, delete) on contacts the mirror has never seen exit 0, change HighLevel once, and the mirror follows', async () => {
    const { dbPath, cli, locationId } = fresh();
    const location = sandbox().locations[0]!;
    const api = async (method: string, path: string, body: unknown) => {
      const res = await fetch(`${sandbox().url}${path}`, { method, headers: authHeaders(location.token, { 'Content-Type': 'application/json' }), body: JSON.stringify(body) });
      expect(res.status).toBeLessThan(300);
      return (await res.json()) as Record<string, { id: string }>;
    };
    const state = await sandboxState(sandbox(), locationId);
    const [, , holder, upserted] = state.contacts;
    // Made in HighLevel only: the mirror has never seen the contact, the task or the note.
    const { task } = await api('POST', `/contacts/${holder!.id}/tasks`, { title: 'Llamar', dueDate: '2026-12-01T09:00:00Z', completed: false });
    const { note } = await api('POST', `/contacts/${holder!.id}/notes`, { body: 'Primera nota' });
    await api('POST', `/contacts/${holder!.id}/tags`, { tags: ['temporal'] });

    const ok = async (args: string[]) => {
      const r = await cli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r;
    };
    await ok(['tasks', 'update', holder!.id, task!.id, '--title', 'Llamar otra vez']);
    await ok(['tasks', 'complete', holder!.id, task!.id]);
    await ok(['notes', 'update', holder!.id, note!.id, '--body', 'Nota corregida']);
    await ok(['contacts', 'untag', holder!.id, 'temporal']);
    readDb(dbPath, (db) => {
      expect(db.prepare('SELECT title, completed FROM tasks WHERE id = ?').get(task!.id)).toEqual({ title: 'Llamar otra vez', completed: 1 });
      expect(db.prepare('SELECT body FROM notes WHERE id = ?').get(note!.id)).toEqual({ body: 'Nota corregida' });
      expect(db.prepare(`SELECT count(*) AS n FROM contact_tags WHERE contact_id = ? AND tag = 'temporal'`).get(holder!.id)).toEqual({ n: 0 });
    });
    await ok(['tasks', 'delete', holder!.id, task!.id]);
    await ok(['notes', 'delete', holder!.id, note!.id]);
    const key = upserted!.email !== null ? ['--email', upserted!.email] : ['--phone', upserted!.phone!];
    await ok(['contacts', 'upsert', ...key, '--last-name', 'Actualizado']);
    await ok(['contacts', 'delete', holder!.id]);

    const after = await sandboxState(sandbox(), locationId);
    expect(after.tasks.some((t) => t.id === task!.id)).toBe(false);
    expect(after.notes.some((n) => n.id === note!.id)).toBe(false);
    expect(after.contacts.some((c) => c.id === holder!.id)).toBe(false);
    expect(after.contacts.filter((c) => c.lastName === 'Actualizado').map((c) => c.id)).toEqual([upserted!.id]);
    expect(after.contacts).toHaveLength(state.contacts.length - 1);
    readDb(dbPath, (db) => {
      const gone = (table: string, id: string) => db.prepare(`SELECT deleted_at IS NOT NULL AS gone FROM ${table} WHERE id = ?`).get(id) as { gone: number } | undefined;
      expect(gone('tasks', task!.id)?.gone ?? 1).toBe(1);
      expect(gone('notes', note!.id)?.gone ?? 1).toBe(1);
      expect(gone('contacts', holder!.id)?.gone ?? 1).toBe(1);
      expect(db.prepare('SELECT last_name AS n, deleted_at AS d FROM contacts WHERE id = ?').get(upserted!.id)).toEqual({ n: 'Actualizado', d: null });
    });
  }, 120_000);

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
