// `ghl-etl contacts followers add|remove CONTACT_ID USER_ID...` (src/ops addFollowers,
// removeFollowers): --json prints HighLevel's answer (every follower, and those changed).
import type { Command } from 'commander';
import { addFollowers, removeFollowers } from '../../ops/index.ts';
import { group, leaf } from '../command.ts';
import { printOutcome, withOps, withWriteFlags, writeOptions, type WriteFlags } from '../ops-command.ts';
import { subgroup } from '../subgroup.ts';

const VERBS = {
  add: { run: addFollowers, summary: 'Make users followers of a contact', past: 'now following', key: 'followersAdded' },
  remove: { run: removeFollowers, summary: 'Stop users following a contact', past: 'no longer following', key: 'followersRemoved' },
} as const;

export function register(program: Command): void {
  const followers = subgroup(group(program, 'contacts'), 'followers', 'The users who follow a contact: add, remove');
  for (const verb of ['add', 'remove'] as const) {
    const { run, summary, past, key } = VERBS[verb];
    leaf<WriteFlags>(withWriteFlags(followers.command(verb)
      .argument('<contact-id>', 'the contact\'s id')
      .argument('<user-ids...>', 'the users\' ids (`ghl-etl status` or HighLevel\'s team page lists them)')
      .summary(summary)),
    async (opts, cmd) => withOps(opts, async (ctx) => {
      const [contactId, userIds] = cmd.processedArgs as [string, string[]];
      const outcome = await run(ctx, contactId, userIds, writeOptions(opts));
      return printOutcome(outcome, opts, (r) => ({
        line: `${past} contact ${r.contactId}: ${r.changed.join(', ') || 'nobody (no change)'} (followers now: ${r.followers.join(', ') || 'none'})`,
        record: { contactId: r.contactId, followers: r.followers, [key]: r.changed }, replayed: r.replayed,
      }));
    }));
  }
}
