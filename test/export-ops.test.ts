// The analyst-facing library beside the exports: the 360° contact view, run history, the status
// report a monitor alerts on, and the GDPR purge.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contactView } from '../src/db/contact-view.ts';
import { recordExportEnd, recordExportStart } from '../src/db/exports.ts';
import { listRunHistory } from '../src/db/history.ts';
import { purgeDeleted } from '../src/db/purge.ts';
import { finishRun, startRun } from '../src/db/runs.ts';
import { exportSegment } from '../src/export/index.ts';
import { statusReport } from '../src/status/report.ts';
import { LOC, LOC_B, seedExportFixture, type Fixture } from './helpers/export-fixture.ts';
import { sqliteOf } from '../src/db/connection.ts';

let fx: Fixture;
beforeEach(() => {
  fx = seedExportFixture();
});
afterEach(() => fx.cleanup());

const at = (iso: string) => () => new Date(iso);
const one = <T>(sql: string, ...params: unknown[]) => sqliteOf(fx.db).prepare(sql).get(...params) as T;
const count = (sql: string, ...params: unknown[]) => one<{ n: number }>(sql, ...params).n;

describe('contactView', () => {
  it('shows profile, tags, custom fields by name, tasks open first, notes newest first, recent activity', () => {
    const view = contactView(fx.db, 'c01')!;
    expect(view.profile).toMatchObject({ id: 'c01', firstName: 'Ana, "la jefa"', phone: '+34 600 123 456', dnd: false, deletedAt: null });
    expect(view.tags).toEqual(['madrid', 'vip']);
    expect(view.customFields).toEqual({ Budget: 1200, Colors: ['red', 'blue, green'], '=Evil, "Header"': '@SUM(A1)' });
    expect(view.tasks.map((t) => [t.id, t.completed])).toEqual([['t1', false], ['t3', false], ['t2', true]]);
    expect(view.notes.map((n) => n.id)).toEqual(['n2', 'n1']);
    expect(view.activity).toMatchObject({ openTasks: 2, tasks: 3, notes: 2, lastNoteAt: '2026-03-05T10:00:00.000Z' });
    expect(view.activity.recent[0]).toMatchObject({ kind: 'task_due', at: '2026-05-01T10:00:00.000Z' });
    expect(view.activity.recent.map((e) => e.at)).toEqual([...view.activity.recent.map((e) => e.at)].sort().reverse());
  });

  it('is undefined for an unknown id and marks a deleted contact', () => {
    expect(contactView(fx.db, 'nope')).toBeUndefined();
    expect(contactView(fx.db, 'c07')!.profile.deletedAt).toBe('2026-03-01T00:00:00.000Z');
  });
});

describe('listRunHistory', () => {
  it('lists sync and export runs together, newest first', async () => {
    const r1 = startRun(fx.db, { locationId: LOC, mode: 'full' }, at('2026-03-01T02:00:00.000Z'));
    finishRun(fx.db, r1, { status: 'ok', apiCalls: 10 }, at('2026-03-01T02:05:00.000Z'));
    const e1 = recordExportStart(fx.db, { segment: 'hot', kind: 'contacts', path: '/x.csv' }, at('2026-03-01T02:06:00.000Z'));
    recordExportEnd(fx.db, e1, { status: 'failed', error: 'disk full' }, at('2026-03-01T02:06:01.000Z'));
    const r2 = startRun(fx.db, { locationId: LOC, mode: 'incremental' }, at('2026-03-02T02:00:00.000Z'));
    const runs = listRunHistory(fx.db, 10);
    expect(runs.map((r) => [r.type, r.id])).toEqual([['sync', r2], ['export', e1], ['sync', r1]]);
    expect(runs[1]).toMatchObject({ type: 'export', segment: 'hot', status: 'failed', error: 'disk full' });
    expect(listRunHistory(fx.db, 2)).toHaveLength(2);
  });
});

