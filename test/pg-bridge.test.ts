// The LeadCars bridge on PostgreSQL, through the binary against both sandboxes: a lead posted to
// `serve` becomes a HighLevel contact linked to a new LeadCars lead; a task completed and a note
// added in HighLevel reach the lead as comments after `sync`; a dead outbox row (a wrong LeadCars
// token) goes out on `outbox retry`; `leads import` and `leads link`; HighLevel webhooks applied
// to the PostgreSQL mirror by `serve`; two `serve`s on one database make each lead's contact and
// LeadCars lead once; two processes claiming one outbox row: one gets it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openMirror } from '../src/db/open-mirror.ts';
import { startSandbox, type LeadcarsSandbox, type Sandbox } from '../src/sandbox/index.ts';
import { eventually, intakeLead } from './helpers/bridge.ts';
import { runCli } from './helpers/cli.ts';
import { leadsOf, raw } from './helpers/leadcars.ts';
import { adminQuery, createTestDatabase, usePostgres } from './helpers/postgres.ts';
import { sandboxState, unlimitedClient } from './helpers/sandbox.ts';
import { freePort, INTAKE_SECRET, postLead, spawnServe, type ServeChild } from './helpers/serve.ts';

const cluster = usePostgres();
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface Setup {
  sandbox: Sandbox;
  lc: LeadcarsSandbox;
  db: string;
  locationId: string;
  env(extra?: Record<string, string>): Record<string, string>;
  sql<R extends Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
}

async function setup(opts: { webhookPort?: number } = {}): Promise<Setup> {
  const sandbox = await startSandbox({
    locations: 1, contacts: 3, seed: 17, rateLimit: 'none', leadcars: true,
    ...(opts.webhookPort ? { webhookUrl: `http://127.0.0.1:${opts.webhookPort}/webhooks/ghl` } : {}),
  });
  cleanups.push(() => sandbox.stop());
  const db = await createTestDatabase(cluster());
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-pg-bridge-'));
  // maxAttempts 1: a call LeadCars refuses is dead at once (what `outbox retry` is for).
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ leadcars: { rateLimit: 100 }, bridge: { idleMs: 200, retryBaseMs: 1, maxAttempts: 1 } }));
  const location = sandbox.locations[0]!;
  const lc = sandbox.leadcars!;
  return {
    sandbox, lc, db, locationId: location.id,
    env: (extra = {}) => ({
      GHL_BASE_URL: sandbox.url, GHL_LOCATION_ID: location.id, GHL_TOKEN: location.token, GHL_ETL_DB: db,
      LEADCARS_BASE_URL: lc.url, LEADCARS_TOKEN: lc.token, INTAKE_SECRET, GHL_ETL_CONFIG: join(dir, 'config.json'), LOG_LEVEL: 'warn',
      ...(sandbox.webhookPublicKey ? { GHL_WEBHOOK_PUBLIC_KEY: sandbox.webhookPublicKey } : {}), ...extra,
    }),
    sql: (text, values = []) => adminQuery(db, text, values),
  };
}

/** `ghl-etl serve` as a child: its url once listening, and a SIGTERM stop resolving with the exit code. */
async function startServe(env: Record<string, string>, port = 0): Promise<ServeChild> {
  const serving = await spawnServe({ env: { ...process.env, ...env }, port });
  cleanups.push(serving.stop);
  return serving;
}

/** The comments on a LeadCars lead, in order. */
async function commentsOf(lc: LeadcarsSandbox, leadId: string): Promise<string[]> {
  const lead = (await leadsOf(lc)).find((l) => String(l.id) === leadId);
  return ((lead?.actions?.data ?? []) as Array<{ type: string; info: string }>).filter((a) => a.type === 'comentario').map((a) => a.info);
}

/** Waits for inbox row `id` to be delivered; its contact and lead. */
async function delivered(s: Setup, id: number): Promise<{ contactId: string; leadId: string }> {
  return eventually(async () => {
    const [row] = await s.sql<{ status: string; contact_id: string; lead_id: string }>(`SELECT status, contact_id, lead_id FROM inbox WHERE id = $1`, [id]);
    return row?.status === 'delivered' ? { contactId: row.contact_id, leadId: row.lead_id } : undefined;
  }, 800);
}

async function syncJson(s: Setup, extra: Record<string, string> = {}) {
  const run = await runCli(['sync', '--json'], { env: s.env(extra), timeoutMs: 60_000 });
  expect(run.code, run.stderr + run.stdout).toBe(0);
  return JSON.parse(run.stdout) as { bridge: { ran: boolean; commentsQueued: number; outbox: { sent: number; dead: number } } };
}

