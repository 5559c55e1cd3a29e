// Sync benchmarks (`npm run bench`): one JSON line per measure on stdout, no assertions.
//   calls.full / calls.incremental: API calls against the minimum possible (ratio);
//   tasks.search_vs_contact: task calls through the location task search vs one call per contact;
//   ingest: contacts saved per second by the sync's page transactions vs a bare better-sqlite3
//           batched insert of the same rows (ratio);
//   rss: peak RSS of the `ghl-etl sync` process for 20,000 and 200,000 contacts, sandbox in
//        its own process, no rate limit.
// Sizes can be lowered for a quick look: BENCH_CALLS_CONTACTS=500 BENCH_RSS_SIZES=2000,20000.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { openDatabase } from '../../src/db/open.ts';
import { upsertContacts } from '../../src/db/contacts.ts';
import { contactToRow, type HighLevelContact } from '../../src/db/rows.ts';
import { startRun } from '../../src/db/runs.ts';
import { createGhlClient, staticTokens } from '../../src/ghl/index.ts';
import { setLogLevel } from '../../src/log.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { writePass } from '../../src/sync/checkpoint.ts';
import { syncLocation, type TasksVia } from '../../src/sync/location.ts';

setLogLevel('warn');
const BIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'bin.mjs');
const CONFIG = { sync: { concurrency: 8, lister: 'list' as const, rollingDays: 7, maxDeleteShare: 0.2 } };
const emit = (measure: Record<string, unknown>) => process.stdout.write(JSON.stringify(measure) + '\n');
const tempDir = () => mkdtempSync(join(tmpdir(), 'ghl-etl-bench-'));

async function routes(sandbox: Sandbox): Promise<Record<string, number>> {
  const r = await fetch(new URL('/__sandbox/stats', sandbox.url));
  return ((await r.json()) as { byRoute: Record<string, number> }).byRoute;
}
async function resetStats(sandbox: Sandbox) {
  await fetch(new URL('/__sandbox/stats/reset', sandbox.url), { method: 'POST' });
}
const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

/** Full then incremental sync (after a day of changes) with tasks fetched one way; calls by route. */
async function callsFor(contacts: number, tasksVia: TasksVia) {
  const sandbox = await startSandbox({ locations: 1, contacts, seed: 3, rateLimit: 'none' });
  const locationId = sandbox.locations[0]!.id;
  const db = openDatabase(join(tempDir(), 'calls.sqlite'));
  const client = createGhlClient({
    baseUrl: sandbox.url, tokens: staticTokens({ [locationId]: sandbox.locations[0]!.token }),
    rateLimit: { max: 100_000, intervalMs: 1000, daily: 10_000_000, dailyShare: 1 }, http: { timeoutMs: 10_000, retries: 5 },
  });
  try {
    const sync = (full: boolean) => syncLocation({ db, client, locationId, full, lister: 'list', config: CONFIG, tasksVia });
    const before = sandbox.store.state(locationId);
    const full = await sync(true);
    const fullRoutes = await routes(sandbox);
    sandbox.store.mutate({ changes: Math.ceil(contacts / 50), seed: 4, locationId });
    const after = sandbox.store.state(locationId);
    const old = new Map(before.contacts.map((c) => [c.id, c.dateUpdated]));
    const changed = after.contacts.filter((c) => old.get(c.id) !== c.dateUpdated).length;
    await resetStats(sandbox);
    const incremental = await sync(false);
    const incRoutes = await routes(sandbox);
    return { before, after, changed, full, fullRoutes, incremental, incRoutes };
  } finally {
    await client.close();
    db.close();
    await sandbox.stop();
  }
}

async function benchCalls(contacts: number) {
  const bySearch = await callsFor(contacts, 'search');
  const byContact = await callsFor(contacts, 'contact');
  const pages = (n: number) => Math.max(1, Math.ceil(n / 100));
  // The floor: definitions (1), the listing, one notes call per contact read (no bulk endpoint),
  // and the location's tasks in pages of 100 through the search.
  const fullMin = 1 + pages(contacts) + contacts + pages(bySearch.before.tasks.length);
  const inc = bySearch.incremental;
  const incMin = 1 + pages(bySearch.after.contacts.length) + bySearch.changed + 1;
  emit({ measure: 'calls.full', contacts, calls: bySearch.full.apiCalls, minimum: fullMin, ratio: +(bySearch.full.apiCalls / fullMin).toFixed(3) });
  emit({
    measure: 'calls.incremental', contacts, changedContacts: bySearch.changed, calls: inc.apiCalls, minimum: incMin,
    ratio: +(inc.apiCalls / incMin).toFixed(3), rollingShareContacts: inc.childrenFetched - bySearch.changed,
    note: 'the minimum reads only changed contacts; the run also re-reads the rolling share (ceil(total/rollingDays)) by design',
  });
  const taskCalls = (r: Record<string, number>) => ({
    search: r['POST /locations/{locationId}/tasks/search'] ?? 0, perContact: r['GET /contacts/{contactId}/tasks'] ?? 0,
  });
  for (const [run, s, c] of [['full', bySearch.fullRoutes, byContact.fullRoutes], ['incremental', bySearch.incRoutes, byContact.incRoutes]] as const) {
    const viaSearch = sum(taskCalls(s));
    const viaContact = sum(taskCalls(c));
    emit({ measure: `tasks.search_vs_contact.${run}`, contacts, taskCallsViaSearch: viaSearch, taskCallsPerContact: viaContact, ratio: +(viaSearch / Math.max(1, viaContact)).toFixed(3), totalCallsViaSearch: sum(s), totalCallsPerContact: sum(c) });
  }
}

