// `ghl-etl leads link CONTACT_ID LEAD_ID`: link a LeadCars lead made elsewhere (or one whose
// create had an unknown outcome) to a HighLevel contact, once LeadCars confirms it has the lead.
import type { Command } from 'commander';
import { bridgeContext } from '../../app/bridge.ts';
import { linkExistingLead } from '../../bridge/link.ts';
import { LeadAlreadyLinkedError } from '../../db/lead-links.ts';
import { UsageError } from '../args.ts';
import { configOf, group, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { writeOut } from '../../terminal-text.ts';

export function register(program: Command): void {
  leaf(group(program, 'leads').command('link').argument('<contactId>', 'HighLevel contact id').argument('<leadId>', 'LeadCars lead id')
    .summary('Link a LeadCars lead to a HighLevel contact (resolves a create waiting in `outbox list`)'),
  async (opts, cmd) => {
    const [contactId, leadId] = cmd.args as [string, string];
    return withApp(configOf(opts), async (app) => {
      let result;
      try {
        result = await linkExistingLead(await bridgeContext(app), contactId, leadId.trim());
      } catch (err) {
        if (err instanceof LeadAlreadyLinkedError) throw new UsageError(`${err.message}: a lead belongs to one contact`);
        throw err;
      }
      if (opts.json) printJson(result);
      else {
        writeOut(`${result.created ? 'Linked' : 'Already linked:'} LeadCars lead ${leadId} to contact ${contactId}` +
          `${result.resolvedOutboxId !== undefined ? ` (outbox ${result.resolvedOutboxId} resolved)` : ''}\n`);
      }
      return EXIT.ok;
    }, { postgres: true });
  });
}