describe('the LeadCars bridge on PostgreSQL', () => {
  it('serve: a lead becomes a linked contact; sync: a completed task and a new note become comments; a dead comment goes out on outbox retry', async () => {
    const s = await setup();
    const serve = await startServe(s.env());
    const posted = await postLead(serve.url, intakeLead(s.lc, 1));
    expect(posted.status).toBe(202);
    const { contactId, leadId } = await delivered(s, posted.json.id);
    expect(await s.sql(`SELECT contact_id, lead_id, location_id FROM lead_links`)).toEqual([{ contact_id: contactId, lead_id: leadId, location_id: s.locationId }]);
    expect((await leadsOf(s.lc)).map((l) => [String(l.id), l.lead.email])).toEqual([[leadId, 'persona1@example.es']]);
    expect((await sandboxState(s.sandbox, s.locationId)).contacts.filter((c) => c.email === 'persona1@example.es').map((c) => c.id)).toEqual([contactId]);
    expect(await serve.stop(), serve.stderr()).toBe(0);

    expect((await syncJson(s)).bridge).toMatchObject({ ran: true, commentsQueued: 0 });
    const ghl = unlimitedClient(s.sandbox);
    cleanups.push(() => ghl.close());
    const task = await ghl.createTask(s.locationId, contactId, { title: 'Cita de prueba', dueDate: '2026-12-03T16:00:00.000Z', completed: false });
    await ghl.completeTask(s.locationId, contactId, task.id);
    await ghl.createNote(s.locationId, contactId, { body: 'Tiene coche para entregar' });

    // LeadCars refuses the token: both comments are dead (maxAttempts 1), and status says so.
    const refused = await syncJson(s, { LEADCARS_TOKEN: 'wrong-token-000000000' });
    expect(refused.bridge).toMatchObject({ ran: true, commentsQueued: 2, outbox: { sent: 0, dead: 2 } });
    const dead = await runCli(['outbox', 'list', '--status', 'dead', '--json'], { env: s.env() });
    expect(dead.code, dead.stderr).toBe(0);
    const rows = (JSON.parse(dead.stdout) as { outbox: Array<{ id: number; kind: string; payload: { leadId: string } }> }).outbox;
    expect(rows.map((r) => [r.kind, r.payload.leadId])).toEqual([['leadcars.comment', leadId], ['leadcars.comment', leadId]]);
    const status = await runCli(['status', '--json'], { env: s.env() });
    expect(status.code).toBe(1);
    expect(JSON.parse(status.stdout).bridge).toMatchObject({ healthy: false, outbox: { dead: 2 } });

    for (const r of rows) {
      const retried = await runCli(['outbox', 'retry', String(r.id)], { env: s.env() });
      expect(retried.code, retried.stderr).toBe(0);
    }
    expect((await syncJson(s)).bridge).toMatchObject({ commentsQueued: 0, outbox: { sent: 2, dead: 0 } });
    const comments = ['Tarea completada: Cita de prueba (vence 2026-12-03 16:00 UTC)', 'Nota: Tiene coche para entregar'];
    expect(await commentsOf(s.lc, leadId)).toEqual(comments);
    // Nothing new to say: the next sync queues nothing; a done row cannot be dropped.
    expect((await syncJson(s)).bridge).toMatchObject({ commentsQueued: 0, outbox: { sent: 0 } });
    expect(await commentsOf(s.lc, leadId)).toEqual(comments);
    const drop = await runCli(['outbox', 'drop', String(rows[0]!.id)], { env: s.env() });
    expect(drop.code).toBe(2);
    expect(drop.stderr).toMatch(/is done; there is nothing to drop/);
  }, 120_000);

  it('leads import delivers and links a file\'s leads once; leads link links a lead made elsewhere, and refuses it for a second contact', async () => {
    const s = await setup();
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-pg-leads-'));
    writeFileSync(join(dir, 'leads.json'), JSON.stringify([intakeLead(s.lc, 2)]));
    const imported = await runCli(['leads', 'import', join(dir, 'leads.json'), '--json'], { env: s.env() });
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ read: 1, accepted: 1, delivered: 1, waiting: 0, failed: 0 });
    const again = await runCli(['leads', 'import', join(dir, 'leads.json'), '--json'], { env: s.env() });
    expect(JSON.parse(again.stdout)).toMatchObject({ accepted: 0, duplicates: 1, delivered: 1 });
    expect((await leadsOf(s.lc)).map((l) => l.lead.email)).toEqual(['persona2@example.es']);
    expect(await s.sql(`SELECT count(*)::int AS n FROM lead_links`)).toEqual([{ n: 1 }]);

    await syncJson(s);
    const made = await raw(s.lc, 'POST', '/leads', intakeLead(s.lc, 41));
    const leadId = String((made.body as { data?: { id?: number }; id?: number }).data?.id ?? (made.body as { id?: number }).id);
    expect(leadId).toMatch(/^\d+$/);
    const [first, second] = (await s.sql<{ id: string }>(`SELECT id FROM contacts WHERE id NOT IN (SELECT contact_id FROM lead_links) ORDER BY id LIMIT 2`)).map((r) => r.id);
    const link = await runCli(['leads', 'link', first!, leadId, '--json'], { env: s.env() });
    expect(link.code, link.stderr).toBe(0);
    expect(JSON.parse(link.stdout)).toMatchObject({ contactId: first, leadId, created: true });
    expect(await s.sql(`SELECT contact_id FROM lead_links WHERE lead_id = $1`, [leadId])).toEqual([{ contact_id: first }]);
    const twice = await runCli(['leads', 'link', second!, leadId], { env: s.env() });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(new RegExp(`lead ${leadId} is already linked to contact ${first}`));
  }, 120_000);

  it('serve applies HighLevel webhooks to the PostgreSQL mirror, and a linked contact\'s new task is a comment at once', async () => {
    const port = await freePort();
    const s = await setup({ webhookPort: port });
    await syncJson(s);
    const serve = await startServe(s.env(), port);
    expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
    const posted = await postLead(serve.url, intakeLead(s.lc, 3));
    const { contactId, leadId } = await delivered(s, posted.json.id);
    const ghl = unlimitedClient(s.sandbox);
    cleanups.push(() => ghl.close());

    const [other] = (await s.sql<{ id: string }>(`SELECT id FROM contacts WHERE id <> $1 ORDER BY id LIMIT 1`, [contactId])).map((r) => r.id);
    const note = await ghl.createNote(s.locationId, other!, { body: 'Llamar el lunes' });
    const applied = await eventually(async () => (await s.sql<{ body: string; deleted_at: string | null }>(
      `SELECT body, deleted_at FROM notes WHERE id = $1`, [note.id]))[0], 800);
    expect(applied).toEqual({ body: 'Llamar el lunes', deleted_at: null });
    expect(await s.sql(`SELECT type, applied_at IS NOT NULL AS applied FROM webhook_events WHERE payload::jsonb->>'id' = $1`, [note.id]))
      .toEqual([{ type: 'NoteCreate', applied: true }]);

    await ghl.createTask(s.locationId, contactId, { title: 'Enviar oferta', dueDate: '2026-12-04T10:00:00.000Z', completed: false });
    expect(await eventually(async () => {
      const c = await commentsOf(s.lc, leadId);
      return c.length > 0 ? c : undefined;
    }, 800)).toEqual(['Tarea creada: Enviar oferta (vence 2026-12-04 10:00 UTC)']);
    expect(await serve.stop(), serve.stderr()).toBe(0);
  }, 120_000);

  it('two serves on one database: each lead, posted to both, makes one contact and one LeadCars lead', async () => {
    const s = await setup();
    const [a, b] = await Promise.all([startServe(s.env()), startServe(s.env())]);
    const leads = [4, 5, 6, 7].map((n) => intakeLead(s.lc, n));
    const posted = await Promise.all(leads.flatMap((lead) => [postLead(a!.url, lead), postLead(b!.url, lead)]));
    expect(posted.map((p) => p.status)).toEqual(Array(8).fill(202));
    const ids = [...new Set(posted.map((p) => p.json.id as number))];
    expect(ids).toHaveLength(4);
    for (const id of ids) await delivered(s, id);
    const emails = leads.map((l) => l.email as string).sort();
    expect((await leadsOf(s.lc)).map((l) => l.lead.email).sort()).toEqual(emails);
    const contacts = (await sandboxState(s.sandbox, s.locationId)).contacts.filter((c) => emails.includes(c.email as string));
    expect(contacts.map((c) => c.email).sort()).toEqual(emails);
    expect(await s.sql(`SELECT count(*)::int AS n, count(DISTINCT contact_id)::int AS contacts FROM lead_links`)).toEqual([{ n: 4, contacts: 4 }]);
    expect([await a!.stop(), await b!.stop()]).toEqual([0, 0]);
  }, 120_000);

  it('an outbox row due now is claimed by exactly one of two processes, which gets it as it was; a retried row is due again', async () => {
    const db = await createTestDatabase(cluster());
    const [a, b] = await Promise.all([openMirror(db), openMirror(db)]);
    cleanups.push(() => a!.close(), () => b!.close());
    // A moment ahead: the rows queued below are due by then.
    const now = new Date(Date.now() + 5_000).toISOString();
    const lease = new Date(Date.now() + 60_000).toISOString();
    for (let round = 0; round < 10; round++) {
      const { id } = await a!.bridge.enqueueOutbox({ kind: 'leadcars.comment', dedupeKey: `race:${round}`, payload: { leadId: '1', text: `t${round}` } });
      const claims = await Promise.all([a!.bridge.claimOutboxRow(id, now, lease), b!.bridge.claimOutboxRow(id, now, lease)]);
      const won = claims.filter((c) => c !== undefined);
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ id, attempts: 0, sendingSince: null, status: 'pending', payload: expect.stringContaining(`"t${round}"`) });
      expect(await a!.bridge.getOutboxRow(id)).toMatchObject({ attempts: 1, sendingSince: now, nextAttemptAt: lease });
    }
    // The same effect queued again (by the sync and a webhook) is the same row.
    expect(await b!.bridge.enqueueOutbox({ kind: 'leadcars.comment', dedupeKey: 'race:0', payload: {} })).toMatchObject({ created: false });
    const first = (await a!.bridge.getOutboxByKey('race:0'))!;
    await a!.bridge.settleOutboxRow(first.id, { status: 'dead', lastError: 'refused' });
    expect(await b!.bridge.retryOutboxRow(first.id)).toBe(true);
    expect(await b!.bridge.getOutboxRow(first.id)).toMatchObject({ status: 'pending', attempts: 0, sendingSince: null });
  }, 60_000);
});
