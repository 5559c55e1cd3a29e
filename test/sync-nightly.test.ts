// The nightly sync with and without webhooks (issue 21), against the sandbox over real HTTP into
// real SQLite files, with `serve` receiving the sandbox's signed webhooks: notes changed while
// serve ran are in the mirror without the rolling share, notes changed while it was down are
// found by the fallback (the usual share), and every task is exact after each run (the
// location-wide task search), with or without webhooks.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../src/db/open.ts';
import { sqliteOf } from '../src/db/connection.ts';
import { setLogLevel } from '../src/log.ts';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';
import { startServer, type IntakeServer } from '../src/serve/index.ts';
import { syncLocation, type RunSummary } from '../src/sync/location.ts';
import { mirrorStatusReport } from '../src/status/report.ts';
import { sqliteMirror } from '../src/db/sqlite-mirror.ts';
import { quietLogger } from './helpers/logger.ts';
import { sandboxStats, unlimitedClient } from './helpers/sandbox.ts';
import { freePort, INTAKE_SECRET } from './helpers/serve.ts';
import { compareWithTruth, fetchTruth } from './helpers/truth.ts';

setLogLevel('silent');

const CONTACTS = 40;
// rollingDays 1: the usual share is every contact, so one fallback night finds every note
// changed while serve was down; with webhooks flowing the safety net is one contact in 1,000.
const CONFIG = { sync: { concurrency: 8, lister: 'list' as const, rollingDays: 1, maxDeleteShare: 0.2, rollingShareWithWebhooks: 1000, webhookSilenceHours: 24 } };

const NOTES_ROUTE = 'GET /contacts/{contactId}/notes';
const SEARCH_ROUTE = 'POST /locations/{locationId}/tasks/search';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface World {
  sandbox: Sandbox;
  path: string;
  db: Db;
  locationId: string;
  /** Starts serve on the port the sandbox delivers to (again after stopServe). */
  startServe(): Promise<void>;
  stopServe(): Promise<void>;
  serveUrl(): string;
  sync(): Promise<RunSummary>;
  /** Waits until every webhook the sandbox queued is delivered or dropped. */
  delivered(): Promise<void>;
  calls(): Promise<Record<string, number>>;
}

async function world(seed: number): Promise<World> {
  const port = await freePort();
  const sandbox = await startSandbox({ locations: 1, contacts: CONTACTS, seed, rateLimit: 'none', webhookUrl: `http://127.0.0.1:${port}/webhooks/ghl` });
  const path = join(mkdtempSync(join(tmpdir(), 'ghl-etl-nightly-')), 'mirror.sqlite');
  const db = openDatabase(path);
  // serve has its own connection to the file, as its own process would.
  const serveDb = openDatabase(path);
  const client = unlimitedClient(sandbox);
  const locationId = sandbox.locations[0]!.id;
  let server: IntakeServer | undefined;
  const w: World = {
    sandbox, path, db, locationId,
    async startServe() {
      server = await startServer({
        db: serveDb, logger: quietLogger, host: '127.0.0.1', port,
        config: { intakeSecret: INTAKE_SECRET, webhookPublicKey: sandbox.webhookPublicKey, locations: [{ id: locationId }] as never },
      });
    },
    async stopServe() {
      await server?.close();
      server = undefined;
    },
    serveUrl: () => server!.url,
    sync: () => syncLocation({ logger: quietLogger, db, client, locationId, full: false, lister: 'list', config: CONFIG }),
    delivered: () => sandbox.webhooks!.idle(),
    async calls() {
      const { byRoute } = await sandboxStats(sandbox);
      await fetch(new URL('/__sandbox/stats/reset', sandbox.url), { method: 'POST' });
      return byRoute;
    },
  };
  cleanups.push(() => sandbox.stop(), () => client.close(), () => w.stopServe(), () => serveDb.close(), () => db.close());
  return w;
}

const contactIds = (s: Sandbox, locationId: string) => s.store.state(locationId).contacts.map((c) => c.id);
const liveNote = (db: Db, id: string) =>
  sqliteOf(db).prepare(`SELECT body FROM notes WHERE id = ? AND deleted_at IS NULL`).pluck().get(id) as string | undefined;

