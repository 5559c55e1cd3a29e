// Before the contacts: the location itself (name and timezone for `locations` and the progress
// label) and its users (names for assigned_to), one call each. Neither is worth failing the
// sync for when the token lacks its scope: the run says so once and goes on.
import { userToRow } from '../db/rows.ts';
import { isMissingScope, type LocationRun } from './context.ts';

export async function readLocationDetails(run: LocationRun): Promise<void> {
  const { db, client, locationId, runId, now } = run;
  try {
    const location = await client.getLocation(locationId);
    if (!location) return;
    await db.upsertLocation({
      id: locationId, name: location.name ?? null, companyId: location.companyId ?? null,
      timezone: location.timezone ?? null, raw: JSON.stringify(location),
    }, runId, now);
    if (location.name) run.label = location.name;
    run.summary.locationName = run.label;
  } catch (err) {
    if (!isMissingScope(err)) throw err;
    run.notice(`location ${locationId}: the token lacks the locations.readonly scope; the location's name and timezone were not read`);
  }
}

export async function mirrorUsers(run: LocationRun): Promise<void> {
  const { db, client, locationId, runId, now } = run;
  try {
    const users = (await client.listLocationUsers(locationId)).filter((u): u is typeof u & { id: string } => typeof u.id === 'string');
    run.summary.users = await db.replaceUsers(locationId, users.map((u) => userToRow(u, locationId)), runId, now);
  } catch (err) {
    if (!isMissingScope(err)) throw err;
    run.notice(`location ${locationId}: the token lacks the users.readonly scope; users were skipped (assigned_to_name stays empty)`);
  }
}
