// After a real sync against the sandbox (over HTTP), through the binary: `status` (healthy 0,
// stale 1, JSON), `runs` (sync and export runs), `contacts show --live` read alike to the mirror's.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open.ts';
import { runCli } from './helpers/cli.ts';
import { sandboxState, useSandbox } from './helpers/sandbox.ts';
import { sqliteOf } from '../src/db/connection.ts';

const sandbox = useSandbox({ contacts: 12, seed: 31 });
const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-monitor-'));
const dbPath = join(dir, 'mirror.sqlite');
const env = () => ({
  GHL_ETL_CONFIG: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined, GHL_ETL_DB: dbPath,
  GHL_BASE_URL: sandbox().url, GHL_LOCATION_ID: sandbox().locations[0]!.id, GHL_TOKEN: sandbox().locations[0]!.token,
});
const cli = (args: string[]) => runCli(args, { cwd: dir, env: env() });

beforeAll(async () => {
  const sync = await cli(['sync']);
  expect(sync.code, sync.stderr).toBe(0);
  const exported = await cli(['export', '--by-tag', '--out-dir', join(dir, 'csv')]);
  expect(exported.code, exported.stderr).toBe(0);
}, 60_000);

describe('status', () => {
  it('healthy after a sync: exit 0; stale data: exit 1 naming the age; --json for monitors', async () => {
    const healthy = await cli(['status']);
    expect(healthy.code, healthy.stderr).toBe(0);
    const location = sandbox().locations[0]!.id;
    expect(healthy.stdout).toMatch(new RegExp(`^${location} \\(.*\\): healthy\\n {2}last run {5}#1 ok \\(`));
    expect(healthy.stdout).toMatch(/API budget {3}\d+ of 200000 calls used today \(.*\), as HighLevel reported at /);
    expect(healthy.stdout).toMatch(/last export {2}#\d+ ok "tag:/);

    // The last good sync finished two days ago: older than status.maxAgeHours (36).
    const db = openDatabase(dbPath);
    const twoDaysAgo = new Date(Date.now() - 48 * 3_600_000).toISOString();
    sqliteOf(db).prepare(`UPDATE sync_runs SET started_at = ?, finished_at = ?`).run(twoDaysAgo, twoDaysAgo);
    db.close();
    const stale = await cli(['status', '--json']);
    expect(stale.code).toBe(1);
    const report = JSON.parse(stale.stdout) as { healthy: boolean; locations: Array<{ locationId: string; healthy: boolean; dataAgeHours: number; problems: string[]; lastRun: { status: string } }> };
    expect(report.healthy).toBe(false);
    expect(report.locations).toHaveLength(1);
    expect(report.locations[0]).toMatchObject({ locationId: location, healthy: false, lastRun: { status: 'ok' } });
    expect(report.locations[0]!.dataAgeHours).toBeGreaterThanOrEqual(48);
    expect(report.locations[0]!.problems[0]).toMatch(/data is 48\.\d h old \(status\.maxAgeHours is 36\)/);
  });
});

describe('runs', () => {
  it('lists sync and export runs, newest first; --limit; --json', async () => {
    const text = await cli(['runs', '--limit', '50']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^sync {3}#1 {5}ok {10}.* full: 12 contacts \(12 new, 0 updated, 0 deleted\)/m);
    expect(text.stdout).toMatch(/^export #\d+ +ok +.*"tag:[^"]+" -> .*\.csv, \d+ rows?, sha256 [0-9a-f]{12}$/m);
    const json = await cli(['runs', '--limit', '2', '--json']);
    const { runs } = JSON.parse(json.stdout) as { runs: Array<{ type: string }> };
    expect(runs).toHaveLength(2);
    expect(runs.map((r) => r.type)).toEqual(['export', 'export']);
  });
});

describe('contacts show --live', () => {
  it('reads the contact, its tasks and notes from HighLevel and shows them as the mirror does', async () => {
    const truth = await sandboxState(sandbox());
    // The contact with the most tasks and notes, so the order of both is tested.
    const contact = [...truth.contacts].sort((a, b) =>
      truth.tasks.filter((t) => t.contactId === b.id).length + truth.notes.filter((n) => n.contactId === b.id).length -
      (truth.tasks.filter((t) => t.contactId === a.id).length + truth.notes.filter((n) => n.contactId === a.id).length))[0]!;
    const live = await cli(['contacts', 'show', contact.id, '--live', '--json']);
    expect(live.code, live.stderr).toBe(0);
    const mirrored = await cli(['contacts', 'show', contact.id, '--json']);
    type View = { source: string; profile: Record<string, unknown>; tags: string[]; customFields: object; tasks: Array<{ id: string; completed: boolean }>; notes: Array<{ id: string; dateAdded: string }> };
    const a = JSON.parse(live.stdout) as View;
    const b = JSON.parse(mirrored.stdout) as View;
    expect([a.source, b.source]).toEqual(['live', 'mirror']);
    expect(a.tags).toEqual([...(contact.tags ?? [])].sort());
    expect(a.tasks.map((t) => t.id).sort()).toEqual(truth.tasks.filter((t) => t.contactId === contact.id).map((t) => t.id).sort());
    expect(a.tasks.length + a.notes.length).toBeGreaterThan(1);
    // Open tasks first, notes newest first, custom fields named alike: the same view as the mirror's.
    expect(a.tasks.map((t) => t.completed)).toEqual([...a.tasks.map((t) => t.completed)].sort((x, y) => Number(x) - Number(y)));
    expect(a.notes.map((n) => Date.parse(n.dateAdded))).toEqual(a.notes.map((n) => Date.parse(n.dateAdded)).sort((x, y) => y - x));
    expect({ tags: a.tags, customFields: a.customFields, tasks: a.tasks, notes: a.notes })
      .toEqual({ tags: b.tags, customFields: b.customFields, tasks: b.tasks, notes: b.notes });
    const { syncedAt: _a, ...liveProfile } = a.profile;
    const { syncedAt: _b, ...mirrorProfile } = b.profile;
    expect(liveProfile).toEqual(mirrorProfile);

    const text = await cli(['contacts', 'show', contact.id, '--live']);
    expect(text.stdout).toMatch(/fetched +.* \(live from HighLevel\)/);
    const unknown = await cli(['contacts', 'show', 'no-such-contact', '--live']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/contact no-such-contact is not in HighLevel location/);
  });
});
