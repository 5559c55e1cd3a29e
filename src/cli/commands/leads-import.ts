// `ghl-etl leads import FILE|-`: LeadCars leads from a CSV or JSON file (or standard input) into
// the inbox, then delivered (contacts upserted, leads created or linked), then the outbox
// drained. The good leads of a file are imported whatever its bad ones; each bad one is named
// with its line (CSV) or record number (JSON), and the run exits 1.
import type { Command } from 'commander';
import { bridgeContext } from '../../app/bridge.ts';
import { deliverInbox, drainOutbox, importLeads, readLeadFile } from '../../bridge/index.ts';
import { leadFileEncoding, type ImportSummary } from '../../bridge/import.ts';
import { configOf, group, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { writeOut, writeErr } from '../../terminal-text.ts';

export function register(program: Command): void {
  leaf<{ encoding?: string }>(group(program, 'leads').command('import')
    .argument('<file>', 'CSV (a header row of LeadCars field names, comma- or semicolon-separated) or JSON (an array of leads); - reads standard input')
    .summary('Import LeadCars leads: each becomes (or updates) one HighLevel contact linked to its LeadCars lead')
    .option('--encoding <name>', 'the file\'s text encoding: utf-8, windows-1252 (latin1) or utf-16le (default: UTF-8, else windows-1252 as Excel saves it)'),
  async (opts, cmd) => {
    const file = cmd.args[0]!;
    const config = configOf(opts);
    if (opts.encoding !== undefined) leadFileEncoding(opts.encoding); // a bad name is a usage error before anything is read
    const read = readLeadFile(file, opts.encoding !== undefined ? { encoding: opts.encoding } : {});
    return withApp(config, async (app) => {
      const ctx = await bridgeContext(app);
      const db = await app.mirror();
      const imported = await importLeads(db, read.records, { phoneCountry: config.phoneCountry, ...(read.lines ? { lines: read.lines } : {}) });
      const invalid: ImportSummary['invalid'] = [...read.unreadable, ...imported.invalid].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
      const delivery = await deliverInbox(ctx);
      const outbox = await drainOutbox(ctx);
      const rows = await Promise.all(imported.inboxIds.map(async (id) => (await db.bridge.getInboxLead(id))!));
      const count = (s: string) => rows.filter((r) => r.status === s).length;
      const readCount = imported.read + read.unreadable.length;
      const result = {
        file, encoding: read.encoding, read: readCount, accepted: imported.accepted, duplicates: imported.duplicates, invalid,
        delivered: count('delivered'), waiting: count('waiting'), failed: count('failed'), pending: count('pending'),
        delivery, outbox,
      };
      if (opts.json) printJson(result);
      else {
        for (const bad of invalid) {
          const where = bad.line !== undefined ? `line ${bad.line}` : `record ${bad.record}`;
          writeErr(`ghl-etl leads import: ${where} refused: ${bad.reasons.join('; ')}\n`);
        }
        writeOut(
          `${file === '-' ? 'standard input' : file}: ${readCount} leads read, ${imported.accepted} new, ${imported.duplicates} already imported, ${invalid.length} invalid; ` +
          `${result.delivered} delivered, ${result.waiting} waiting on LeadCars (see \`ghl-etl outbox list\`), ${result.failed} failed, ${result.pending} to retry\n`,
        );
      }
      return invalid.length > 0 || result.failed > 0 ? EXIT.failed : EXIT.ok;
    }, { postgres: true });
  });
}
