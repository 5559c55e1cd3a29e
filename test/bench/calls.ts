// Bench `calls`: API calls of three `ghl-etl sync` runs over the fewest that run could make.
//   full:        the first sync: custom field definitions (1), the listing in pages of 100, the
//                location's tasks in pages of 100 (the task search), one notes call per contact
//                (HighLevel has no bulk notes endpoint);
//   unchanged:   an incremental sync with nothing changed: definitions, the listing and the
//                location's tasks (every run reads every task: task edits send no event and
//                move no dateUpdated, issue 21);
//   one_percent: after changes to 1% of the contacts: that plus, per contact whose dateUpdated
//                moved (or that is new), its notes.
// The incremental runs also re-read a rolling share (ceil(live / sync.rollingDays)) of contacts'
// notes by design (note changes do not move a contact's dateUpdated; no serve receives webhooks
// here, see nightly.ts); the floor leaves it out, `rollingShare` says how many that is.
// BENCH_CALLS_CONTACTS (default 2,000).
import { join } from 'node:path';
import type { SandboxContact } from '../../src/sandbox/types.ts';
import { emit, round, runCli, sizeFromEnv, startSandboxProcess, syncEnv, tempDir, UNLIMITED, writeConfig } from './lib.ts';

const CONTACTS = sizeFromEnv('BENCH_CALLS_CONTACTS', 2000);
const ROLLING_DAYS = 7;
const pages = (n: number) => Math.max(1, Math.ceil(n / 100));

const sandbox = await startSandboxProcess(['--locations', '1', '--contacts', String(CONTACTS), '--rate-limit', 'none', '--daily-limit', '1000000000', '--seed', '3']);
try {
  const dir = tempDir();
  const config = writeConfig(dir, { locations: sandbox.locations, rateLimit: UNLIMITED, sync: { rollingDays: ROLLING_DAYS } });
  const env = syncEnv(sandbox, join(dir, 'calls.sqlite'), config);
  type State = { contacts: SandboxContact[]; tasks: unknown[] };
  const state = () => sandbox.control<State>('state');

  async function measure(name: string, minimum: number, extra: Record<string, unknown> = {}) {
    await sandbox.control('stats/reset', {});
    const run = await runCli(['sync', '--json'], env);
    const stats = await sandbox.stats();
    const ratio = stats.requests / minimum;
    const rolling = typeof extra.rollingShare === 'number' ? { overMinimumPlusRollingShare: round(stats.requests / (minimum + extra.rollingShare)) } : {};
    emit({ measure: `calls.${name}`, ratio: round(ratio), calls: stats.requests, minimum, ...rolling, ...extra, contacts: CONTACTS, exitCode: run.code, byRoute: stats.byRoute });
    if (run.code !== 0) process.exitCode = 1;
  }

  const before = await state();
  await measure('full', 1 + pages(before.contacts.length) + pages(before.tasks.length) + before.contacts.length);
  const rollingShare = Math.ceil(before.contacts.length / ROLLING_DAYS);
  await measure('unchanged', 1 + pages(before.contacts.length) + pages(before.tasks.length), { rollingShare });

  await sandbox.control('mutate', { changes: Math.ceil(CONTACTS / 100), seed: 4 });
  const after = await state();
  const old = new Map(before.contacts.map((c) => [c.id, c.dateUpdated]));
  const changed = after.contacts.filter((c) => old.get(c.id) !== c.dateUpdated).length;
  await measure('one_percent', 1 + pages(after.contacts.length) + pages(after.tasks.length) + changed, { changedContacts: changed, rollingShare: Math.ceil(after.contacts.length / ROLLING_DAYS) });
} finally {
  await sandbox.stop();
}
