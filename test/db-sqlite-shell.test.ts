// Analysts open the mirror with whatever sqlite3 their OS ships (Debian 12: 3.40), not with the
// SQLite bundled in better-sqlite3. A view using a newer feature makes the whole schema
// unreadable there, so the file must open and answer in the system shell.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  contactToRow, customFieldToRow, noteToRow, openDatabase, replaceContactChildren, taskToRow,
  upsertContacts, upsertCustomFieldDefinitions, upsertLocation,
} from '../src/db/index.ts';
import { createSandboxStore } from '../src/sandbox/store.ts';

const shell = spawnSync('sqlite3', ['--version'], { encoding: 'utf8' });
const hasShell = shell.status === 0;
const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-shell-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sqlite3(path: string, sql: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('sqlite3', ['-readonly', path, sql], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.runIf(hasShell)(`the mirror in the system sqlite3 shell (${shell.stdout?.split(' ')[0] ?? 'absent'})`, () => {
  it('opens, lists its tables and answers every view', () => {
    const path = join(dir, 'ghl.sqlite');
    const store = createSandboxStore({ seed: 3, locations: 1, contactsPerLocation: 40 });
    const locationId = store.locations()[0]!.id;
    const truth = store.state(locationId);
    const db = openDatabase(path);
    upsertLocation(db, { id: locationId });
    upsertCustomFieldDefinitions(db, locationId, truth.customFields.map((f) => customFieldToRow(f, locationId)), 1);
    upsertContacts(db, truth.contacts.map((c) => contactToRow(c, locationId)), 1);
    for (const c of truth.contacts) {
      replaceContactChildren(
        db, c.id,
        truth.tasks.filter((t) => t.contactId === c.id).map((t) => taskToRow(t, c.id, locationId)),
        truth.notes.filter((n) => n.contactId === c.id).map((n) => noteToRow(n, c.id, locationId)),
        1,
      );
    }
    db.close();

    const tables = sqlite3(path, '.tables');
    expect(tables.stderr).toBe('');
    expect(tables.stdout).toContain('contacts_wide');
    const counts = sqlite3(path, [
      'SELECT count(*) FROM contacts_wide;',
      'SELECT count(*) FROM open_tasks;',
      'SELECT count(*) FROM contact_activity;',
      "SELECT count(*) FROM notes_fts WHERE notes_fts MATCH 'a*';",
    ].join(' '));
    expect(counts.stderr).toBe('');
    expect(counts.status).toBe(0);
    const [wide, , activity] = counts.stdout.trim().split('\n').map(Number);
    expect(wide).toBe(truth.contacts.length);
    expect(activity).toBe(truth.contacts.length);
    const tagged = truth.contacts.find((c) => c.tags.length > 1)!;
    const tags = sqlite3(path, `SELECT tags FROM contacts_wide WHERE id = '${tagged.id}';`);
    expect(tags.stdout.trim()).toBe([...tagged.tags].sort().join(' | '));
  });
});