/** Edits the first note of `contactId` (adding one when it has none); returns the note's id and new body. */
function editNote(sandbox: Sandbox, contactId: string, body: string): string {
  const note = sandbox.store.listNotes(contactId)[0];
  return note ? sandbox.store.updateNote(contactId, note.id, { body }).id : sandbox.store.createNote(contactId, { body }).id;
}

describe('the nightly sync with webhooks', () => {
  it('notes edited while serve ran are in the mirror without the rolling share; edited while it was down, the fallback finds them', async () => {
    const w = await world(61);
    await w.startServe();
    expect((await w.sync()).mode).toBe('full');
    const ids = contactIds(w.sandbox, w.locationId);

    // serve up: two contacts' notes change; serve applies the events at once.
    const seen = [editNote(w.sandbox, ids[3]!, 'while serve ran 1'), editNote(w.sandbox, ids[17]!, 'while serve ran 2')];
    await w.delivered();
    expect(liveNote(w.db, seen[0]!)).toBe('while serve ran 1');
    await w.calls();
    const flowing = await w.sync();
    expect(flowing.status).toBe('ok');
    expect(flowing.notesPlan).toMatchObject({ flowing: true, every: 1000, namedContacts: 2 });
    // The two named contacts and a safety net of ceil(40 / 1000) = 1, not the usual share of 40.
    expect((await w.calls())[NOTES_ROUTE]).toBe(3);
    expect(compareWithTruth(w.path, await fetchTruth(w.sandbox.url, w.locationId))).toEqual([]);
    const status = await mirrorStatusReport(sqliteMirror(w.db), { locations: [{ id: w.locationId }], status: { maxAgeHours: 26 }, rateLimit: { daily: 200_000 } } as never);
    expect(status.locations[0]!.notes).toMatchObject({ webhooksFlowing: true, rollingShare: 1000, namedContacts: 2, reason: null });

    // serve down: the sandbox's deliveries fail and are dropped, as HighLevel drops them.
    await w.stopServe();
    const missed = [editNote(w.sandbox, ids[5]!, 'while serve was down 1'), editNote(w.sandbox, ids[30]!, 'while serve was down 2')];
    await w.delivered();
    expect(w.sandbox.webhooks!.stats().failed).toBe(2);
    expect(liveNote(w.db, missed[0]!)).not.toBe('while serve was down 1');
    const fallback = await w.sync();
    expect(fallback.notesPlan).toMatchObject({ flowing: false, every: 1, reason: expect.stringMatching(/^serve stopped at /) });
    expect((await w.calls())[NOTES_ROUTE]).toBe(CONTACTS);
    expect(liveNote(w.db, missed[0]!)).toBe('while serve was down 1');
    expect(liveNote(w.db, missed[1]!)).toBe('while serve was down 2');
    expect(compareWithTruth(w.path, await fetchTruth(w.sandbox.url, w.locationId))).toEqual([]);
    const down = await mirrorStatusReport(sqliteMirror(w.db), { locations: [{ id: w.locationId }], status: { maxAgeHours: 26 }, rateLimit: { daily: 200_000 } } as never);
    expect(down.locations[0]!.notes).toMatchObject({ webhooksFlowing: false, reason: expect.stringMatching(/^serve stopped at /) });

    // serve back: not yet trusted (it was down when the last sync began), then trusted again.
    await w.startServe();
    editNote(w.sandbox, ids[8]!, 'after serve came back');
    await w.delivered();
    expect((await w.sync()).notesPlan).toMatchObject({ flowing: false, reason: expect.stringMatching(/^serve started at .* after the last sync began/) });
    editNote(w.sandbox, ids[9]!, 'a night later');
    await w.delivered();
    await w.calls();
    expect((await w.sync()).notesPlan).toMatchObject({ flowing: true, namedContacts: 1 });
    expect((await w.calls())[NOTES_ROUTE]).toBe(2);
    expect(compareWithTruth(w.path, await fetchTruth(w.sandbox.url, w.locationId))).toEqual([]);
  });

  it('a task created completed and tasks edited or re-opened between two runs (no event says so) are exact after the next incremental sync', async () => {
    const w = await world(62);
    await w.startServe();
    await w.sync();
    const ids = contactIds(w.sandbox, w.locationId);
    const truthBefore = w.sandbox.store.state(w.locationId);
    // A note event keeps the webhooks flowing; the task changes below move no contact's dateUpdated.
    editNote(w.sandbox, ids[0]!, 'keeps the webhooks flowing');
    const created = w.sandbox.store.createTask(ids[11]!, { title: 'Call back', dueDate: '2026-12-03T10:00:00.000Z', completed: false });
    w.sandbox.store.completeTask(ids[11]!, created.id, true);
    const bornDone = w.sandbox.store.createTask(ids[12]!, { title: 'Already done', dueDate: '2026-12-03T10:00:00.000Z', completed: true });
    const open = truthBefore.tasks.find((t) => !t.completed)!;
    w.sandbox.store.updateTask(open.contactId, open.id, { title: 'Renamed without an event' });
    const done = truthBefore.tasks.find((t) => t.completed);
    if (done) w.sandbox.store.completeTask(done.contactId, done.id, false);
    await w.delivered();
    // serve took the creations, but a TaskCreate does not say `completed`.
    const completed = (id: string) => sqliteOf(w.db).prepare(`SELECT completed FROM tasks WHERE id = ? AND deleted_at IS NULL`).pluck().get(id);
    expect(completed(bornDone.id)).toBe(0);
    await w.calls();

    const run = await w.sync();
    expect(run.status).toBe('ok');
    expect(run.notesPlan?.flowing).toBe(true);
    expect(completed(created.id)).toBe(1);
    expect(completed(bornDone.id)).toBe(1);
    expect(sqliteOf(w.db).prepare(`SELECT title FROM tasks WHERE id = ?`).pluck().get(open.id)).toBe('Renamed without an event');
    if (done) expect(completed(done.id)).toBe(0);
    const calls = await w.calls();
    const tasks = w.sandbox.store.state(w.locationId).tasks.length;
    // Every task, in pages of 100 overlapping by one; none per contact.
    expect(calls[SEARCH_ROUTE]).toBe(Math.floor(Math.max(0, tasks - 1) / 99) + 1);
    expect(calls['GET /contacts/{contactId}/tasks'] ?? 0).toBe(0);
    expect(compareWithTruth(w.path, await fetchTruth(w.sandbox.url, w.locationId))).toEqual([]);
  });

  it('a delivery serve refused (the event is lost: HighLevel resends only after a 429) makes the next sync fall back', async () => {
    const w = await world(65);
    await w.startServe();
    await w.sync();
    editNote(w.sandbox, contactIds(w.sandbox, w.locationId)[4]!, 'delivered');
    await w.delivered();
    // A delivery whose signature does not verify (a rotated key, a proxy that altered the body).
    const body = JSON.stringify({ type: 'NoteUpdate', locationId: w.locationId, id: 'n1', webhookId: 'w1', timestamp: new Date().toISOString() });
    const refused = await fetch(`${w.serveUrl()}/webhooks/ghl`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-ghl-signature': Buffer.alloc(64).toString('base64') }, body,
    });
    expect(refused.status).toBe(401);
    const run = await w.sync();
    expect(run.notesPlan).toMatchObject({ flowing: false, reason: expect.stringMatching(/^serve refused a webhook delivery at .* \(HTTP 401\)/) });
    expect(compareWithTruth(w.path, await fetchTruth(w.sandbox.url, w.locationId))).toEqual([]);
  });

  it('a task deleted in HighLevel without an event is removed from the mirror by the next sync', async () => {
    const w = await world(63);
    await w.sync();
    const victim = w.sandbox.store.state(w.locationId).tasks[0]!;
    w.sandbox.store.deleteTask(victim.contactId, victim.id);
    const run = await w.sync();
    expect(run.tasksDeleted).toBe(1);
    expect(run.notesPlan).toMatchObject({ flowing: false, reason: expect.stringContaining('serve has not run') });
    expect(compareWithTruth(w.path, await fetchTruth(w.sandbox.url, w.locationId))).toEqual([]);
  });
});
