// `ghl-etl leads import FILE`: LeadCars leads from a CSV or JSON file into the inbox, then
// delivered (contacts upserted, leads created or linked), then the outbox drained.
import type { Command } from 'commander';
import { bridgeContext } from '../../app/bridge.ts';
import { deliverInbox, drainOutbox, importLeads, readLeadFile } from '../../bridge/index.ts';
import { getInboxLead } from '../../db/inbox.ts';
import { configOf, group, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

export function register(program: Command): void {
  leaf(group(program, 'leads').command('import').argument('<file>', 'CSV (header of LeadCars field names) or JSON (array of leads)')
    .summary('Import LeadCars leads: each becomes (or updates) one HighLevel contact linked to its LeadCars lead'),
  async (opts, cmd) => {
    const file = cmd.args[0]!;
    const config = configOf(opts);
    const records = readLeadFile(file);
    return withApp(config, async (app) => {
      const ctx = bridgeContext(app);
      const imported = importLeads(app.db, records, { phoneCountry: config.phoneCountry });
      const delivery = await deliverInbox(ctx);
      const outbox = await drainOutbox(ctx);
      const rows = imported.inboxIds.map((id) => getInboxLead(app.db, id)!);
      const count = (s: string) => rows.filter((r) => r.status === s).length;
      const result = {
        file, read: imported.read, accepted: imported.accepted, duplicates: imported.duplicates, invalid: imported.invalid,
        delivered: count('delivered'), waiting: count('waiting'), failed: count('failed'), pending: count('pending'),
        delivery, outbox,
      };
      if (opts.json) printJson(result);
      else {
        for (const bad of imported.invalid) process.stderr.write(`ghl-etl leads import: record ${bad.record} refused: ${bad.reasons.join('; ')}\n`);
        process.stdout.write(
          `${file}: ${imported.read} leads read, ${imported.accepted} new, ${imported.duplicates} already imported, ${imported.invalid.length} invalid; ` +
          `${result.delivered} delivered, ${result.waiting} waiting on LeadCars (see \`ghl-etl outbox list\`), ${result.failed} failed, ${result.pending} to retry\n`,
        );
      }
      return imported.invalid.length > 0 || result.failed > 0 ? EXIT.failed : EXIT.ok;
    });
  });
}
