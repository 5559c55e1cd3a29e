// Nightly benchmark (issue 21): the incremental sync after a day's changes (contacts, tasks and
// notes, the sandbox's mutate), with HighLevel's webhooks flowing into `serve` and without.
//   nightly.with_webhooks:    serve receives the sandbox's signed webhooks the whole day;
//   nightly.without_webhooks: the same data and changes, no serve.
// ratio = the sync's calls / the floor: listing pages + the changed contacts' reads (new or
// updated contacts, and contacts whose notes changed: one notes call each) + the task search's
// pages (every task, 100 a page). overMinimumPlusSafetyNet counts the designed safety net (one
// contact in sync.rollingShareWithWebhooks, or the usual one in sync.rollingDays without
// webhooks) as part of the minimum. withVsWithout: the calls with webhooks / without (goal <=
// 0.5). mirrorDiffs: differences between the mirror and the sandbox's truth after the run
// (contacts, tasks and notes; goal 0 with webhooks). BENCH_NIGHTLY_CONTACTS (default 2,000).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { SandboxContact, SandboxNote, SandboxTask } from '../../src/sandbox/types.ts';
import { freePort, INTAKE_SECRET } from '../helpers/serve.ts';
import { compareWithTruth, fetchTruth } from '../helpers/truth.ts';
import { BIN, emit, round, runCli, sizeFromEnv, startSandboxProcess, syncEnv, tempDir, UNLIMITED, writeConfig, type SandboxProcess } from './lib.ts';

const CONTACTS = sizeFromEnv('BENCH_NIGHTLY_CONTACTS', 2000);
const CHANGES = Math.ceil(CONTACTS / 100);
const ROLLING_DAYS = 7;
const WITH_WEBHOOKS = 30;
const pages = (n: number) => Math.max(1, Math.ceil(n / 100));

type State = { contacts: SandboxContact[]; tasks: SandboxTask[]; notes: SandboxNote[] };

/** `ghl-etl serve --json` in its own process; resolves once it listens. */
async function startServe(env: Record<string, string>, port: number): Promise<{ stop(): Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--json', '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn', ...env },
  });
  await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`serve exited ${code} before listening`)));
  });
  child.stdout.resume();
  return {
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

async function webhooksDelivered(sandbox: SandboxProcess): Promise<{ sent: number; delivered: number; failed: number }> {
  for (;;) {
    const { webhooks } = await sandbox.stats();
    if (webhooks.pending === 0) return webhooks;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Contacts whose notes differ between two states (added, edited or deleted). */
function notesChanged(before: State, after: State): Set<string> {
  const key = (n: SandboxNote) => `${n.id}\u0000${n.body ?? ''}`;
  const of = (s: State) => {
    const m = new Map<string, string[]>();
    for (const n of s.notes) m.set(n.contactId, [...(m.get(n.contactId) ?? []), key(n)]);
    return new Map([...m].map(([id, keys]) => [id, keys.sort().join('\u0001')]));
  };
  const [a, b] = [of(before), of(after)];
  const out = new Set<string>();
  for (const id of new Set([...a.keys(), ...b.keys()])) if (a.get(id) !== b.get(id)) out.add(id);
  return out;
}

async function scenario(webhooks: boolean) {
  const port = await freePort();
  const sandbox = await startSandboxProcess([
    '--locations', '1', '--contacts', String(CONTACTS), '--rate-limit', 'none', '--daily-limit', '1000000000', '--seed', '7',
    ...(webhooks ? ['--webhook-url', `http://127.0.0.1:${port}/webhooks/ghl`] : []),
  ]);
  let serve: { stop(): Promise<void> } | undefined;
  try {
    const dir = tempDir();
    const dbPath = join(dir, 'nightly.sqlite');
    const config = writeConfig(dir, {
      locations: sandbox.locations, rateLimit: UNLIMITED,
      sync: { rollingDays: ROLLING_DAYS, rollingShareWithWebhooks: WITH_WEBHOOKS },
    });
    const env = syncEnv(sandbox, dbPath, config);
    const publicKey = (sandbox as SandboxProcess & { webhookPublicKey?: string }).webhookPublicKey;
    if (webhooks) serve = await startServe({ ...env, INTAKE_SECRET, GHL_WEBHOOK_PUBLIC_KEY: publicKey ?? '' }, port);
    const full = await runCli(['sync', '--json'], env);
    if (full.code !== 0) throw new Error(`the full sync exited ${full.code}`);
    const state = (locationId?: string) => sandbox.control<State>(`state${locationId ? `?locationId=${locationId}` : ''}`);
    const before = await state();
    await sandbox.control('mutate', { changes: CHANGES, seed: 8 });
    const delivery = webhooks ? await webhooksDelivered(sandbox) : undefined;
    const after = await state();
    await sandbox.control('stats/reset', {});
    const run = await runCli(['sync', '--json'], env);
    const stats = await sandbox.stats();
    const old = new Map(before.contacts.map((c) => [c.id, c.dateUpdated]));
    const changedContacts = new Set(after.contacts.filter((c) => old.get(c.id) !== c.dateUpdated).map((c) => c.id));
    const live = new Set(after.contacts.map((c) => c.id));
    for (const id of notesChanged(before, after)) if (live.has(id)) changedContacts.add(id);
    const listing = pages(after.contacts.length + 1); // a full last page needs one more to end
    const taskPages = pages(after.tasks.length);
    const minimum = listing + changedContacts.size + taskPages;
    const safetyNet = Math.ceil(after.contacts.length / (webhooks ? WITH_WEBHOOKS : ROLLING_DAYS));
    const diffs = compareWithTruth(dbPath, await fetchTruth(sandbox.url, sandbox.locations[0]!.id), { limit: 100_000 });
    const summary = (JSON.parse(run.stdout) as { runs: Array<{ notesPlan?: unknown; apiCalls: number }> }).runs[0];
    return {
      calls: stats.requests, minimum, safetyNet, listing, taskPages, changedContacts: changedContacts.size, byRoute: stats.byRoute,
      mirrorDiffs: diffs.length, firstDiffs: diffs.slice(0, 3), notesPlan: summary?.notesPlan, exitCode: run.code, delivery,
    };
  } finally {
    await serve?.stop();
    await sandbox.stop();
  }
}

const withWebhooks = await scenario(true);
const without = await scenario(false);
const withVsWithout = round(withWebhooks.calls / without.calls);
for (const [name, r] of [['with_webhooks', withWebhooks], ['without_webhooks', without]] as const) {
  const { calls, minimum, safetyNet, ...details } = r;
  const ratio = round(calls / minimum);
  const exact = name === 'without_webhooks' || r.mirrorDiffs === 0;
  emit({
    measure: `nightly.${name}`, ratio, goal: name === 'with_webhooks' ? '<= 1.1 (calls <= 0.5x without; mirror exact)' : 'comparison',
    ...(name === 'with_webhooks' ? { met: ratio <= 1.1 && withVsWithout <= 0.5 && exact } : {}),
    calls, minimum, overMinimumPlusSafetyNet: round(calls / (minimum + safetyNet)), safetyNet, withVsWithout, contacts: CONTACTS, changes: CHANGES, ...details,
  });
  if (r.exitCode !== 0 || !exact) process.exitCode = 1;
}