async function benchIngest(contacts: number) {
  const sandbox = await startSandbox({ locations: 1, contacts, seed: 5, rateLimit: 'none' });
  const locationId = sandbox.locations[0]!.id;
  const raw = sandbox.store.state(locationId).contacts as unknown as HighLevelContact[];
  await sandbox.stop();
  const pages: HighLevelContact[][] = [];
  for (let i = 0; i < raw.length; i += 100) pages.push(raw.slice(i, i + 100));

  // The sync's way: map, upsert (tags, custom values), checkpoint, one transaction per page.
  const db = openDatabase(join(tempDir(), 'ingest.sqlite'));
  db.sqlite.prepare(`INSERT INTO locations (id, raw, synced_at) VALUES (?, '{}', '')`).run(locationId);
  const runId = startRun(db, { locationId, mode: 'full' });
  let t = performance.now();
  for (const page of pages) {
    const rows = page.map((c) => contactToRow(c, locationId));
    db.transaction(() => {
      upsertContacts(db, rows, runId);
      writePass(db, locationId, { passRunId: runId, startedAt: '', lister: 'list', phase: 'listing', full: false, cursor: { startAfter: 0, startAfterId: rows.at(-1)!.id } });
    });
  }
  const syncMs = performance.now() - t;
  db.close();

  // The floor: the same rows (already mapped) into one plain table, one transaction per 100.
  const bare = new Database(join(tempDir(), 'bare.sqlite'));
  bare.pragma('journal_mode = WAL');
  bare.exec(`CREATE TABLE contacts (id TEXT PRIMARY KEY, location_id TEXT, first_name TEXT, last_name TEXT, email TEXT, phone TEXT, date_added TEXT, date_updated TEXT, raw TEXT)`);
  const insert = bare.prepare(`INSERT INTO contacts VALUES (@id, @locationId, @firstName, @lastName, @email, @phone, @dateAdded, @dateUpdated, @raw)`);
  const mapped = pages.map((p) => p.map((c) => contactToRow(c, locationId)));
  t = performance.now();
  for (const page of mapped) {
    bare.transaction(() => {
      for (const r of page) insert.run({ id: r.id, locationId: r.locationId, firstName: r.firstName, lastName: r.lastName, email: r.email, phone: r.phone, dateAdded: r.dateAdded, dateUpdated: r.dateUpdated, raw: r.raw });
    })();
  }
  const bareMs = performance.now() - t;
  bare.close();
  const syncRate = contacts / (syncMs / 1000);
  const bareRate = contacts / (bareMs / 1000);
  emit({ measure: 'ingest', contacts, syncRowsPerSec: Math.round(syncRate), bareRowsPerSec: Math.round(bareRate), ratio: +(syncRate / bareRate).toFixed(3) });
}

/** Starts `ghl-etl sandbox --json` in its own process and reads its JSON line. */
async function sandboxProcess(contacts: number) {
  const child = spawn(process.execPath, [BIN, 'sandbox', '--json', '--port', '0', '--locations', '1', '--contacts', String(contacts), '--rate-limit', 'none', '--daily-limit', '100000000', '--seed', '9'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`sandbox exited ${code}`)));
  });
  const info = JSON.parse(line) as { url: string; locations: Array<{ id: string; token: string }> };
  return { info, stop: () => new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); }) };
}

async function benchRss(contacts: number) {
  const { info, stop } = await sandboxProcess(contacts);
  const dir = tempDir();
  const rssFile = join(dir, 'rss.json');
  const preload = join(dir, 'report-rss.mjs');
  // maxRSS is the kernel's high-water mark for the process, read as it exits.
  writeFileSync(preload, `process.on('exit', () => { require('node:fs').writeFileSync(${JSON.stringify(rssFile)}, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })); });`.replace("require('node:fs')", 'globalThis.__fs'));
  writeFileSync(preload, `import * as fs from 'node:fs';\nglobalThis.__fs = fs;\n` + readFileSync(preload, 'utf8'));
  const config = join(dir, 'ghl-etl.config.json');
  // No limits: the measure is memory over a whole run, not HighLevel's daily budget.
  writeFileSync(config, JSON.stringify({ rateLimit: { max: 100_000, intervalMs: 1000, daily: 100_000_000, dailyShare: 1 }, sync: { concurrency: 16 } }));
  const started = performance.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--import', preload, BIN, 'sync', '--json'], {
      env: { ...process.env, GHL_BASE_URL: info.url, GHL_LOCATION_ID: info.locations[0]!.id, GHL_TOKEN: info.locations[0]!.token, GHL_ETL_DB: join(dir, 'rss.sqlite'), GHL_ETL_CONFIG: config, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('exit', resolve);
  });
  const seconds = (performance.now() - started) / 1000;
  await stop();
  const { maxRssKb } = JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKb: number };
  emit({ measure: 'rss', contacts, exitCode: code, peakRssMb: Math.round(maxRssKb / 1024), seconds: +seconds.toFixed(1), contactsPerSec: Math.round(contacts / seconds) });
}

const callsContacts = Number(process.env.BENCH_CALLS_CONTACTS ?? 2000);
const rssSizes = (process.env.BENCH_RSS_SIZES ?? '20000,200000').split(',').map(Number);
await benchCalls(callsContacts);
await benchIngest(Number(process.env.BENCH_INGEST_CONTACTS ?? 20_000));
for (const n of rssSizes) await benchRss(n);
