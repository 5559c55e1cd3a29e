// Issue 20 through the binary against the sandbox over HTTP (faults on where the issue says):
// bulk tags by ids and by segment, written through to the mirror; the duplicate lookup's exit
// codes; workflows, campaigns, followers, appointments and the single task/note reads; and the
// catalog covering every operation of the vendored Contacts API and the 11 webhook events.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readVendoredSpec } from '../src/highlevel-api/load.ts';
import { operationsOf } from '../src/highlevel-api/openapi.ts';
import { runCli, type CliResult } from './helpers/cli.ts';
import { losingProxy } from './helpers/losing-proxy.ts';
import { sandboxState, useSandbox } from './helpers/sandbox.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'ghl-etl-cli-actions-'));
const CLEAN = { GHL_ETL_CONFIG: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined, GHL_COMPANY_ID: undefined, LEADCARS_BASE_URL: undefined, LEADCARS_TOKEN: undefined, INTAKE_SECRET: undefined };

function cliAgainst(sandbox: () => { url: string; locations: Array<{ id: string; token: string }> }, dir: string) {
  const dbPath = join(dir, 'mirror.sqlite');
  const env = (baseUrl = sandbox().url) => ({ ...CLEAN, GHL_BASE_URL: baseUrl, GHL_LOCATION_ID: sandbox().locations[0]!.id, GHL_TOKEN: sandbox().locations[0]!.token, GHL_ETL_DB: dbPath });
  const cli = (args: string[], baseUrl?: string): Promise<CliResult> => runCli(args, { cwd: dir, env: env(baseUrl) });
  const ok = async (args: string[]): Promise<CliResult> => {
    const result = await cli(args);
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result;
  };
  return { dbPath, cli, ok };
}

