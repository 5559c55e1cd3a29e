// The nightly sync's statements on a real PostgreSQL (issue 21): the location-wide task search
// makes every task exact (a task created completed, one deleted without an event), and the
// webhook verdict and the contacts named by the events serve recorded work as on SQLite. serve
// itself runs on SQLite only, so its records (heartbeat, last event, the event row) are written
// here as it writes them.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openMirror } from '../src/db/open-mirror.ts';
import type { Mirror } from '../src/db/mirror.ts';
import { ANY_LOCATION, SERVE_HEARTBEAT_KEY, WEBHOOK_LAST_EVENT_KEY } from '../src/db/webhook-health.ts';
import { setLogLevel } from '../src/log.ts';
import { startSandbox } from '../src/sandbox/index.ts';
import { syncLocation } from '../src/sync/location.ts';
import { quietLogger } from './helpers/logger.ts';
import { snapshotPostgres } from './helpers/pg-snapshot.ts';
import { adminQuery, createTestDatabase, usePostgres } from './helpers/postgres.ts';
import { sandboxStats, unlimitedClient } from './helpers/sandbox.ts';
import { compareWithTruth, fetchTruth } from './helpers/truth.ts';

setLogLevel('silent');

const cluster = usePostgres();
const CONFIG = { sync: { concurrency: 8, lister: 'list' as const, rollingDays: 7, maxDeleteShare: 0.2, rollingShareWithWebhooks: 1000 } };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('the nightly sync on PostgreSQL', () => {
  it('tasks exact from the task search; a note named by a recorded webhook event is re-read while webhooks flow', async () => {
    const sandbox = await startSandbox({ locations: 1, contacts: 30, seed: 64, rateLimit: 'none' });
    const url = await createTestDatabase(cluster());
    const mirror: Mirror = await openMirror(url);
    const client = unlimitedClient(sandbox);
    cleanups.push(() => sandbox.stop(), () => client.close(), () => mirror.close());
    const locationId = sandbox.locations[0]!.id;
    const sync = () => syncLocation({ logger: quietLogger, db: mirror, client, locationId, full: false, lister: 'list', config: CONFIG });
    const reset = () => fetch(new URL('/__sandbox/stats/reset', sandbox.url), { method: 'POST' });

    expect((await sync()).mode).toBe('full');
    const state = sandbox.store.state(locationId);
    const [first, second] = [state.contacts[2]!.id, state.contacts[20]!.id];
    const bornDone = sandbox.store.createTask(first, { title: 'Already done', dueDate: '2026-12-03T10:00:00.000Z', completed: true });
    const gone = state.tasks[0]!;
    sandbox.store.deleteTask(gone.contactId, gone.id);
    const note = sandbox.store.listNotes(second)[0];
    const edited = note ? sandbox.store.updateNote(second, note.id, { body: 'edited, event received' }) : sandbox.store.createNote(second, { body: 'edited, event received' });

    // What serve records on receiving the NoteUpdate (its heartbeat started before the last sync).
    const now = new Date().toISOString();
    await mirror.setSyncState(ANY_LOCATION, SERVE_HEARTBEAT_KEY, JSON.stringify({ since: '2000-01-01T00:00:00.000Z', at: now }));
    await mirror.setSyncState(locationId, WEBHOOK_LAST_EVENT_KEY, now);
    await adminQuery(url, `INSERT INTO webhook_events (webhook_id, type, location_id, received_at, payload) VALUES ($1, 'NoteUpdate', $2, $3, $4)`,
      [randomUUID(), locationId, now, JSON.stringify({ type: 'NoteUpdate', locationId, id: edited.id, contactId: second, body: edited.body })]);

    await reset();
    const run = await sync();
    expect(run.error).toBeUndefined();
    expect(run.notesPlan).toMatchObject({ flowing: true, every: 1000, namedContacts: 1 });
    expect(run.tasksDeleted).toBe(1);
    const calls = (await sandboxStats(sandbox)).byRoute;
    expect(calls['GET /contacts/{contactId}/notes']).toBe(2); // the named contact and a safety net of one
    expect(calls['GET /contacts/{contactId}/tasks'] ?? 0).toBe(0);
    const [task] = await adminQuery<{ completed: boolean }>(url, `SELECT completed FROM tasks WHERE id = $1 AND deleted_at IS NULL`, [bornDone.id]);
    expect(task?.completed).toBe(true);
    expect(compareWithTruth(await snapshotPostgres(url), await fetchTruth(sandbox.url, locationId))).toEqual([]);
  });
});
