// `ghl-etl catalog`: every action and trigger the tool offers, generated from src/ops/catalog.ts
// (the registry the operations themselves render their requests from), so it cannot drift.
import type { Command } from 'commander';
import { CATALOG, SYNC_READS, TRIGGERS } from '../../ops/index.ts';
import { leaf, printJson } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

export interface CatalogRow {
  name: string;
  kind: 'action' | 'read' | 'trigger';
  /** HighLevel's method and path; for a trigger, the webhook event it is delivered as. */
  method: string;
  path: string;
  scope: string;
  command: string;
  summary: string;
}

export function catalogRows(): CatalogRow[] {
  return [
    ...[...CATALOG, ...SYNC_READS].map(({ name, kind, method, path, scope, command, summary }) => ({ name, kind, method, path, scope, command: `ghl-etl ${command}`, summary })),
    ...TRIGGERS.map(({ name, kind, scope, command, summary }) => ({ name, kind, method: 'WEBHOOK', path: name, scope, command: `ghl-etl ${command} (POST /webhooks/ghl)`, summary })),
  ];
}

export function register(program: Command): void {
  leaf(program.command('catalog')
    .summary('Every action and trigger the tool offers: HighLevel route, scope and command'),
  async (opts) => {
    const rows = catalogRows();
    if (opts.json) {
      printJson(rows);
      return EXIT.ok;
    }
    const cells = rows.map((r) => [r.kind, r.name, `${r.method} ${r.path}`, r.scope, r.command]);
    const header = ['KIND', 'NAME', 'HIGHLEVEL', 'SCOPE', 'COMMAND'];
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
    for (const line of [header, ...cells]) process.stdout.write(line.map((c, i) => (i < line.length - 1 ? c.padEnd(widths[i]!) : c)).join('  ') + '\n');
    return EXIT.ok;
  });
}