describe('contacts bulk and duplicate (faults on)', () => {
  const sandbox = useSandbox({ locations: 1, contacts: 130, seed: 20, rateLimit: 'none', faults: 0.1, faultKinds: ['http500', 'http503', 'drop', 'slow'], timeScale: 50 });
  const dir = tmp();
  writeFileSync(join(dir, 'ghl-etl.config.json'), JSON.stringify({ segments: [{ name: 'everyone' }, { name: 'picked', tags: ['picked'] }] }));
  const { dbPath, cli, ok } = cliAgainst(sandbox, dir);
  let sqlite: Database.Database;
  const mirrorWith = (tag: string) => (sqlite.prepare(`SELECT contact_id AS id FROM contact_tags t JOIN contacts c ON c.id = t.contact_id
    WHERE t.tag = ? AND c.deleted_at IS NULL ORDER BY id`).all(tag) as Array<{ id: string }>).map((r) => r.id);
  const truthWith = async (tag: string) => (await sandboxState(sandbox())).contacts.filter((c) => c.tags.includes(tag)).map((c) => c.id).sort();

  beforeAll(async () => {
    await ok(['sync']);
    sqlite = new Database(dbPath, { readonly: true });
  }, 120_000);
  afterAll(() => sqlite?.close());

  it('bulk tags add --ids on 30 contacts: exactly those carry the tag in HighLevel and in the mirror; remove takes it off', async () => {
    const ids = (await sandboxState(sandbox())).contacts.slice(10, 40).map((c) => c.id).sort();
    const added = await ok(['contacts', 'bulk', 'tags', 'add', '--tag', 'Campaña-Otoño', '--ids', ids.slice(0, 15).join(','), '--ids', ids.slice(15).join(',')]);
    expect(added.stdout).toMatch(/^added Campaña-Otoño to 30 contacts \(1 of 1 chunk\(s\) sent\)/);
    expect(await truthWith('campaña-otoño')).toEqual(ids);
    expect(mirrorWith('campaña-otoño')).toEqual(ids);
    // The mirror wrote the change through: a sync afterwards finds the same.
    const removed = await ok(['contacts', 'bulk', 'tags', 'remove', '--tag', 'campaña-otoño', '--ids', ids.join(','), '--json']);
    expect(JSON.parse(removed.stdout)).toMatchObject({ contacts: 30, chunks: 1, chunksSent: 1, failed: [] });
    expect(await truthWith('campaña-otoño')).toEqual([]);
    expect(mirrorWith('campaña-otoño')).toEqual([]);
  }, 60_000);

  it('a segment works the same way, in chunks of 100; --dry-run says how many contacts and which chunks and sends nothing', async () => {
    const all = (await sandboxState(sandbox())).contacts.map((c) => c.id).sort();
    const before = sandbox().stats().requests;
    const plan = await ok(['contacts', 'bulk', 'tags', 'add', '--tag', 'everyone', '--segment', 'everyone', '--dry-run']);
    expect(plan.stdout).toContain(`${all.length} contacts in 2 chunk(s) of at most 100`);
    expect(plan.stdout).toContain(`chunk 2: ${all.length - 100} contacts`);
    expect(plan.stderr).toContain('dry run: nothing was sent');
    expect(sandbox().stats().requests).toBe(before);
    const planJson = JSON.parse((await ok(['contacts', 'bulk', 'tags', 'add', '--tag', 'everyone', '--segment', 'everyone', '--dry-run', '--json'])).stdout) as { requests: Array<{ path: string; body: { contacts: string[] } }> };
    expect(planJson.requests.map((r) => [r.path, r.body.contacts.length])).toEqual([['/contacts/bulk/tags/update/add', 100], ['/contacts/bulk/tags/update/add', all.length - 100]]);

    await ok(['contacts', 'bulk', 'tags', 'add', '--tag', 'everyone', '--segment', 'everyone']);
    expect(await truthWith('everyone')).toEqual(all);
    expect(mirrorWith('everyone')).toEqual(all);

    // A tag rule picks from the mirror: the contacts tagged "picked" get "follow-up", the rest do not.
    const picked = all.slice(0, 7);
    await ok(['contacts', 'bulk', 'tags', 'add', '--tag', 'picked', '--ids', picked.join(',')]);
    await ok(['contacts', 'bulk', 'tags', 'add', '--tag', 'follow-up', '--segment', 'picked']);
    expect(await truthWith('follow-up')).toEqual(picked);
    await ok(['contacts', 'bulk', 'tags', 'remove', '--tag', 'follow-up', '--where-tag', 'picked', '--exclude-tag', 'nothing']);
    expect(await truthWith('follow-up')).toEqual([]);
    expect(mirrorWith('follow-up')).toEqual([]);
  }, 90_000);

  it('a contact HighLevel refuses is named on stderr (exit 1); the others are done and written through', async () => {
    const id = (await sandboxState(sandbox())).contacts[50]!.id;
    const r = await cli(['contacts', 'bulk', 'tags', 'add', '--tag', 'parcial', '--ids', `${id},NoSuchContact0000000`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^added parcial to 1 contacts/);
    expect(r.stderr).toContain('refused: contact NoSuchContact0000000: contact not found');
    expect(await truthWith('parcial')).toEqual([id]);
    expect(mirrorWith('parcial')).toEqual([id]);
  }, 60_000);

  it('bulk business links the selected contacts and --remove unlinks them, written through', async () => {
    const ids = (await sandboxState(sandbox())).contacts.slice(0, 5).map((c) => c.id).sort();
    await ok(['contacts', 'bulk', 'business', '--business', 'bizConcesionario01', '--ids', ids.join(',')]);
    const business = () => (sqlite.prepare(`SELECT id FROM contacts WHERE business_id = 'bizConcesionario01' ORDER BY id`).all() as Array<{ id: string }>).map((r) => r.id);
    expect(business()).toEqual(ids);
    expect((await sandboxState(sandbox())).contacts.filter((c) => c.businessId === 'bizConcesionario01').map((c) => c.id).sort()).toEqual(ids);
    const listed = JSON.parse((await ok(['contacts', 'list', '--business', 'bizConcesionario01', '--live', '--json'])).stdout) as Array<{ id: string }>;
    expect(listed.map((c) => c.id).sort()).toEqual(ids);
    await ok(['contacts', 'bulk', 'business', '--remove', '--ids', ids.join(',')]);
    expect(business()).toEqual([]);
  }, 60_000);

  it('refuses bad selections before sending anything (exit 2)', async () => {
    const before = sandbox().stats().requests;
    for (const args of [
      ['contacts', 'bulk', 'tags', 'add', '--ids', 'a1'],
      ['contacts', 'bulk', 'tags', 'add', '--tag', 't'],
      ['contacts', 'bulk', 'tags', 'add', '--tag', 't', '--ids', 'a1', '--segment', 'everyone'],
      ['contacts', 'bulk', 'tags', 'add', '--tag', 't', '--ids', 'not an id'],
      ['contacts', 'bulk', 'tags', 'add', '--tag', 't', '--segment', 'nope'],
      ['contacts', 'bulk', 'business', '--ids', 'a1'],
    ]) {
      const r = await cli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(sandbox().stats().requests).toBe(before);
  }, 60_000);

  it('contacts duplicate --email finds an existing contact (exit 0) and exits 1 for an unknown email', async () => {
    const known = (await sandboxState(sandbox())).contacts.find((c) => c.email)!;
    const found = await ok(['contacts', 'duplicate', '--email', known.email!.toUpperCase(), '--json']);
    expect((JSON.parse(found.stdout) as { id: string }).id).toBe(known.id);
    const line = await ok(['contacts', 'duplicate', '--email', known.email!]);
    expect(line.stdout.split('\t')[0]).toBe(known.id);
    const none = await cli(['contacts', 'duplicate', '--email', 'nadie@example.com']);
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('nadie@example.com');
    expect((await cli(['contacts', 'duplicate'])).code).toBe(2);
    expect((await cli(['contacts', 'duplicate', '--email', 'not-an-email'])).code).toBe(2);
  }, 60_000);
});

describe('workflows, campaigns, followers, appointments, single reads', () => {
  const sandbox = useSandbox({ locations: 1, contacts: 8, seed: 21, rateLimit: 'none' });
  const dir = tmp();
  const { cli, ok } = cliAgainst(sandbox, dir);

  beforeAll(async () => {
    await ok(['sync']);
  }, 60_000);

  it('workflows add enrols once per call and remove takes the contact out; validation first', async () => {
    const id = (await sandboxState(sandbox())).contacts[0]!.id;
    const added = await ok(['contacts', 'workflows', 'add', id, 'wfBienvenida01', '--event-start-time', '2026-12-01T10:00:00+01:00']);
    expect(added.stdout.trim()).toBe(`enrolled contact ${id} in workflow wfBienvenida01 (event starts 2026-12-01T09:00:00.000Z)`);
    expect((await sandboxState(sandbox())).workflows).toEqual([expect.objectContaining({ contactId: id, workflowId: 'wfBienvenida01', eventStartTime: '2026-12-01T09:00:00.000Z' })]);
    const dry = await ok(['contacts', 'workflows', 'add', id, 'wfBienvenida01', '--dry-run']);
    expect(dry.stdout.trim()).toBe(`POST /contacts/${id}/workflow/wfBienvenida01 {}`);
    expect((await cli(['contacts', 'workflows', 'add', id, 'wf1', '--event-start-time', 'tomorrow'])).code).toBe(2);
    await ok(['contacts', 'workflows', 'remove', id, 'wfBienvenida01']);
    expect((await sandboxState(sandbox())).workflows).toEqual([]);
  }, 60_000);

  it('an enrolment whose answer was lost is not repeated: exit 1 saying what to check, and its --idempotency-key refuses to send again', async () => {
    const id = (await sandboxState(sandbox())).contacts[2]!.id;
    const proxy = await losingProxy(sandbox().url);
    try {
      proxy.next('POST', `/contacts/${id}/workflow/wfPerdido01`);
      const lost = await cli(['contacts', 'workflows', 'add', id, 'wfPerdido01', '--idempotency-key', 'enrol-1'], proxy.url);
      expect(lost.code).toBe(1);
      expect(lost.stderr).toMatch(/may have enrolled contact .* check the contact in HighLevel/);
      const enrolled = async () => (await sandboxState(sandbox())).workflows.filter((w) => w.contactId === id);
      expect(await enrolled()).toHaveLength(1);
      const again = await cli(['contacts', 'workflows', 'add', id, 'wfPerdido01', '--idempotency-key', 'enrol-1'], proxy.url);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/idempotencyKey: an earlier run with this key may have enrolled/);
      expect(await enrolled()).toHaveLength(1);
      expect(proxy.lost).toBe(1);
    } finally {
      await proxy.close();
    }
    await ok(['contacts', 'workflows', 'remove', id, 'wfPerdido01']);
  }, 60_000);

  it('campaigns add, remove and remove-all; followers add and remove', async () => {
    const id = (await sandboxState(sandbox())).contacts[1]!.id;
    await ok(['contacts', 'campaigns', 'add', id, 'campPrimavera']);
    await ok(['contacts', 'campaigns', 'add', id, 'campVerano']);
    await ok(['contacts', 'campaigns', 'remove', id, 'campPrimavera']);
    expect((await sandboxState(sandbox())).campaigns.map((c) => c.campaignId)).toEqual(['campVerano']);
    await ok(['contacts', 'campaigns', 'remove-all', id]);
    expect((await sandboxState(sandbox())).campaigns).toEqual([]);

    const followed = JSON.parse((await ok(['contacts', 'followers', 'add', id, 'user1', 'user2', '--json'])).stdout) as unknown;
    expect(followed).toEqual({ contactId: id, followers: ['user1', 'user2'], followersAdded: ['user1', 'user2'] });
    const unfollowed = await ok(['contacts', 'followers', 'remove', id, 'user1']);
    expect(unfollowed.stdout.trim()).toBe(`no longer following contact ${id}: user1 (followers now: user2)`);
    expect((await sandboxState(sandbox())).followers).toEqual([{ contactId: id, userId: 'user2' }]);
  }, 60_000);

  it('appointments lists what HighLevel has; tasks show and notes show read the mirror or, with --live, HighLevel', async () => {
    const state = await sandboxState(sandbox());
    for (const c of state.contacts.slice(0, 3)) {
      const listed = JSON.parse((await ok(['contacts', 'appointments', c.id, '--json'])).stdout) as Array<{ contactId: string }>;
      for (const e of listed) expect(e.contactId).toBe(c.id);
    }
    const task = state.tasks[0]!;
    for (const live of [[], ['--live']]) {
      const shown = JSON.parse((await ok(['tasks', 'show', task.contactId, task.id, '--json', ...live])).stdout) as { id: string; title: string };
      expect(shown).toMatchObject({ id: task.id, title: task.title });
    }
    const note = state.notes[0]!;
    const shownNote = JSON.parse((await ok(['notes', 'show', note.contactId, note.id, '--live', '--json'])).stdout) as { id: string; body: string };
    expect(shownNote).toMatchObject({ id: note.id, body: note.body });
    expect((await cli(['tasks', 'show', task.contactId, 'NoSuchTask000000'])).code).toBe(1);
  }, 90_000);
});

describe('catalog', () => {
  it('catalog --json covers every operation of the vendored Contacts API and the 11 contact, task and note events', async () => {
    const r = await runCli(['catalog', '--json'], { cwd: tmp(), env: CLEAN });
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ service: string; kind: string; name: string; method: string; path: string; scope: string; command: string }>;
    const routes = new Set(rows.filter((row) => row.service === 'HighLevel' && row.kind !== 'trigger').map((row) => `${row.method} ${row.path}`));
    const operations = operationsOf(readVendoredSpec('contacts')).map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(operations).toHaveLength(32);
    expect(operations.filter((op) => !routes.has(op))).toEqual([]);
    const triggers = rows.filter((row) => row.service === 'HighLevel' && row.kind === 'trigger').map((row) => row.name).sort();
    expect(triggers).toEqual(['ContactCreate', 'ContactDelete', 'ContactDndUpdate', 'ContactTagUpdate', 'ContactUpdate', 'NoteCreate', 'NoteDelete', 'NoteUpdate', 'TaskComplete', 'TaskCreate', 'TaskDelete']);
    for (const row of rows.filter((x) => x.service === 'HighLevel')) {
      expect(row.scope, row.name).not.toBe('');
      expect(row.command, row.name).toMatch(/^ghl-etl /);
    }
  }, 60_000);
});