describe('statusReport', () => {
  const config = (maxAgeHours = 36) => ({
    locations: [{ id: LOC }, { id: LOC_B, name: 'B' }],
    status: { maxAgeHours },
    rateLimit: { max: 100, intervalMs: 10_000, daily: 1000, dailyShare: 0.8 },
  });
  const sync = (loc: string, start: string, end: string, status: 'ok' | 'failed' | 'budget', apiCalls = 100, error?: string) => {
    const id = startRun(fx.db, { locationId: loc, mode: 'incremental' }, at(start));
    finishRun(fx.db, id, { status, apiCalls, error: error ?? null }, at(end));
    return id;
  };
  const now = new Date('2026-03-10T12:00:00.000Z');

  it('is healthy when every location synced recently, and reports the budget used', () => {
    sync(LOC, '2026-03-10T02:00:00.000Z', '2026-03-10T02:10:00.000Z', 'ok', 300);
    sync(LOC, '2026-03-08T02:00:00.000Z', '2026-03-08T02:10:00.000Z', 'ok', 999); // outside the 24 h window
    sync(LOC_B, '2026-03-10T03:00:00.000Z', '2026-03-10T03:10:00.000Z', 'ok', 50);
    const report = statusReport(fx.db, config(), now);
    expect(report.healthy).toBe(true);
    const a = report.locations.find((l) => l.locationId === LOC)!;
    expect(a).toMatchObject({ lastSuccessAt: '2026-03-10T02:10:00.000Z', dataAgeHours: 9.83, apiCallsLast24h: 300, budgetUsedShare: 0.3, problems: [] });
    expect(report.locations.find((l) => l.locationId === LOC_B)!.name).toBe('B');
  });

  it('flags a stale location', () => {
    sync(LOC, '2026-03-10T02:00:00.000Z', '2026-03-10T02:10:00.000Z', 'ok');
    sync(LOC_B, '2026-03-08T02:00:00.000Z', '2026-03-08T02:10:00.000Z', 'ok');
    const report = statusReport(fx.db, config(), now);
    expect(report.healthy).toBe(false);
    const b = report.locations.find((l) => l.locationId === LOC_B)!;
    expect(b.healthy).toBe(false);
    expect(b.problems.join()).toMatch(/data is 57\.8 h old \(status\.maxAgeHours is 36\)/);
    expect(report.locations.find((l) => l.locationId === LOC)!.healthy).toBe(true);
    expect(statusReport(fx.db, config(72), now).healthy).toBe(true);
  });

  it('flags a location whose last run failed, with its error, even when its data is fresh', () => {
    sync(LOC, '2026-03-10T01:00:00.000Z', '2026-03-10T01:10:00.000Z', 'ok');
    sync(LOC, '2026-03-10T02:00:00.000Z', '2026-03-10T02:01:00.000Z', 'failed', 5, 'HTTP 401: token revoked');
    sync(LOC_B, '2026-03-10T02:00:00.000Z', '2026-03-10T02:10:00.000Z', 'budget', 800, 'daily budget spent');
    const report = statusReport(fx.db, config(), now);
    expect(report.healthy).toBe(false);
    const a = report.locations.find((l) => l.locationId === LOC)!;
    expect(a).toMatchObject({ healthy: false, lastRun: { status: 'failed' }, lastError: { message: 'HTTP 401: token revoked' } });
    // Stopped by the budget is not a failure, but B has never finished a sync.
    const b = report.locations.find((l) => l.locationId === LOC_B)!;
    expect(b.problems).toEqual(['never synced successfully', 'last run stopped early (budget); the next sync resumes it']);
  });

  it('reports the last export', async () => {
    await exportSegment(fx.db, { rule: {}, out: `${fx.dir}/all.csv`, segment: 'all' });
    expect(statusReport(fx.db, config(), now).lastExport).toMatchObject({ segment: 'all', status: 'ok', rows: 6 });
  });
});

describe('purgeDeleted', () => {
  it('erases the personal data of contacts deleted before the date, keeping ids and dates, and nothing else', () => {
    const beforeLive = one<Record<string, unknown>>(`SELECT * FROM contacts WHERE id = 'c01'`);
    const ftsHits = (table: 'notes_fts' | 'tasks_fts', term: string) => count(`SELECT count(*) AS n FROM ${table} WHERE ${table} MATCH ?`, term);
    expect(ftsHits('notes_fts', 'secret')).toBe(1);
    expect(ftsHits('tasks_fts', 'secret')).toBe(1);

    // Deleted on 2026-03-01: a cutoff on that day keeps it, the next day purges it.
    expect(purgeDeleted(fx.db, '2026-03-01')).toEqual({ contacts: 0, tasks: 0, notes: 0 });
    expect(purgeDeleted(fx.db, '2026-03-02')).toEqual({ contacts: 1, tasks: 1, notes: 1 });

    const gone = one<Record<string, unknown>>(`SELECT * FROM contacts WHERE id = 'c07'`);
    expect(gone).toMatchObject({
      id: 'c07', location_id: LOC, first_name: null, last_name: null, name: null, email: null, phone: null,
      date_added: '2026-01-10T09:00:00.000Z', deleted_at: '2026-03-01T00:00:00.000Z',
    });
    expect(JSON.parse(gone.raw as string)).toEqual({ id: 'c07', purged: true });
    expect(count(`SELECT count(*) AS n FROM contact_tags WHERE contact_id = 'c07'`)).toBe(0);
    expect(count(`SELECT count(*) AS n FROM contact_custom_fields WHERE contact_id = 'c07'`)).toBe(0);
    expect(one(`SELECT id, title, body, raw FROM tasks WHERE id = 't7'`)).toEqual({ id: 't7', title: null, body: null, raw: '{"id":"t7","purged":true}' });
    expect(one(`SELECT id, body, date_added FROM notes WHERE id = 'n7'`)).toEqual({ id: 'n7', body: null, date_added: '2026-01-02T00:00:00.000Z' });
    expect(ftsHits('notes_fts', 'secret')).toBe(0);
    expect(ftsHits('tasks_fts', 'secret')).toBe(0);
    // No trace of the person anywhere in the file's tables.
    for (const { name } of sqliteOf(fx.db).prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%'`).all() as { name: string }[]) {
      const rows = sqliteOf(fx.db).prepare(`SELECT * FROM "${name}"`).all();
      expect(JSON.stringify(rows), name).not.toMatch(/gone@example\.com|Gone Person|\+34600000007/);
    }

    // Live contacts untouched; running it again erases nothing more.
    expect(one(`SELECT * FROM contacts WHERE id = 'c01'`)).toEqual(beforeLive);
    expect(count(`SELECT count(*) AS n FROM notes_fts WHERE notes_fts MATCH 'quotes'`)).toBe(1);
    expect(purgeDeleted(fx.db, '2026-03-02')).toEqual({ contacts: 0, tasks: 0, notes: 0 });
  });

  it('refuses something that is not a date', () => {
    expect(() => purgeDeleted(fx.db, 'last week')).toThrow(/"last week" is not a date; give one like 2026-01-31/);
  });
});
