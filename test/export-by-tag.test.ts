// One CSV per tag, named segments from the config file, and the scheduler's export list.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.ts';
import { listExportRuns } from '../src/db/exports.ts';
import {
  exportByTag, exportNamedSegment, ExportUsageError, runConfiguredExports, tagFileNames,
} from '../src/export/index.ts';
import { LOC, seedExportFixture, type Fixture } from './helpers/export-fixture.ts';
import { sqliteOf } from '../src/db/connection.ts';

let fx: Fixture;
beforeEach(() => {
  fx = seedExportFixture();
});
afterEach(() => fx.cleanup());

const ids = (path: string): string[] => (parse(readFileSync(path), { bom: true }) as string[][]).slice(1).map((r) => r[0]!);

function configWith(content: object) {
  const path = join(fx.dir, 'ghl-etl.config.json');
  writeFileSync(path, JSON.stringify(content));
  return loadConfig({ configPath: path, env: {} });
}

describe('exportByTag', () => {
  it('writes one file per live tag into a new folder, each holding exactly that tag’s contacts', async () => {
    const dir = join(fx.dir, 'by-tag', 'nested');
    const result = await exportByTag(fx.db, dir);
    const tags = (sqliteOf(fx.db).prepare(
      `SELECT DISTINCT tag FROM contact_tags WHERE contact_id IN (SELECT id FROM contacts WHERE deleted_at IS NULL) ORDER BY tag`,
    ).all() as { tag: string }[]).map((r) => r.tag);
    expect(result.files.map((f) => f.tag)).toEqual(tags);
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(tags.length);
    for (const file of files) expect(file).toMatch(/^[a-z0-9][a-z0-9-]*\.csv$/);
    for (const f of result.files) {
      const expected = (sqliteOf(fx.db).prepare(
        `SELECT c.id FROM contacts c JOIN contact_tags t ON t.contact_id = c.id WHERE c.deleted_at IS NULL AND t.tag = ? ORDER BY c.id`,
      ).all(f.tag) as { id: string }[]).map((r) => r.id);
      expect(ids(f.path), f.tag).toEqual(expected);
    }
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(listExportRuns(fx.db).filter((r) => r.segment.startsWith('tag:'))).toHaveLength(tags.length);
  });

  it('gives distinct, safe names to tags differing only in case or punctuation', () => {
    const tags = ['vip', 'VIP', 'Vip', 'v.i.p', 'v i p', 'v-i-p', 'ñandú', 'nandu', '../etc/passwd', 'a/b', 'a\\b', 'con', '', '日本'];
    const names = tagFileNames(tags);
    const all = [...names.values()];
    expect(new Set(all).size).toBe(new Set(tags).size);
    // Distinct on case-insensitive filesystems too.
    expect(new Set(all.map((n) => n.toLowerCase())).size).toBe(all.length);
    for (const n of all) expect(n).toMatch(/^[a-z0-9][a-z0-9-]*$/);
    expect(names.get('vip')).toBe('vip');
    expect(names.get('v-i-p')).toBe('v-i-p');
    expect(names.get('VIP')).toMatch(/^vip-[0-9a-f]{8}$/);
    expect(names.get('con')).toMatch(/^con-[0-9a-f]{8}$/);
    // Stable from one night to the next whatever other tags exist.
    expect(tagFileNames(['VIP']).get('VIP')).toBe(names.get('VIP'));
  });

  it('removes the file of a tag no contact has any more, unless it changed since or the tag lives on elsewhere; other files stay', async () => {
    const dir = join(fx.dir, 'nightly');
    const sql = sqliteOf(fx.db);
    sql.prepare(`INSERT INTO contact_tags (contact_id, tag) VALUES ('c06', 'only-b')`).run();
    const first = await exportByTag(fx.db, dir);
    const fileOf = (tag: string) => first.files.find((f) => f.tag === tag)!.path;
    const [spam, con, onlyB, vip] = ['spam', 'con', 'only-b', 'vip'].map(fileOf) as [string, string, string, string];
    expect(first.removed).toEqual([]);
    writeFileSync(join(dir, 'mine.csv'), 'id\nmy own list\n');
    // The sync took 'spam' and 'con' off every contact; someone edited con's file meanwhile.
    sql.prepare(`DELETE FROM contact_tags WHERE tag IN ('spam', 'con')`).run();
    writeFileSync(con, readFileSync(con, 'utf8') + 'x,added by hand\r\n');
    const edited = readFileSync(con, 'utf8');

    // This export selects location A only: 'only-b' (location B) is not written, yet still live.
    const second = await exportByTag(fx.db, dir, { rule: { locationId: LOC } });
    expect(second.removed).toEqual([{ tag: 'spam', path: spam }]);
    expect(second.keptChanged).toEqual([{ tag: 'con', path: con }]);
    expect(existsSync(spam)).toBe(false);
    expect(readFileSync(con, 'utf8')).toBe(edited);
    expect(existsSync(onlyB)).toBe(true);
    expect(readFileSync(join(dir, 'mine.csv'), 'utf8')).toBe('id\nmy own list\n');
    expect(ids(vip)).toEqual(['c01', 'c02']);
    // Removed files are not removed again, and a tag that comes back gets its file back.
    sql.prepare(`INSERT INTO contact_tags (contact_id, tag) VALUES ('c03', 'spam')`).run();
    const third = await exportByTag(fx.db, dir, { rule: { locationId: LOC } });
    expect(third.removed).toEqual([]);
    expect(ids(spam)).toEqual(['c03']);
  });

  it('writes the tasks of each tag’s contacts beside their contacts files', async () => {
    const dir = join(fx.dir, 'tasks-by-tag');
    await exportByTag(fx.db, dir, { kind: 'tasks', rule: { locationId: 'locA' } });
    const vipTasks = join(dir, 'vip.tasks.csv');
    expect(ids(vipTasks)).toEqual(['t1', 't3', 't2', 't4']);
  });
});

