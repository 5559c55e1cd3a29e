// `ghl-etl status`: per location, the last run, how fresh the mirror is, the API budget used in
// the last 24 hours and the last error (src/status/report.ts). Exit 1 when not healthy, so a
// monitor (cron + mail, Nagios, a systemd timer's OnFailure) can alert on it.
import type { Command } from 'commander';
import { bridgeUnused, type BridgeStatus } from '../../status/bridge.ts';
import { withQueue } from '../../status/queue.ts';
import { mirrorStatusReport, type LocationStatus, type NotesStatus, type StatusReport } from '../../status/report.ts';
import { configOf, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { writeOut } from '../../terminal-text.ts';

const pct = (share: number) => `${(share * 100).toFixed(share < 0.01 && share > 0 ? 2 : 1)}%`;

function describeLocation(l: LocationStatus): string[] {
  const lines = [`${l.locationId}${l.name ? ` (${l.name})` : ''}: ${l.healthy ? 'healthy' : 'UNHEALTHY'}`];
  const run = l.lastRun;
  lines.push(`  last run     ${run ? `#${run.id} ${run.status} (${run.mode}), started ${run.startedAt}${run.finishedAt ? `, finished ${run.finishedAt}` : ''}${run.worker ? ` by ${run.worker}` : ''}` : 'none'}`);
  lines.push(`  data age     ${l.dataAgeHours === null ? 'never synced successfully' : `${l.dataAgeHours.toFixed(1)} h (last good sync finished ${l.lastSuccessAt})`}`);
  const hl = l.highLevelDaily;
  lines.push(hl
    ? `  API budget   ${hl.used} of ${hl.limit} calls used today (${pct(l.budgetUsedShare)}), as HighLevel reported at ${hl.at}; this tool made ${l.apiCallsLast24h} in the last 24 h`
    : `  API budget   ${l.apiCallsLast24h} of ${l.dailyLimit} calls in the last 24 h (${pct(l.budgetUsedShare)})`);
  lines.push(`  last error   ${l.lastError ? `${l.lastError.at}: ${l.lastError.message.split('\n')[0]}` : 'none'}`);
  if (l.notes) lines.push(`  notes        ${describeNotes(l.notes)}`);
  if (l.drift.length > 0) lines.push(`  drift        ${describeDrift(l)}`);
  const q = l.queue;
  if (q) {
    lines.push(`  queue        ${q.waiting} waiting, ${q.active} active${q.active > 0 ? ` (${q.worker ?? 'a worker'}${q.activeSince ? ` since ${q.activeSince}` : ''})` : ''}, ` +
      `${q.failed} failed${q.lastFailure ? ` (last ${q.lastFailure.at}: ${q.lastFailure.error.split('\n')[0]})` : ''}`);
  }
  for (const p of l.problems) lines.push(`  ! ${p}`);
  return lines;
}

/** One line: how the last sync re-read notes, and why not fewer. */
function describeNotes(n: NotesStatus): string {
  const named = n.namedContacts > 0 ? `, plus ${n.namedContacts} contact${n.namedContacts === 1 ? '' : 's'} named by webhook events` : '';
  return n.webhooksFlowing
    ? `webhooks flowing: one contact in ${n.rollingShare} re-read as a safety net${named} (${n.decidedAt})`
    : `one contact in ${n.rollingShare} re-read${named}; webhooks not relied on: ${n.reason ?? 'unknown'} (${n.decidedAt})`;
}

/** One line: how many answer fields depart from HighLevel's files, the most frequent named. */
function describeDrift(l: LocationStatus): string {
  const top = [...l.drift].sort((a, b) => b.count - a.count).slice(0, 3).map((d) => `${d.field} ${d.problem} (${d.count}x)`);
  const more = l.drift.length > top.length ? `, and ${l.drift.length - top.length} more` : '';
  return `${l.drift.length} answer field${l.drift.length === 1 ? '' : 's'} depart from HighLevel's documented shape, tolerated: ${top.join(', ')}${more} (status --json lists them)`;
}

const age = (hours: number | null) => (hours === null ? '' : `, oldest waiting ${hours.toFixed(1)} h`);

/** The bridge's lines: nothing when it was never used. */
function describeBridge(b: BridgeStatus): string[] {
  if (bridgeUnused(b)) return [];
  return [
    `LeadCars bridge: ${b.healthy ? 'healthy' : 'UNHEALTHY'}`,
    `  inbox        ${b.inbox.pending} pending, ${b.inbox.waiting} waiting on LeadCars, ${b.inbox.failed} failed${age(b.inbox.oldestWaitingHours)}`,
    `  outbox       ${b.outbox.pending} waiting, ${b.outbox.dead} dead, ${b.outbox.unknown} unknown${age(b.outbox.oldestWaitingHours)}`,
    ...b.problems.map((p) => `  ! ${p}`),
  ];
}

/** The human report: one block per location, the bridge, then the last export. */
export function renderStatus(report: StatusReport): string {
  const out: string[] = [];
  if (report.locations.length === 0) out.push('No locations configured or synced yet: configure one (GHL_LOCATION_ID + GHL_TOKEN) and run `ghl-etl sync`.');
  for (const l of report.locations) out.push(...describeLocation(l));
  out.push(...describeBridge(report.bridge));
  const e = report.lastExport;
  out.push(`last export  ${e ? `#${e.id} ${e.status} "${e.segment}" (${e.kind}) -> ${e.path ?? '-'}, ${e.rows ?? 0} rows, ${e.finishedAt ?? e.startedAt}${e.error ? `: ${e.error}` : ''}` : 'none'}`);
  for (const f of report.unsyncedWebhookEvents) {
    out.push(`webhooks     ${f.events} event${f.events === 1 ? '' : 's'} of location ${f.locationId || '(none)'}, which this mirror does not sync: acknowledged, not applied`);
  }
  out.push(`overall      ${report.healthy ? 'healthy' : 'UNHEALTHY'} (data older than ${report.maxAgeHours} h, a failed last run, or a dead LeadCars call or lead is unhealthy: status.maxAgeHours)`);
  return out.join('\n') + '\n';
}

export function register(program: Command): void {
  leaf(program.command('status')
    .summary('Per location: last run, data freshness, API budget used, last error; the LeadCars bridge\'s queues; exit 1 when not healthy'),
  async (opts) => {
    const config = configOf(opts);
    return withApp(config, async (app) => {
      const mirror = await app.mirror();
      let report = await mirrorStatusReport(mirror, config);
      // With workers, each location's jobs in the queue (never set up by status itself).
      const queue = mirror.engine === 'postgres' ? await app.existingQueue() : undefined;
      if (queue) report = withQueue(report, await queue.locationStates(report.locations.map((l) => l.locationId)));
      if (opts.json) printJson(report);
      else writeOut(renderStatus(report));
      return report.healthy ? EXIT.ok : EXIT.failed;
    }, { readonly: true, postgres: true });
  });
}
