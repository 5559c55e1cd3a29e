// A sync over several locations stopped in one location's tasks-and-notes phase, then resumed,
// costs one clean sync's calls (plus, after a kill, the batch that was in flight): the resumed sync
// does not run the locations the stopped one completed a second time.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open.ts';
import { setLogLevel } from '../src/log.ts';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';
import type { SyncClient } from '../src/sync/location.ts';
import { syncAll } from '../src/sync/run.ts';
import { sandboxStats, unlimitedClient } from './helpers/sandbox.ts';
import { compareWithTruth, fetchTruth } from './helpers/truth.ts';
import { quietLogger } from './helpers/logger.ts';

setLogLevel('warn');

// One location at a time: these tests stop the sync in the second location.
const SYNC_CONFIG = { sync: { concurrency: 8, locationConcurrency: 1, lister: 'list' as const, rollingDays: 7, maxDeleteShare: 0.2 } };
const CONTACTS = 500; // per location: a rolling share of 72, more than a children batch
const CHILDREN_BATCH = 50; // syncLocation's default
/** The most calls one children batch makes: a note list per contact and a task search or two. */
const BATCH_CALLS = CHILDREN_BATCH + 2;
/** A resumed location reads the location, its users and its custom field definitions again (one call each). */
const RESUME_CALLS = 3;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function requests(sandbox: Sandbox): Promise<number> {
  return (await sandboxStats(sandbox)).requests;
}

/** Two locations after a full sync and the same day of changes: twins give the same counts. */
async function world() {
  const sandbox = await startSandbox({ locations: 2, contacts: CONTACTS, seed: 31, rateLimit: 'none' });
  const path = join(mkdtempSync(join(tmpdir(), 'ghl-etl-resume-')), 'mirror.sqlite');
  const db = openDatabase(path);
  const client = unlimitedClient(sandbox);
  cleanups.push(() => sandbox.stop(), () => client.close(), () => db.close());
  const sync = (o: { client?: SyncClient; signal?: AbortSignal; progress?: { update: (u: { label: string }) => void; done: () => void } } = {}) =>
    syncAll({
      logger: quietLogger,
      db, client: o.client ?? client, locations: sandbox.locations, full: false, lister: 'list', config: SYNC_CONFIG,
      ...(o.signal ? { signal: o.signal } : {}), ...(o.progress ? { progress: o.progress } : {}),
    });
  const first = await syncAll({ logger: quietLogger, db, client, locations: sandbox.locations, full: true, lister: 'list', config: SYNC_CONFIG });
  expect(first.outcome).toBe('ok');
  const res = await fetch(new URL('/__sandbox/mutate', sandbox.url), {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ changes: 40, seed: 7 }),
  });
  expect(res.ok).toBe(true);
  await fetch(new URL('/__sandbox/stats/reset', sandbox.url), { method: 'POST' });
  return { sandbox, path, db, client, sync };
}

/** A process killed after `calls` requests: every later call fails before reaching the network. */
function killedAfter(client: SyncClient, calls: number): SyncClient {
  let made = 0;
  const cut = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => (...a: A): Promise<R> =>
    ++made > calls ? Promise.reject(new Error('killed')) : f(...a);
  return {
    fetchContactPage: cut(client.fetchContactPage), searchContactPage: cut(client.searchContactPage),
    listCustomFields: cut(client.listCustomFields), listContactTasks: cut(client.listContactTasks),
    searchLocationTasks: cut(client.searchLocationTasks), listContactNotes: cut(client.listContactNotes),
    getLocation: cut(client.getLocation), listLocationUsers: cut(client.listLocationUsers),
    getContact: cut(client.getContact), stats: client.stats,
  };
}

describe('sync resumed after a stop in the tasks-and-notes phase', () => {
  it.each(['signal', 'kill'] as const)('stopped by a %s in the second location: the resumed sync skips the first and costs one clean sync', async (how) => {
    const clean = await world();
    const cleanRun = await clean.sync();
    expect(cleanRun.runs.map((r) => r.status)).toEqual(['ok', 'ok']);
    const cleanCalls = await requests(clean.sandbox);
    expect(cleanCalls).toBe(cleanRun.runs.reduce((n, r) => n + r.apiCalls, 0));

    const cut = await world();
    const [first, second] = cut.sandbox.locations.map((l) => l.id);
    let stopped;
    if (how === 'signal') {
      // Ctrl-C / SIGTERM once the second location has saved its first children batch.
      const controller = new AbortController();
      const secondName = cut.sandbox.store.location(second!)!.name;
      const progress = { update: (u: { label: string }) => { if (u.label === `${secondName} tasks+notes`) controller.abort(); }, done: () => {} };
      stopped = await cut.sync({ signal: controller.signal, progress });
      expect(stopped.runs.map((r) => r.status)).toEqual(['ok', 'interrupted']);
      expect(stopped.runs[1]!.error).not.toMatch(/^interrupted/);
    } else {
      // SIGKILL in the second location's children phase: its listing is done, a batch is in flight.
      const secondListing = cleanRun.runs[1]!.pages + 1;
      stopped = await cut.sync({ client: killedAfter(cut.client, cleanRun.runs[0]!.apiCalls + secondListing + 30) });
      expect(stopped.runs.map((r) => r.status)).toEqual(['ok', 'failed']);
      expect(stopped.runs[1]!.listingComplete).toBe(true);
    }

    const resumed = await cut.sync();
    expect(resumed.outcome).toBe('ok');
    expect(resumed.alreadyDone).toEqual([first]);
    expect(resumed.runs.map((r) => [r.locationId, r.status, r.resumed])).toEqual([[second, 'ok', true]]);
    expect(compareWithTruth(cut.path, await fetchTruth(cut.sandbox.url), { skipChildren: true })).toEqual([]);
    const total = await requests(cut.sandbox);
    expect(total).toBeLessThanOrEqual(cleanCalls + RESUME_CALLS + (how === 'kill' ? BATCH_CALLS : 0));

    // The round is over: the next sync syncs every location again.
    const next = await cut.sync();
    expect(next.runs.map((r) => r.locationId)).toEqual([first, second]);
    expect(next.alreadyDone).toBeUndefined();
  }, 60_000);
});
