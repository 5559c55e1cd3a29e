// `ghl-etl catalog`: every action and trigger the tool offers, generated from src/ops/catalog.ts
// (the registry the operations themselves render their requests from), so it cannot drift, and
// the LeadCars side the bridge calls and answers (src/bridge/catalog.ts).
import type { Command } from 'commander';
import { LEADCARS_CATALOG } from '../../bridge/index.ts';
import { CATALOG, SYNC_READS, TRIGGERS } from '../../ops/index.ts';
import { leaf, printJson } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { writeOut } from '../../terminal-text.ts';

export interface CatalogRow {
  /** Whose route: HighLevel's, or LeadCars' (the bridge). */
  service: 'HighLevel' | 'LeadCars';
  name: string;
  kind: 'action' | 'read' | 'trigger';
  /** The service's method and path; for a HighLevel trigger, the webhook event it is delivered as. */
  method: string;
  path: string;
  scope: string;
  command: string;
  summary: string;
}

export function catalogRows(): CatalogRow[] {
  return [
    ...[...CATALOG, ...SYNC_READS].map(({ name, kind, method, path, scope, command, summary }) => ({ service: 'HighLevel' as const, name, kind, method, path, scope, command: `ghl-etl ${command}`, summary })),
    ...TRIGGERS.map(({ name, kind, scope, command, summary }) => ({ service: 'HighLevel' as const, name, kind, method: 'WEBHOOK', path: name, scope, command: `ghl-etl ${command} (POST /webhooks/ghl)`, summary })),
    ...LEADCARS_CATALOG.map(({ name, kind, method, path, scope, command, summary }) => ({
      service: 'LeadCars' as const, name, kind, method, path, scope, command: command.split(', ').map((c) => `ghl-etl ${c}`).join(', '), summary,
    })),
  ];
}

export function register(program: Command): void {
  leaf(program.command('catalog')
    .summary('Every action and trigger the tool offers: HighLevel or LeadCars route, scope and command'),
  async (opts) => {
    const rows = catalogRows();
    if (opts.json) {
      printJson(rows);
      return EXIT.ok;
    }
    const cells = rows.map((r) => [r.service, r.kind, r.name, `${r.method} ${r.path}`, r.scope, r.command]);
    const header = ['SERVICE', 'KIND', 'NAME', 'ROUTE', 'SCOPE', 'COMMAND'];
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
    for (const line of [header, ...cells]) writeOut(line.map((c, i) => (i < line.length - 1 ? c.padEnd(widths[i]!) : c)).join('  ') + '\n');
    return EXIT.ok;
  });
}
