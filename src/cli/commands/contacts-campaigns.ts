// `ghl-etl contacts campaigns add|remove CONTACT_ID CAMPAIGN_ID`, `contacts campaigns remove-all
// CONTACT_ID` (src/ops addToCampaign, removeFromCampaign, removeFromAllCampaigns).
import type { Command } from 'commander';
import { addToCampaign, removeFromAllCampaigns, removeFromCampaign } from '../../ops/index.ts';
import { group, leaf } from '../command.ts';
import { printOutcome, withOps, withWriteFlags, writeOptions, type WriteFlags } from '../ops-command.ts';
import { subgroup } from '../subgroup.ts';

export function register(program: Command): void {
  const campaigns = subgroup(group(program, 'contacts'), 'campaigns', 'Add contacts to HighLevel campaigns, or take them out: add, remove, remove-all');
  leaf<WriteFlags>(withWriteFlags(campaigns.command('add')
    .argument('<contact-id>', 'the contact\'s id')
    .argument('<campaign-id>', 'the campaign\'s id')
    .summary('Add a contact to a campaign (a lost answer is never repeated)')),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const [contactId, campaignId] = cmd.processedArgs as [string, string];
    const outcome = await addToCampaign(ctx, contactId, campaignId, writeOptions(opts));
    return printOutcome(outcome, opts, (r) => ({
      line: `added contact ${r.contactId} to campaign ${r.campaignId}`,
      record: { contactId: r.contactId, campaignId: r.campaignId, added: true }, replayed: r.replayed,
    }));
  }));

  leaf<WriteFlags>(withWriteFlags(campaigns.command('remove')
    .argument('<contact-id>', 'the contact\'s id')
    .argument('<campaign-id>', 'the campaign\'s id')
    .summary('Take a contact out of a campaign')),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const [contactId, campaignId] = cmd.processedArgs as [string, string];
    const outcome = await removeFromCampaign(ctx, contactId, campaignId, writeOptions(opts));
    return printOutcome(outcome, opts, (r) => ({
      line: `took contact ${r.contactId} out of campaign ${r.campaignId}`,
      record: { contactId: r.contactId, campaignId: r.campaignId, removed: true }, replayed: r.replayed,
    }));
  }));

  leaf<WriteFlags>(withWriteFlags(campaigns.command('remove-all')
    .argument('<contact-id>', 'the contact\'s id')
    .summary('Take a contact out of every campaign')),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const [contactId] = cmd.processedArgs as [string];
    const outcome = await removeFromAllCampaigns(ctx, contactId, writeOptions(opts));
    return printOutcome(outcome, opts, (r) => ({
      line: `took contact ${r.contactId} out of every campaign`,
      record: { contactId: r.contactId, removedFromAll: true }, replayed: r.replayed,
    }));
  }));
}
