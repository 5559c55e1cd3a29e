// Before listing: the contacts a write left out of the mirror after HighLevel accepted it
// (`mirror_repairs`, see src/ops/run.ts) are read again, and their tasks and notes are due in
// this run's children phase. An incremental listing would not bring back a task or note: a new
// one does not move its contact's dateUpdated (NOTES.md "Listing contacts").
import { isGhlError } from '../ghl/errors.ts';
import type { LocationRun } from './context.ts';

export async function repairMirror(run: LocationRun): Promise<void> {
  const { db, locationId, client, now } = run;
  const repairs = await db.pendingRepairs(locationId);
  for (const repair of repairs) {
    run.checkAbort();
    try {
      const contact = await client.getContact(locationId, repair.contactId);
      await db.transaction(async (tx) => {
        await tx.writeContact(contact, locationId, now);
        await tx.markChildrenStale(repair.contactId);
        await tx.clearRepair(locationId, repair.contactId);
      });
    } catch (err) {
      // Gone from HighLevel: nothing to repair (the deletion sweep settles the mirror).
      if (!isGhlError(err, 'not-found')) throw err;
      await db.clearRepair(locationId, repair.contactId);
    }
  }
  if (repairs.length > 0) run.logger.info({ contacts: repairs.length }, 'contacts left out of the mirror by earlier writes read again');
}
