// `ghl-etl contacts appointments CONTACT_ID`: the contact's appointments, from HighLevel (the
// mirror keeps none).
import type { Command } from 'commander';
import { listAppointments } from '../../ops/index.ts';
import { group, leaf } from '../command.ts';
import { printList, withLocationFlag, withOps, type LocationFlags } from '../ops-command.ts';

export function register(program: Command): void {
  leaf<LocationFlags>(withLocationFlag(group(program, 'contacts').command('appointments')
    .argument('<contact-id>', 'the contact\'s id')
    .summary('List a contact\'s appointments, from HighLevel')),
  async (opts, cmd) => withOps(opts, async (ctx) => {
    const events = await listAppointments(ctx, cmd.args[0]!);
    return printList(events, opts, ['appointment', 'appointments'], (e) =>
      [e.id ?? '', e.startTime ?? '', e.endTime ?? '', e.appointmentStatus ?? e.status ?? '', e.title ?? ''].join('\t'));
  }));
}
