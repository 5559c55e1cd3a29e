// `ghl-etl contacts show ID [--live]`: one contact's 360° view (profile, tags, custom fields by
// name, tasks open first, notes newest first, recent activity) from the mirror (src/db/
// contact-view.ts) or, with --live, from HighLevel (src/view/live-contact.ts), printed alike.
import type { Command } from 'commander';
import type { LoadedConfig } from '../../config/load.ts';
import type { ContactView } from '../../db/contact-view.ts';
import type { Mirror } from '../../db/mirror.ts';
import { databaseTarget } from '../../config/database.ts';
import { existsSync } from 'node:fs';
import { ContactNotFoundError, liveContactView } from '../../view/live-contact.ts';
import { UsageError } from '../args.ts';
import { configOf, group, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { chooseLocations } from '../locations.ts';
import { terminalLine, terminalSafe, writeOut } from '../../terminal-text.ts';

/** Text from the CRM made safe for a terminal (the one sanitiser), one line unless asked. */
function clean(text: string, multiline = false): string {
  return multiline ? terminalSafe(text.replace(/\t/g, ' ').replace(/\r\n|\r/g, '\n')) : terminalLine(text);
}

/** "2026-04-01 10:00" (UTC) for an ISO time; the text as it is when it does not parse. */
function when(iso: string | null): string {
  if (!iso) return '-';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? clean(iso) : new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

function table(rows: Array<[string, string]>, indent = '  '): string[] {
  const width = Math.max(...rows.map(([k]) => [...k].length));
  return rows.map(([k, v]) => `${indent}${k.padEnd(width + (k.length - [...k].length))}  ${v}`);
}

function valueText(value: ContactView['customFields'][string]): string {
  return Array.isArray(value) ? value.map((v) => clean(v)).join(' | ') : clean(String(value));
}

/** The human layout of a view (times in UTC). */
export function renderContactView(view: ContactView, source: 'mirror' | 'live'): string {
  const p = view.profile;
  const out: string[] = [];
  out.push(`${clean(p.name ?? '(no name)')}  [${p.id}]${p.deletedAt ? `  DELETED in HighLevel (${when(p.deletedAt)})` : ''}`);
  const address = [p.address1, p.city, [p.state, p.postalCode].filter(Boolean).join(' '), p.country].filter(Boolean).join(', ');
  const fields: Array<[string, string | null]> = [
    ['location', p.locationId], ['email', p.email], ['phone', p.phone], ['company', p.companyName], ['business', p.businessId],
    ['type', p.type], ['source', p.source], ['assigned to', p.assignedToName ? `${p.assignedToName} (${p.assignedTo})` : p.assignedTo], ['do not disturb', p.dnd ? 'yes' : null],
    ['address', address || null], ['timezone', p.timezone], ['birthday', p.dateOfBirth],
    ['added', when(p.dateAdded)], ['updated', when(p.dateUpdated)],
    [source === 'live' ? 'fetched' : 'synced', `${when(p.syncedAt)}${source === 'live' ? ' (live from HighLevel)' : ' (from the mirror)'}`],
  ];
  out.push(...table(fields.filter((f): f is [string, string] => f[1] !== null && f[1] !== '').map(([k, v]) => [k, clean(v)])));

  out.push('', view.tags.length ? `Tags (${view.tags.length}): ${view.tags.map((t) => clean(t)).join(', ')}` : 'Tags: none');

  const custom = Object.entries(view.customFields);
  out.push('', custom.length ? `Custom fields (${custom.length}):` : 'Custom fields: none');
  if (custom.length) out.push(...table(custom.map(([k, v]) => [clean(k), valueText(v)])));

  const { activity } = view;
  out.push('', view.tasks.length ? `Tasks (${activity.openTasks} open of ${activity.tasks}):` : 'Tasks: none');
  for (const t of view.tasks) {
    out.push(`  [${t.completed ? 'x' : ' '}] ${t.dueDate ? `due ${when(t.dueDate)}` : 'no due date     '}  ${clean(t.title ?? '(untitled)')}`);
    if (t.body) out.push(`        ${clean(t.body)}`);
  }

  out.push('', view.notes.length ? `Notes (${activity.notes}, newest first):` : 'Notes: none');
  for (const n of view.notes) {
    out.push(`  ${when(n.dateAdded)}`);
    for (const line of clean(n.body ?? '', true).split('\n')) out.push(`    ${line}`);
  }

  if (activity.recent.length) {
    out.push('', 'Recent activity:');
    const label = { contact_added: 'added', contact_updated: 'updated', note: 'note', task_due: 'task due' } as const;
    for (const e of activity.recent) out.push(`  ${when(e.at)}  ${label[e.kind].padEnd(8)}  ${clean(e.summary)}`);
  }
  return out.join('\n') + '\n';
}

/** The location to ask HighLevel in: --location, the only configured one, or the one the mirror knows. */
async function liveLocation(config: LoadedConfig, flag: string | undefined, mirrored: () => Promise<string | undefined>): Promise<string> {
  if (flag !== undefined) return chooseLocations(config, flag)[0]!.id;
  const configured = chooseLocations(config, undefined);
  if (configured.length === 1) return configured[0]!.id;
  const known = await mirrored();
  if (known !== undefined && configured.some((l) => l.id === known)) return known;
  throw new UsageError(`several locations are configured and the mirror does not know this contact: add --location ID (one of ${configured.map((l) => l.id).join(', ')})`);
}

async function fromMirror(db: Mirror, id: string): Promise<ContactView> {
  const view = await db.contactView(id);
  if (!view) throw new ContactNotFoundError(`contact ${id} is not in the mirror (${db.shown}): run \`ghl-etl sync\`, or add --live to ask HighLevel`);
  return view;
}

interface ShowFlags {
  live?: boolean;
  location?: string;
}

export function register(program: Command): void {
  leaf<ShowFlags>(group(program, 'contacts').command('show')
    .summary('One contact\'s 360° view: profile, tags, custom fields, tasks, notes, recent activity')
    .argument('<id>', 'the HighLevel contact id')
    .option('--live', 'read it from HighLevel now instead of the mirror')
    .option('--location <id>', 'with --live: the location the contact belongs to (default: the only configured one, or the mirror\'s)'),
  async (opts, cmd) => {
    const id = (cmd.args[0] ?? '').trim();
    if (id === '') throw new UsageError('give the contact id: ghl-etl contacts show ID');
    if (opts.location !== undefined && !opts.live) throw new UsageError('--location goes with --live (the mirror knows each contact\'s location)');
    const config = configOf(opts);
    return withApp(config, async (app) => {
      const source = opts.live ? 'live' : 'mirror';
      const view = opts.live
        ? await liveContactView(app.client, await liveLocation(config, opts.location, async () => (await (await app.mirror()).contactView(id))?.profile.locationId), id)
        : await fromMirror(await app.mirror(), id);
      // HighLevel's contact names its assignee by id; the mirror's users know the name (a SQLite file is not created for it).
      const p = view.profile;
      const target = databaseTarget(config.db);
      if (opts.live && p.assignedTo && (target.engine === 'postgres' || existsSync(target.path))) {
        p.assignedToName = (await (await app.mirror()).userName(p.locationId, p.assignedTo)) ?? null;
      }
      if (opts.json) printJson({ source, ...view });
      else writeOut(renderContactView(view, source));
      return EXIT.ok;
    }, { readonly: !opts.live, postgres: true }); // --live may store refreshed OAuth tokens
  });
}
