// `ghl-etl contacts duplicate (--email E | --phone P)`: the contact HighLevel would call a
// duplicate of this email or phone, as an intake asks before it creates. Exit 0 with the
// contact, 1 when there is none (so scripts can branch on it).
import type { Command } from 'commander';
import { findDuplicate } from '../../ops/index.ts';
import { UsageError } from '../args.ts';
import { group, leaf, printJson } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { withLocationFlag, withOps, type LocationFlags } from '../ops-command.ts';

interface DuplicateFlags extends LocationFlags {
  email?: string;
  phone?: string;
}

export function register(program: Command): void {
  leaf<DuplicateFlags>(withLocationFlag(group(program, 'contacts').command('duplicate')
    .summary('The contact HighLevel has for an email or phone (exit 1 when none)')
    .option('--email <email>', 'look up this email')
    .option('--phone <phone>', 'look up this phone (numbers without +CC use the default country)')),
  async (opts) => {
    if ((opts.email === undefined) === (opts.phone === undefined)) throw new UsageError('give exactly one of --email E or --phone P');
    return withOps(opts, async (ctx) => {
      const c = await findDuplicate(ctx, opts.email !== undefined ? { email: opts.email } : { phone: opts.phone! });
      const asked = opts.email ?? opts.phone!;
      if (!c) {
        if (opts.json) printJson(null);
        else process.stderr.write(`no contact in location ${ctx.locationId} has ${asked}\n`);
        return EXIT.failed;
      }
      if (opts.json) printJson(c);
      else {
        const name = [c.firstName, c.lastName].filter(Boolean).join(' ') || c.contactName || '';
        process.stdout.write(`${[c.id, name, c.email ?? '', c.phone ?? '', (c.tags ?? []).join(' | ')].join('\t')}\n`);
      }
      return EXIT.ok;
    });
  });
}
