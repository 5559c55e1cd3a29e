// `npm run soak`: the main job, over and over, the way a cron job would run it for weeks.
// A sandbox in its own process (faults on: 5xx, dropped connections, slow answers; HighLevel's
// 100/10 s limit on a sped-up clock; SOAK_LOCATIONS x SOAK_CONTACTS, the first location
// connected through OAuth with access tokens that expire every few seconds, the others by
// Private Integration Token), all locations synced at once where the build has
// `sync.locationConcurrency`. Per round, with its own seed: a day of changes, an incremental
// `ghl-etl sync` and then a `--full` one, each as a child process, each maybe killed at a random
// moment (SIGKILL, one in three SIGTERM) and resumed, each maybe hit by a burst of 429s
// (POST /__sandbox/faults, after a random number of its requests). After the incremental sync the contacts, tags, custom values and
// definitions must equal the sandbox's truth; after the full pass, everything.
//
// Stops after SOAK_ROUNDS (default 20) or SOAK_MINUTES (default 30), whichever comes first.
// Progress on stderr, a last line "rounds passed, rows compared, faults injected"; one JSON
// summary on stdout: {roundsPassed, rounds, rowsCompared, faultsInjected, kills, mismatches, ...}.
// Exit 1 on any mismatch, incomplete round or unexpected sync exit code, else 0. Other knobs:
// SOAK_FAULTS (0.05), SOAK_TIME_SCALE (20), SOAK_KILL_SHARE (0.3), SOAK_BURST_SHARE (0.5),
// SOAK_TOKEN_TTL_S (60, before time scaling), SOAK_CHANGES, SOAK_SEED, SOAK_SYNC_TIMEOUT_S.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareWithTruth, fetchTruth, type Truth } from '../helpers/truth.ts';
import { supportsLocationConcurrency } from './lib.ts';
import {
  Cleanup, bump, createRandom, databaseMb, diedOfSigterm, exitKey, isExpectedExit, loginWithOAuth, parseSyncJson, readSettings, runSync,
  spread, startSandboxProcess, type SandboxInfo, type SoakSettings, type SyncResult,
} from './soak-lib.ts';

const say = (line: string) => process.stderr.write(`soak: ${line}\n`);
/** Set on Ctrl-C/SIGTERM: the children die at our hand, which is not the sync's fault. */
let stopping = false;

interface Mismatch {
  round: number;
  check: 'full' | 'incremental';
  differences: string[];
}

interface SoakState {
  rounds: number;
  /** Rounds whose syncs completed and matched the truth. */
  roundsPassed: number;
  /** Rows checked against the truth over all comparisons. */
  rowsCompared: number;
  /** Sandbox faults by kind (5xx, drops, slow answers, 429 bursts). */
  faults: Record<string, number>;
  /** OAuth refreshes the sandbox answered (the first location's tokens expiring mid-run). */
  tokenRefreshes: number;
  /** Logins the soak did again because a kill landed in a token refresh (HighLevel spent the old token). */
  reauthsAfterKill: number;
  kills: number;
  killsBySignal: Record<string, number>;
  fullSyncs: number;
  mismatches: Mismatch[];
  maxRssKb: number;
  dbMb: number;
  maxDbMb: number;
  apiCalls: number[];
  sandboxRequests: number[];
  rateLimited: number;
  rateLimitedSeen: number;
  exitCodes: Record<string, number>;
  unexpected: Array<{ round: number; exit: string; stderr: string }>;
  syncInvocations: number;
  /** Our SIGTERMs that landed before the sync had installed its handler (still loading). */
  sigtermsBeforeHandler: number;
  /** Longest time a sync took to stop on a checkpoint after our SIGTERM. */
  maxSigtermStopMs: number;
  stopReason: string;
}

