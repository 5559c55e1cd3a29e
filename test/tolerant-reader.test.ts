// Live HighLevel departs from its own files; the client keeps what it receives, types what it
// uses and records the rest as drift. Against the sandbox with --quirks (nulls for every empty
// optional field, a string for a list of one, pages without meta, unknown fields), over HTTP,
// through the binary.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { authHeaders, useSandbox } from './helpers/sandbox.ts';
import { compareWithTruth, fetchTruth } from './helpers/truth.ts';

const CLEAN = { GHL_ETL_CONFIG: undefined, LOG_LEVEL: 'warn', GHL_ETL_SECRET: undefined, GHL_COMPANY_ID: undefined, LEADCARS_BASE_URL: undefined, LEADCARS_TOKEN: undefined, INTAKE_SECRET: undefined };

interface Drift { operation: string; field: string; problem: string; count: number; lastSeen: string }

describe('a sandbox playing live HighLevel\'s departures (--quirks)', () => {
  // 250 contacts: three pages of GET /contacts/, the second and the last without meta.
  const sandbox = useSandbox({ locations: 1, contacts: 250, seed: 41, rateLimit: 'none', quirks: true });

  it('is mirrored exactly, sync exits 0, and status --json names each drifting field with its count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-quirks-'));
    const dbPath = join(dir, 'mirror.sqlite');
    const config = join(dir, 'ghl-etl.config.json');
    writeFileSync(config, JSON.stringify({ sync: { lister: 'list' } }));
    const location = sandbox().locations[0]!;
    const env = { ...CLEAN, GHL_BASE_URL: sandbox().url, GHL_LOCATION_ID: location.id, GHL_TOKEN: location.token, GHL_ETL_DB: dbPath, GHL_ETL_CONFIG: config };

    const sync = await runCli(['sync'], { cwd: dir, env });
    expect(sync.code, sync.stderr).toBe(0);
    const truth = await fetchTruth(sandbox().url, location.id);
    expect(compareWithTruth(dbPath, truth, { rawDeparts: true })).toEqual([]);

    const db = new Database(dbPath, { readonly: true });
    try {
      // raw keeps what was received, unknown fields included.
      const raw = JSON.parse((db.prepare('SELECT raw FROM contacts LIMIT 1').get() as { raw: string }).raw) as Record<string, unknown>;
      expect(raw.attributionSource).toEqual({ medium: null, sessionSource: 'CRM UI' });
      // A list of numbers is typed as the list of its options (compareWithTruth checked every value).
      const seats = db.prepare(`SELECT v.value, v.value_type AS type FROM contact_custom_fields v JOIN custom_fields f ON f.id = v.field_id
        WHERE f.field_key = 'contact.plazas' LIMIT 1`).get() as { value: string; type: string };
      expect(seats.type).toBe('list');
      expect(JSON.parse(seats.value)).toEqual(expect.arrayContaining([expect.stringMatching(/^[2579]$/)]));
    } finally {
      db.close();
    }

    const status = await runCli(['status', '--json'], { cwd: dir, env });
    expect(status.code, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout) as { locations: Array<{ locationId: string; healthy: boolean; drift: Drift[] }> };
    const drift = report.locations[0]!.drift;
    const count = (operation: string, field: string, problem: string) =>
      drift.find((d) => d.operation === operation && d.field === field && d.problem === problem)?.count;
    const oneTag = truth.contacts.filter((c) => c.tags.length === 1).length;
    const noTag = truth.contacts.filter((c) => c.tags.length === 0).length;
    expect(oneTag).toBeGreaterThan(0);
    expect(count('GET /contacts/', 'contacts[].tags', 'string where array')).toBe(oneTag);
    expect(count('GET /contacts/', 'contacts[].tags', 'null where array')).toBe(noTag);
    expect(count('GET /contacts/', 'meta', 'missing')).toBe(2);
    expect(count('GET /contacts/', 'contacts[].dnd', 'null where boolean')).toBe(truth.contacts.filter((c) => !c.dnd).length);
    expect(count('GET /contacts/', 'contacts[].dateUpdated', 'missing (dateAdded used)')).toBe(truth.contacts.filter((c) => c.dateUpdated === c.dateAdded).length);
    // Numbers where strings are documented: a list of numbers in a custom value, a postal code of digits.
    const seats = truth.customFields.find((f) => f.fieldKey === 'contact.plazas')!;
    const withSeats = truth.contacts.filter((c) => c.customFields.some((v) => v.id === seats.id)).length;
    expect(withSeats).toBeGreaterThan(0);
    expect(count('GET /contacts/', 'contacts[].customFields[].value', 'array where string|number|array')).toBe(withSeats);
    const digitsOnly = truth.contacts.filter((c) => /^[1-9]\d*$/.test(c.postalCode ?? '')).length;
    expect(digitsOnly).toBeGreaterThan(0);
    expect(count('GET /contacts/', 'contacts[].postalCode', 'integer where string')).toBe(digitsOnly);
    // Fields no file lists are counted too, by the JSON type they came as.
    expect(count('GET /contacts/', 'contacts[].lastActivity', 'unknown field (integer)')).toBe(truth.contacts.length);
    expect(count('GET /contacts/', 'contacts[].attributionSource', 'unknown field (object)')).toBe(truth.contacts.length);
    expect(count('GET /contacts/', 'traceId', 'unknown field (string)')).toBe(3);
    expect(count('GET /locations/{locationId}', 'location.email', 'null where string')).toBe(1);
    expect(count('GET /locations/{locationId}', 'location.phone', 'null where string')).toBe(1);
    for (const d of drift) expect(d.lastSeen).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(JSON.stringify(drift)).not.toContain(truth.contacts.find((c) => c.tags.length === 1)!.tags[0]!);

    // The human status: one drift line for the location, and still healthy (exit 0).
    const human = await runCli(['status'], { cwd: dir, env });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout.split('\n').filter((l) => l.trimStart().startsWith('drift'))).toHaveLength(1);
    expect(human.stdout).toMatch(/drift +\d+ answer fields depart from HighLevel's documented shape, tolerated: /);

    // A second sync adds to the counts instead of new rows.
    const again = await runCli(['sync'], { cwd: dir, env });
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse((await runCli(['status', '--json'], { cwd: dir, env })).stdout) as typeof report;
    const location2 = second.locations[0]!.drift.find((d) => d.operation === 'GET /locations/{locationId}' && d.field === 'location.email')!;
    expect(location2.count).toBe(2);
    expect(second.locations[0]!.drift).toHaveLength(drift.length);
  }, 120_000);
});

