// `ghl-etl contacts list`: contacts with every --tag, of a business, matching a query; from the
// mirror, or from HighLevel (paged) with --live (src/ops listContacts).
import type { Command } from 'commander';
import { listContacts } from '../../ops/index.ts';
import { positiveNumber } from '../args.ts';
import { group, leaf } from '../command.ts';
import { MIRROR_LOCATION_HELP, printList, repeatable, withLocationFlag, withOps, type LocationFlags } from '../ops-command.ts';

interface ListFlags extends LocationFlags {
  tag?: string[];
  business?: string;
  query?: string;
  live?: boolean;
  limit?: number;
}

export function register(program: Command): void {
  leaf<ListFlags>(withLocationFlag(group(program, 'contacts').command('list')
    .summary('List contacts from the mirror (or HighLevel with --live) by tag, business or text')
    .option('--tag <tag>', 'only contacts with this tag (repeatable: all of them)', repeatable)
    .option('--business <id>', 'only contacts of this business')
    .option('--query <text>', 'only contacts whose name, email, phone or company contains this')
    .option('--live', 'ask HighLevel (paged) instead of the mirror')
    .option('--limit <n>', 'at most this many', positiveNumber), MIRROR_LOCATION_HELP),
  async (opts) => withOps(opts, async (ctx, locations) => {
    const contacts: Awaited<ReturnType<typeof listContacts>> = [];
    // From the mirror, every configured location unless --location; live, the one location.
    for (const locationId of locations) {
      if (opts.limit !== undefined && contacts.length > 0 && contacts.length >= opts.limit) break;
      const left = opts.limit === undefined ? undefined : opts.limit - contacts.length;
      contacts.push(...await listContacts({ ...ctx, locationId }, {
        ...(opts.tag ? { tags: opts.tag } : {}), ...(opts.business !== undefined ? { businessId: opts.business } : {}),
        ...(opts.query !== undefined ? { query: opts.query } : {}), live: opts.live ?? false,
        ...(left !== undefined ? { limit: left } : {}),
      }));
    }
    const name = (c: (typeof contacts)[number]) => [c.firstName, c.lastName].filter(Boolean).join(' ') || c.contactName || '';
    return printList(contacts, opts, ['contact', 'contacts'], (c) =>
      [c.id, name(c), c.email ?? '', c.phone ?? '', (c.tags ?? []).join(' | ')].join('\t'));
  }, { readonly: !opts.live, allLocations: !opts.live }));
}
