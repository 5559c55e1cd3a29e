// `ghl-etl contacts workflows add|remove CONTACT_ID WORKFLOW_ID` (src/ops addToWorkflow,
// removeFromWorkflow). The mirror holds no workflows: the outcome is the command's output.
import type { Command } from 'commander';
import { addToWorkflow, removeFromWorkflow } from '../../ops/index.ts';
import { group, leaf } from '../command.ts';
import { printOutcome, withOps, withWriteFlags, writeOptions, type WriteFlags } from '../ops-command.ts';
import { subgroup } from '../subgroup.ts';

export function register(program: Command): void {
  const workflows = subgroup(group(program, 'contacts'), 'workflows', 'Enrol contacts in HighLevel workflows, or take them out: add, remove');
  leaf<WriteFlags & { eventStartTime?: string }>(withWriteFlags(workflows.command('add')
    .argument('<contact-id>', 'the contact\'s id')
    .argument('<workflow-id>', 'the workflow\'s id (from its URL in HighLevel)')
    .option('--event-start-time <iso>', 'the time the workflow\'s event starts (ISO-8601 with offset)')
    .summary('Enrol a contact in a workflow (a lost answer is never repeated)')),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const [contactId, workflowId] = cmd.processedArgs as [string, string];
    const outcome = await addToWorkflow(ctx, contactId, workflowId, opts.eventStartTime !== undefined ? { eventStartTime: opts.eventStartTime } : {}, writeOptions(opts));
    return printOutcome(outcome, opts, (r) => ({
      line: `enrolled contact ${r.contactId} in workflow ${r.workflowId}${r.eventStartTime ? ` (event starts ${r.eventStartTime})` : ''}`,
      record: { contactId: r.contactId, workflowId: r.workflowId, ...(r.eventStartTime ? { eventStartTime: r.eventStartTime } : {}), enrolled: true },
      replayed: r.replayed,
    }));
  }));

  leaf<WriteFlags>(withWriteFlags(workflows.command('remove')
    .argument('<contact-id>', 'the contact\'s id')
    .argument('<workflow-id>', 'the workflow\'s id')
    .summary('Take a contact out of a workflow')),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const [contactId, workflowId] = cmd.processedArgs as [string, string];
    const outcome = await removeFromWorkflow(ctx, contactId, workflowId, writeOptions(opts));
    return printOutcome(outcome, opts, (r) => ({
      line: `took contact ${r.contactId} out of workflow ${r.workflowId}`,
      record: { contactId: r.contactId, workflowId: r.workflowId, removed: true }, replayed: r.replayed,
    }));
  }));
}