describe('ghl-etl sandbox --quirks', () => {
  it('answers with the departures: the location without email and phone, a lone tag as a string, the last page without meta', async () => {
    const child = spawn(process.execPath, ['src/cli/bin.mjs', 'sandbox', '--quirks', '--json', '--port', '0', '--locations', '1', '--contacts', '30', '--seed', '5'], {
      cwd: new URL('..', import.meta.url), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    try {
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      const info = JSON.parse(line) as { url: string; locations: Array<{ id: string; token: string }> };
      const loc = info.locations[0]!;
      const location = (await (await fetch(`${info.url}/locations/${loc.id}`, { headers: authHeaders(loc.token) })).json()) as { location: Record<string, unknown> };
      expect(location.location).toMatchObject({ id: loc.id, email: null, phone: null });
      const page = (await (await fetch(`${info.url}/contacts/?locationId=${loc.id}&limit=100`, { headers: authHeaders(loc.token) })).json()) as Record<string, unknown> & { contacts: Array<{ tags: unknown }> };
      expect(page.contacts).toHaveLength(30);
      expect(page).not.toHaveProperty('meta');
      expect(page.contacts.every((c) => c.tags === null || typeof c.tags === 'string' || (Array.isArray(c.tags) && c.tags.length > 1))).toBe(true);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect(((await exited) as [number | null])[0]).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
