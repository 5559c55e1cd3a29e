// `npm run soak`: the main job, over and over, the way a cron job would run it for weeks.
// A sandbox in its own process (faults on, HighLevel's 100/10 s limit on a sped-up clock,
// SOAK_LOCATIONS x SOAK_CONTACTS), then per round: a day of changes, `ghl-etl sync` as a child
// process (some rounds killed at a random moment and resumed, every SOAK_FULL_EVERY-th round
// `--full`), and a comparison with the sandbox's ground truth once the round's sync completes
// (everything after a full sync; contacts, tags, custom values and definitions after an
// incremental one, whose tasks and notes are only partly re-read by design).
//
// Stops after SOAK_ROUNDS (default 20) or SOAK_MINUTES (default 10), whichever comes first.
// Progress on stderr; one JSON summary line on stdout:
//   {rounds, kills, fullSyncs, mismatches, maxRssMb, dbMb, apiCallsPerRound: {min,max,mean}, rateLimited, exitCodes, ...}
// Exit 1 on any mismatch or unexpected sync exit code, else 0. Other knobs: SOAK_FAULTS (0.05),
// SOAK_TIME_SCALE (20), SOAK_KILL_SHARE (0.3), SOAK_CHANGES, SOAK_SEED, SOAK_SYNC_TIMEOUT_S.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareWithTruth, fetchTruth } from '../helpers/truth.ts';
import {
  Cleanup, bump, createRandom, databaseMb, exitKey, isExpectedExit, parseSyncJson, readSettings, runSync, spread,
  startSandboxProcess, type SandboxInfo, type SoakSettings, type SyncResult,
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

/** The sync's configuration: both locations with their tokens, HighLevel's pacing on the sandbox's clock. */
function writeSyncConfig(dir: string, sandbox: SandboxInfo, s: SoakSettings): string {
  const file = join(dir, 'ghl-etl.config.json');
  writeFileSync(file, JSON.stringify({
    locations: sandbox.locations.map((l) => ({ id: l.id, token: l.token })),
    rateLimit: { max: 100, intervalMs: Math.max(1, Math.round(10_000 / s.timeScale)) },
    http: { timeoutMs: 10_000, retries: 8 },
    sync: { concurrency: 8 },
  }), { mode: 0o600 });
  return file;
}

function tail(text: string, lines = 8): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

async function soak(s: SoakSettings, cleanup: Cleanup, state: SoakState): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-soak-'));
  cleanup.dir(dir);
  const dbPath = join(dir, 'mirror.sqlite');
  const deadline = Date.now() + s.minutes * 60_000;
  const random = createRandom(s.seed);

  say(`sandbox: ${s.locations} locations x ${s.contacts} contacts, faults ${s.faults}, 100/10s at time scale ${s.timeScale}`);
  const sandbox = await startSandboxProcess(s, cleanup);
  const configFile = writeSyncConfig(dir, sandbox, s);
  // Empty GHL_LOCATION_ID/GHL_TOKEN: the config file's two locations are the whole setup.
  const env = { GHL_BASE_URL: sandbox.url, GHL_ETL_DB: dbPath, GHL_ETL_CONFIG: configFile, GHL_LOCATION_ID: '', GHL_TOKEN: '', LOG_LEVEL: 'warn' };
  const lastDuration = { full: 0, incremental: 0 };

  const sync = async (round: number, args: string[], kill?: { afterMs: number; signal: NodeJS.Signals }): Promise<SyncResult> => {
    if (stopping) throw new Error('stopped by a signal');
    state.syncInvocations++;
    const result = await runSync(args, env, dir, cleanup, {
      timeoutMs: s.syncTimeoutMs,
      ...(kill ? { killAfterMs: kill.afterMs, killSignal: kill.signal } : {}),
    });
    bump(state.exitCodes, exitKey(result));
    state.maxRssKb = Math.max(state.maxRssKb, result.peakRssKb);
    if (result.sentSignal === 'SIGTERM' && result.stopMs !== undefined) state.maxSigtermStopMs = Math.max(state.maxSigtermStopMs, result.stopMs);
    if (!isExpectedExit(result) && !stopping) {
      state.unexpected.push({ round, exit: exitKey(result), stderr: tail(result.stderr) });
      say(`round ${round}: unexpected exit ${exitKey(result)}${result.sentSignal ? ` after our ${result.sentSignal}` : ''}\n${tail(result.stderr)}`);
    }
    return result;
  };

  for (let round = 1; round <= s.rounds; round++) {
    if (Date.now() >= deadline) {
      state.stopReason = `time (${s.minutes} min)`;
      break;
    }
    const started = performance.now();
    await control(sandbox, 'stats/reset', {});
    const mutated = await control<{ applied: number; byKind: Record<string, number> }>(sandbox, 'mutate', { changes: s.changes, seed: s.seed * 10_000 + round });
    const full = round % s.fullEvery === 0;
    const mode = full ? 'full' : 'incremental';
    const args = ['--json', ...(full ? ['--full'] : [])];

    // The first sync of a round: maybe cut short somewhere in its expected span (the binary
    // needs about a second just to start, so a few kills land before it has done anything).
    const notes: string[] = [];
    let kill: { afterMs: number; signal: NodeJS.Signals } | undefined;
    if (random() < s.killShare) {
      const span = lastDuration[mode] || 4000;
      // One kill in three is a polite SIGTERM (expect 130 and a checkpoint), the rest SIGKILL.
      kill = { afterMs: Math.round(500 + random() * span), signal: state.kills % 3 === 2 ? 'SIGTERM' : 'SIGKILL' };
    }
    const results: SyncResult[] = [];
    let result = await sync(round, args, kill);
    results.push(result);
    if (result.sentSignal) {
      state.kills++;
      bump(state.killsBySignal, result.sentSignal);
      notes.push(`${result.sentSignal} at ${(kill!.afterMs / 1000).toFixed(1)}s -> ${exitKey(result)}${result.sentSignal === 'SIGTERM' ? ` in ${result.stopMs} ms` : ''}`);
    }
    // Resume until the round's sync completes (a SIGTERM may have landed after the work was done).
    for (let attempt = 0; attempt < 3 && result.code !== 0; attempt++) {
      result = await sync(round, args);
      results.push(result);
      notes.push(`resume -> ${exitKey(result)}`);
    }
    if (!kill && result.code === 0) lastDuration[mode] = result.durationMs;

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
    state.apiCalls.push(apiCalls);
    state.sandboxRequests.push(stats.requests);
    state.rateLimited += stats.rateLimited;

    let differences: string[] = [];
    if (result.code === 0) {
      if (full) state.fullSyncs++;
      const truth = await fetchTruth(sandbox.url);
      differences = compareWithTruth(dbPath, truth, full ? {} : { skipChildren: true });
      if (differences.length) state.mismatches.push({ round, check: mode, differences });
    }
    state.dbMb = databaseMb(dbPath);
    state.maxDbMb = Math.max(state.maxDbMb, state.dbMb);
    state.rounds = round;
    say(
      `round ${round}/${s.rounds} ${mode}: ${mutated.applied} changes; ${notes.length ? notes.join(', ') + '; ' : ''}` +
        `${apiCalls} calls in summaries, ${stats.requests} requests at the sandbox (${stats.rateLimited} x 429, ` +
        `${Object.values(stats.faults).reduce((a, b) => a + b, 0)} faults); rss ${Math.round(state.maxRssKb / 1024)} MB peak, ` +
        `db ${state.dbMb} MB; ${result.code === 0 ? `${differences.length} differences` : 'not compared (sync did not complete)'}; ` +
        `${((performance.now() - started) / 1000).toFixed(1)}s`,
    );
    for (const d of differences.slice(0, 5)) say(`  ${d}`);
    if (round === s.rounds) state.stopReason = `rounds (${s.rounds})`;
  }
}

const settings = readSettings();
const cleanup = new Cleanup();
const state: SoakState = {
  rounds: 0, kills: 0, killsBySignal: {}, fullSyncs: 0, mismatches: [], maxRssKb: 0, dbMb: 0, maxDbMb: 0,
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
process.stdout.write(JSON.stringify({
  rounds: state.rounds,
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
  unexpectedExits: state.unexpected.map((u) => ({ round: u.round, exit: u.exit })),
  mismatchRounds: state.mismatches.map((m) => ({ round: m.round, check: m.check, count: m.differences.length, first: m.differences[0] })),
  stopReason: state.stopReason,
  seconds: +((performance.now() - started) / 1000).toFixed(1),
  settings,
  ...(failure ? { error: String((failure as Error).message ?? failure) } : {}),
}) + '\n');
process.exitCode = failure || mismatches > 0 || state.unexpected.length > 0 ? 1 : 0;
