// `npm run demo` end to end (small): the sandbox, two syncs, and the segment CSVs it ends with in
// data/exports/ (one per tag, relative to the working directory), the head of one shown.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open.ts';
import { runCli } from './helpers/cli.ts';
import { sqliteOf } from '../src/db/connection.ts';

describe('the demo', () => {
  it('ends by writing one CSV per tag into data/exports/ and showing the head of one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-demo-'));
    const result = await runCli(['demo', '--locations', '1', '--contacts', '40', '--changes', '5'], {
      cwd: dir, env: { GHL_ETL_CONFIG: undefined, GHL_LOCATION_ID: undefined, GHL_TOKEN: undefined, LOG_LEVEL: undefined },
      timeoutMs: 120_000,
    });
    expect(result.code, result.stderr).toBe(0);
    const exportsDir = join(dir, 'data', 'exports');
    const files = readdirSync(exportsDir);

    const db = openDatabase(join(dir, 'data', 'demo.sqlite'), { readonly: true });
    const tags = sqliteOf(db).prepare(`SELECT t.tag, count(*) AS n FROM contact_tags t JOIN contacts c ON c.id = t.contact_id
      WHERE c.deleted_at IS NULL GROUP BY t.tag`).all() as Array<{ tag: string; n: number }>;
    db.close();
    expect(files.length).toBe(tags.length);
    expect(files.every((f) => f.endsWith('.csv'))).toBe(true);

    expect(result.stdout).toContain(`Segment CSVs, one per tag: ${tags.length} files in ${exportsDir}`);
    const shown = /The head of (data\/exports\/\S+\.csv) /.exec(result.stdout)?.[1];
    expect(shown).toBe('data/exports/vip.csv'); // the demo's seed always has VIPs
    const rows = parse(readFileSync(join(dir, shown!)), { columns: true }) as Array<Record<string, string>>;
    expect(rows.length).toBe(tags.find((t) => t.tag === 'vip')!.n);
    expect(result.stdout).toContain(`  id,location_id,first_name,`);
    expect(result.stdout).toContain(`  ${rows[0]!.id},`);
  }, 120_000);
});