async function control<T>(sandbox: SandboxInfo, path: string, body?: unknown): Promise<T> {
  const res = await fetch(new URL(`/__sandbox/${path}`, sandbox.url), body === undefined
    ? {}
    : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`/__sandbox/${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * The sync's configuration: the first location by OAuth (no token: `auth login` stores its
 * grant), the others with their tokens; HighLevel's pacing on the sandbox's clock.
 */
function writeSyncConfig(dir: string, sandbox: SandboxInfo, s: SoakSettings): string {
  const file = join(dir, 'ghl-etl.config.json');
  writeFileSync(file, JSON.stringify({
    locations: sandbox.locations.map((l, i) => (i === 0 ? { id: l.id } : { id: l.id, token: l.token })),
    rateLimit: { max: 100, intervalMs: Math.max(1, Math.round(10_000 / s.timeScale)) },
    http: { timeoutMs: 10_000, retries: 8 },
    // The sandbox scales HighLevel's 30 s refresh grace window too; the client is told so.
    oauth: { refreshGraceMs: Math.max(1, Math.round(30_000 / s.timeScale)) },
    sync: { concurrency: 8, ...(supportsLocationConcurrency() ? { locationConcurrency: s.locations } : {}) },
  }), { mode: 0o600 });
  return file;
}

function tail(text: string, lines = 8): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** Rows the comparison checked: contacts, their tags and custom values, tasks, notes, field definitions. */
function rowsIn(truth: Truth, withChildren: boolean): number {
  const contactRows = truth.contacts.reduce((n, c) => n + 1 + (c.tags?.length ?? 0) + (c.customFields?.length ?? 0), 0);
  return contactRows + truth.customFields.length + (withChildren ? truth.tasks.length + truth.notes.length : 0);
}

async function soak(s: SoakSettings, cleanup: Cleanup, state: SoakState): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-soak-'));
  cleanup.dir(dir);
  const dbPath = join(dir, 'mirror.sqlite');
  const deadline = Date.now() + s.minutes * 60_000;
  const random = createRandom(s.seed);

  say(`sandbox: ${s.locations} locations x ${s.contacts} contacts, faults ${s.faults}, 100/10s at time scale ${s.timeScale}, ` +
    `OAuth tokens of the first location live ${(s.tokenTtlSeconds / s.timeScale).toFixed(1)} s`);
  const sandbox = await startSandboxProcess(s, cleanup);
  const configFile = writeSyncConfig(dir, sandbox, s);
  // Empty GHL_LOCATION_ID/GHL_TOKEN: the config file's locations are the whole setup.
  const env = {
    GHL_BASE_URL: sandbox.url, GHL_ETL_DB: dbPath, GHL_ETL_CONFIG: configFile, GHL_LOCATION_ID: '', GHL_TOKEN: '', LOG_LEVEL: 'warn',
    GHL_CLIENT_ID: sandbox.oauth.clientId, GHL_CLIENT_SECRET: sandbox.oauth.clientSecret, GHL_REDIRECT_URI: 'http://127.0.0.1:1/callback',
  };
  // The login is the soak's setup, not what it tests: with faults on, its calls may fail too.
  for (let attempt = 1; ; attempt++) {
    try {
      await loginWithOAuth(env, dir, cleanup);
      break;
    } catch (err) {
      if (attempt >= 5) throw err;
      say(`auth login failed (${(err as Error).message.split('\n')[0]}); again`);
    }
  }
  const lastDuration = { full: 0, incremental: 0 };
  const lastRequests = { full: 0, incremental: 0 };

  const sync = async (round: number, args: string[], kill?: { afterMs: number; signal: NodeJS.Signals }): Promise<SyncResult> => {
    if (stopping) throw new Error('stopped by a signal');
    state.syncInvocations++;
    const result = await runSync(args, env, dir, cleanup, {
      timeoutMs: s.syncTimeoutMs,
      ...(kill ? { killAfterMs: kill.afterMs, killSignal: kill.signal } : {}),
    });
    bump(state.exitCodes, exitKey(result));
    state.maxRssKb = Math.max(state.maxRssKb, result.peakRssKb);
    if (diedOfSigterm(result)) state.sigtermsBeforeHandler++;
    else if (result.sentSignal === 'SIGTERM' && result.stopMs !== undefined) state.maxSigtermStopMs = Math.max(state.maxSigtermStopMs, result.stopMs);
    if (!isExpectedExit(result) && !stopping) {
      state.unexpected.push({ round, exit: exitKey(result), stderr: tail(result.stderr) });
      say(`round ${round}: unexpected exit ${exitKey(result)}${result.sentSignal ? ` after our ${result.sentSignal}` : ''}\n${tail(result.stderr)}`);
    }
    return result;
  };

  /** One sync of the round, maybe killed and maybe hit by a 429 burst, resumed until it completes. */
  const completeSync = async (round: number, mode: 'incremental' | 'full', notes: string[]): Promise<{ completed: boolean; results: SyncResult[] }> => {
    const args = ['--json', ...(mode === 'full' ? ['--full'] : [])];
    const span = lastDuration[mode] || 4000;
    let kill: { afterMs: number; signal: NodeJS.Signals } | undefined;
    if (random() < s.killShare) {
      // One kill in three is a polite SIGTERM (expect 130 and a checkpoint), the rest SIGKILL.
      // The binary needs about a second to start, so a few kills land before it has done anything.
      kill = { afterMs: Math.round(500 + random() * span), signal: state.kills % 3 === 2 ? 'SIGTERM' : 'SIGKILL' };
    }
    if (random() < s.burstShare) {
      // Somewhere in the run, counted in requests so it lands mid-run however fast the run is.
      // No more 429s in a row than the client's retries (http.retries 8) absorb for one request
      // alone in flight; a longer refusal is an outage, after which exit 1 is the right answer.
      const size = 3 + Math.floor(random() * 6);
      const afterRequests = Math.floor(random() * (lastRequests[mode] || 50));
      await control(sandbox, 'faults', { burst429: size, afterRequests, retryAfterSeconds: 10 / s.timeScale });
      notes.push(`${mode}: 429 burst of ${size} after ${afterRequests} requests`);
    }
    const results: SyncResult[] = [];
    let result = await sync(round, args, kill);
    results.push(result);
    if (result.sentSignal) {
      state.kills++;
      bump(state.killsBySignal, result.sentSignal);
      notes.push(`${mode}: ${result.sentSignal} at ${(kill!.afterMs / 1000).toFixed(1)}s -> ${exitKey(result)}${result.sentSignal === 'SIGTERM' ? ` in ${result.stopMs} ms` : ''}`);
    }
    // Resume until it completes (a SIGTERM may have landed after the work was done).
    for (let attempt = 0; attempt < 3 && result.code !== 0; attempt++) {
      // A kill that lands while HighLevel is answering a token refresh loses the new refresh
      // token: HighLevel spent the old one, and repeats its answer only within the grace window
      // (30 s, time-scaled here). The sync then asks for `auth login`, as a user would be asked;
      // the soak does that login and counts it. Without a kill in this sync, it is a failure.
      if (kill && result.code === 1 && /refresh token/i.test(result.stderr)) {
        state.reauthsAfterKill++;
        await loginWithOAuth(env, dir, cleanup);
        notes.push(`${mode}: auth login again (the kill landed in a token refresh)`);
      }
      result = await sync(round, args);
      results.push(result);
      notes.push(`${mode}: resume -> ${exitKey(result)}`);
    }
    await control(sandbox, 'faults', { burst429: 0 });
    if (!kill && result.code === 0) {
      lastDuration[mode] = result.durationMs;
      lastRequests[mode] = (parseSyncJson(result.stdout)?.runs ?? []).reduce((n, r) => n + r.apiCalls, 0);
    }
    return { completed: result.code === 0, results };
  };

  for (let round = 1; round <= s.rounds; round++) {
    if (Date.now() >= deadline) {
      state.stopReason = `time (${s.minutes} min)`;
      break;
    }
    const started = performance.now();
    await control(sandbox, 'stats/reset', {});
    const mutated = await control<{ applied: number; byKind: Record<string, number> }>(sandbox, 'mutate', { changes: s.changes, seed: s.seed * 10_000 + round });
    const notes: string[] = [];
    const results: SyncResult[] = [];
    let passed = true;
    let differences: string[] = [];

    // A day of changes, then the nightly incremental sync (contacts, tags and custom values
    // must then match; tasks and notes are only partly re-read by design), then a full pass,
    // after which the whole database must equal the truth.
    for (const mode of ['incremental', 'full'] as const) {
      const run = await completeSync(round, mode, notes);
      results.push(...run.results);
      if (!run.completed) {
        passed = false;
        notes.push(`${mode}: did not complete`);
        break;
      }
      if (mode === 'full') state.fullSyncs++;
      const truth = await fetchTruth(sandbox.url);
      const found = compareWithTruth(dbPath, truth, mode === 'full' ? {} : { skipChildren: true });
      state.rowsCompared += rowsIn(truth, mode === 'full');
      if (found.length) {
        state.mismatches.push({ round, check: mode, differences: found });
        differences = differences.concat(found.map((d) => `${mode}: ${d}`));
        passed = false;
      }
    }
    // A round passes when its data matched and no sync ended in a way we did not cause.
    if (state.unexpected.some((u) => u.round === round)) passed = false;
    if (passed) state.roundsPassed++;

    let apiCalls = 0;
    for (const r of results) {
      const json = parseSyncJson(r.stdout);
      for (const run of json?.runs ?? []) {
        apiCalls += run.apiCalls;
        state.rateLimitedSeen += run.rateLimited;
        if (run.error && run.status !== 'interrupted') notes.push(`${run.locationId}: ${run.status}: ${run.error}`);
      }
    }
    const stats = await control<{ requests: number; rateLimited: number; faults: Record<string, number> }>(sandbox, 'stats');
    for (const [kind, n] of Object.entries(stats.faults)) bump(state.faults, kind, n);
    state.apiCalls.push(apiCalls);
    state.sandboxRequests.push(stats.requests);
    state.rateLimited += stats.rateLimited;
    state.dbMb = databaseMb(dbPath);
    state.maxDbMb = Math.max(state.maxDbMb, state.dbMb);
    state.rounds = round;
    say(
      `round ${round}/${s.rounds} ${passed ? 'passed' : 'FAILED'}: ${mutated.applied} changes; ${notes.length ? notes.join(', ') + '; ' : ''}` +
        `${apiCalls} calls in summaries, ${stats.requests} requests at the sandbox (${stats.rateLimited} x 429 from the limiter, ` +
        `faults ${JSON.stringify(stats.faults)}); rss ${Math.round(state.maxRssKb / 1024)} MB peak, ` +
        `db ${state.dbMb} MB; ${differences.length} differences; ${((performance.now() - started) / 1000).toFixed(1)}s`,
    );
    for (const d of differences.slice(0, 5)) say(`  ${d}`);
    if (round === s.rounds) state.stopReason = `rounds (${s.rounds})`;
  }
  state.tokenRefreshes = (await control<{ refreshes: number }>(sandbox, 'oauth/stats')).refreshes;
}

const settings = readSettings();
const cleanup = new Cleanup();
const state: SoakState = {
  rounds: 0, roundsPassed: 0, rowsCompared: 0, faults: {}, tokenRefreshes: 0, reauthsAfterKill: 0, sigtermsBeforeHandler: 0, kills: 0, killsBySignal: {}, fullSyncs: 0, mismatches: [], maxRssKb: 0, dbMb: 0, maxDbMb: 0,
  apiCalls: [], sandboxRequests: [], rateLimited: 0, rateLimitedSeen: 0, exitCodes: {}, unexpected: [],
  syncInvocations: 0, maxSigtermStopMs: 0, stopReason: 'error',
};

// However this ends: children killed, temp dir (database, config with tokens) removed.
process.on('exit', () => {
  cleanup.killAll('SIGKILL');
  cleanup.removeDirs();
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    say(`${sig}: stopping the children and removing the temp dir`);
    void cleanup.stop().finally(() => process.exit(130));
  });
}

const started = performance.now();
let failure: unknown;
try {
  await soak(settings, cleanup, state);
} catch (err) {
  failure = err;
  if (!stopping) say(`failed: ${(err as Error).stack ?? String(err)}`);
} finally {
  await cleanup.stop();
}

const mismatches = state.mismatches.reduce((n, m) => n + m.differences.length, 0);
const faultsInjected = Object.values(state.faults).reduce((a, b) => a + b, 0);
say(`${state.roundsPassed} of ${state.rounds} rounds passed, ${state.rowsCompared} rows compared, ` +
  `${faultsInjected} faults injected (${JSON.stringify(state.faults)}), ${state.kills} kills, ${state.tokenRefreshes} token refreshes, ${state.reauthsAfterKill} logins again after a kill in a refresh`);
process.stdout.write(JSON.stringify({
  roundsPassed: state.roundsPassed,
  rounds: state.rounds,
  rowsCompared: state.rowsCompared,
  faultsInjected,
  faults: state.faults,
  tokenRefreshes: state.tokenRefreshes,
  reauthsAfterKill: state.reauthsAfterKill,
  kills: state.kills,
  fullSyncs: state.fullSyncs,
  mismatches,
  maxRssMb: Math.round(state.maxRssKb / 1024),
  dbMb: state.dbMb,
  apiCallsPerRound: spread(state.apiCalls),
  rateLimited: state.rateLimited,
  exitCodes: state.exitCodes,
  // Beyond the brief's fields: enough to tell what went wrong without rerunning.
  killsBySignal: state.killsBySignal,
  sandboxRequestsPerRound: spread(state.sandboxRequests),
  rateLimitedInSummaries: state.rateLimitedSeen,
  maxDbMb: state.maxDbMb,
  syncInvocations: state.syncInvocations,
  maxSigtermStopMs: state.maxSigtermStopMs,
  sigtermsBeforeHandler: state.sigtermsBeforeHandler,
  unexpectedExits: state.unexpected.map((u) => ({ round: u.round, exit: u.exit })),
  mismatchRounds: state.mismatches.map((m) => ({ round: m.round, check: m.check, count: m.differences.length, first: m.differences[0] })),
  stopReason: state.stopReason,
  seconds: +((performance.now() - started) / 1000).toFixed(1),
  settings,
  ...(failure ? { error: String((failure as Error).message ?? failure) } : {}),
}) + '\n');
process.exitCode = failure || mismatches > 0 || state.unexpected.length > 0 || state.roundsPassed < state.rounds ? 1 : 0;
