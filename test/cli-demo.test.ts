// `npm run demo` end to end (small): the sandbox, two syncs, and the segment CSVs it ends with in
// data/demo-exports/ (one per tag, beside its database), the head of one shown. It replaces only
// what it made: its own database and CSVs, never a mirror or a user's exports.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open.ts';
import { runCli } from './helpers/cli.ts';

const CLEAN = { GHL_ETL_CONFIG: undefined, GHL_LOCATION_ID: undefined, GHL_TOKEN: undefined, LOG_LEVEL: undefined, GHL_ETL_DB: undefined };
const SMALL = ['--locations', '1', '--contacts', '40', '--changes', '5'];
const tmp = () => mkdtempSync(join(tmpdir(), 'ghl-etl-demo-'));

describe('the demo', () => {
  it('ends by writing one CSV per tag into data/demo-exports/, shows the head of one, and leaves data/exports/ alone', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'data', 'exports'), { recursive: true });
    writeFileSync(join(dir, 'data', 'exports', 'vip.csv'), 'my own vip export\n');
    const result = await runCli(['demo', ...SMALL], { cwd: dir, env: CLEAN, timeoutMs: 120_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(dir, 'data', 'exports', 'vip.csv'), 'utf8')).toBe('my own vip export\n');
    const exportsDir = join(dir, 'data', 'demo-exports');
    const files = readdirSync(exportsDir).filter((f) => !f.startsWith('.'));

    const db = openDatabase(join(dir, 'data', 'demo.sqlite'), { readonly: true });
    const tags = db.sqlite.prepare(`SELECT t.tag, count(*) AS n FROM contact_tags t JOIN contacts c ON c.id = t.contact_id
      WHERE c.deleted_at IS NULL GROUP BY t.tag`).all() as Array<{ tag: string; n: number }>;
    db.close();
    expect(files.length).toBe(tags.length);
    expect(files.every((f) => f.endsWith('.csv'))).toBe(true);

    expect(result.stdout).toContain(`Segment CSVs, one per tag: ${tags.length} files in ${exportsDir}`);
    const shown = /The head of (data\/demo-exports\/\S+\.csv) /.exec(result.stdout)?.[1];
    expect(shown).toBe('data/demo-exports/vip.csv'); // the demo's seed always has VIPs
    const rows = parse(readFileSync(join(dir, shown!)), { columns: true }) as Array<Record<string, string>>;
    expect(rows.length).toBe(tags.find((t) => t.tag === 'vip')!.n);
    expect(result.stdout).toContain(`  id,location_id,first_name,`);
    expect(result.stdout).toContain(`  ${rows[0]!.id},`);

    // Run again: its own database and CSVs are replaced.
    const again = await runCli(['demo', ...SMALL], { cwd: dir, env: CLEAN, timeoutMs: 120_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(readdirSync(exportsDir).filter((f) => !f.startsWith('.')).sort()).toEqual([...files].sort());
  }, 240_000);

  it('refuses (exit 2) a ghl-etl mirror it did not create, and leaves it whole', async () => {
    const dir = tmp();
    const file = join(dir, 'mirror.sqlite');
    const mirror = openDatabase(file);
    mirror.sqlite.prepare(`INSERT INTO locations (id, name, raw, synced_at) VALUES ('loc-real', 'Real dealer', '{}', '2026-01-01T00:00:00.000Z')`).run();
    mirror.close();
    const before = readFileSync(file);
    const result = await runCli(['demo', '--db', file, ...SMALL], { cwd: dir, env: CLEAN });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/was not created by the demo .*give --db another file name/);
    expect(readFileSync(file).equals(before)).toBe(true);
    const after = openDatabase(file, { readonly: true });
    expect(after.sqlite.prepare(`SELECT name FROM locations`).all()).toEqual([{ name: 'Real dealer' }]);
    after.close();
  });

  it('refuses (exit 2) to write its CSVs into a demo-exports/ folder holding files it did not write', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'data', 'demo-exports'), { recursive: true });
    writeFileSync(join(dir, 'data', 'demo-exports', 'vip.csv'), 'mine\n');
    const result = await runCli(['demo', ...SMALL], { cwd: dir, env: CLEAN });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/holds files the demo did not write/);
    expect(readFileSync(join(dir, 'data', 'demo-exports', 'vip.csv'), 'utf8')).toBe('mine\n');
    expect(readdirSync(join(dir, 'data'))).toEqual(['demo-exports']); // no database created either
  });
});