describe('segments in the config file', () => {
  const segments = [
    { name: 'madrid-no-spam', tags: ['madrid'], excludeTags: ['spam'], out: 'OUT' },
    { name: 'vip phones', tags: ['VIP'], hasPhone: true, columns: ['id', 'phone'] },
  ];

  it('exports a named segment with its rule, columns and out, recorded under its name', async () => {
    const out = join(fx.dir, 'madrid.csv');
    const config = configWith({ segments: [{ ...segments[0], out }, segments[1]] });
    const result = await exportNamedSegment(fx.db, config, 'MADRID-no-spam');
    expect(ids(out)).toEqual(['c01']);
    expect(listExportRuns(fx.db, 1)[0]).toMatchObject({ id: result.runId, segment: 'madrid-no-spam', status: 'ok', rows: 1 });
    const phones = join(fx.dir, 'phones.csv');
    await exportNamedSegment(fx.db, config, 'vip phones', { out: phones });
    expect(parse(readFileSync(phones))).toEqual([['id', 'phone'], ['c01', '+34 600 123 456'], ['c02', '+34600000002'], ['c04', '+1 (555) 010-2000']]);
    await expect(exportNamedSegment(fx.db, config, 'nope')).rejects.toThrow(/no segment named "nope".*known segments: madrid-no-spam, vip phones/);
  });

  it('runs the scheduler’s list: segments, tasks of a segment and by-tag, and a failure does not stop the rest', async () => {
    const config = configWith({
      segments: [
        { name: 'madrid', tags: ['madrid'], out: join(fx.dir, 'out', 'madrid.csv') },
        { name: 'broken', tags: ['vip'], columns: ['id', 'no_such_column'], out: join(fx.dir, 'out', 'broken.csv') },
      ],
      exports: ['broken', 'madrid', { segment: 'madrid', kind: 'notes', out: join(fx.dir, 'out', 'madrid-notes.csv') }, { byTag: join(fx.dir, 'out', 'tags') }],
    });
    const result = await runConfiguredExports(fx.db, config);
    expect(result.failed.map((f) => f.what)).toEqual(['broken']);
    expect(result.failed[0]!.error).toBeInstanceOf(ExportUsageError);
    expect(result.exported).toHaveLength(3);
    expect(ids(join(fx.dir, 'out', 'madrid.csv'))).toEqual(['c01', 'c03']);
    expect(ids(join(fx.dir, 'out', 'madrid-notes.csv'))).toEqual(['n2', 'n1']);
    expect(existsSync(join(fx.dir, 'out', 'tags', 'madrid.csv'))).toBe(true);
    expect(existsSync(join(fx.dir, 'out', 'broken.csv'))).toBe(false);
    const runs = listExportRuns(fx.db);
    expect(runs.find((r) => r.segment === 'broken')).toBeUndefined(); // a usage error is reported, not recorded as a run
    expect(runs.find((r) => r.segment === 'madrid' && r.kind === 'notes')).toMatchObject({ status: 'ok', rows: 2 });
  });

  it('names the bad key and the fix', () => {
    const bad = (content: object) => () => configWith(content);
    expect(bad({ segments: [{ name: 'a', match: 'some' }] })).toThrow(/"segments\.0\.match"/);
    expect(bad({ segments: [{ name: 'a', dateAdded: { from: '31/01/2026' } }] })).toThrow(/"segments\.0\.dateAdded\.from" must be a date/);
    expect(bad({ segments: [{ name: 'a', dateAdded: { from: '2026-02-01', to: '2026-01-01' } }] })).toThrow(/"segments\.0\.dateAdded".*"from" must not be after "to"/);
    expect(bad({ segments: [{ name: 'a' }, { name: 'A' }] })).toThrow(/"segments\.1\.name" repeats the segment name/);
    expect(bad({ segments: [{ name: 'a' }], exports: ['b'] })).toThrow(/"exports\.0\.segment" names no segment in "segments" \(known: a\)/);
    expect(bad({ exports: [{ segment: 'a', byTag: 'x' }] })).toThrow(/"exports\.0" needs exactly one of "segment"/);
    expect(bad({ status: { maxAgeHours: 0 } })).toThrow(/"status\.maxAgeHours"/);
    expect(bad({ segments: [{ name: 'a', tag: ['x'] }] })).toThrow(/"segments\.0"/);
  });

  it('defaults: no segments, no exports, status.maxAgeHours 36; the shipped example is valid', () => {
    const config = configWith({});
    expect(config.segments).toEqual([]);
    expect(config.exports).toEqual([]);
    expect(config.status.maxAgeHours).toBe(36);
    const example = loadConfig({ configPath: join(import.meta.dirname, '..', 'ghl-etl.config.example.json'), env: {} });
    expect(example.segments.map((s) => s.name)).toEqual(['hot-leads', 'customers-madrid']);
    expect(example.exports).toHaveLength(3);
  });
});
