// Before the contacts: the location itself (name and timezone for `locations` and the progress
// label), its users (names for assigned_to) and its custom field definitions (contacts_wide
// follows them), one call each. The three calls are made at once and their answers saved in this
// order: one after another, each would wait for the last answer and leave the location's rate
// unused meanwhile, and a sliding window repeats that gap every window (the requests it did not
// send then cannot be sent later). Missing the location's or the users' scope is not worth
// failing the sync for: the run says so once and goes on.
import { customFieldToRow, userToRow } from '../db/rows.ts';
import { isMissingScope, type LocationRun } from './context.ts';

export async function readLocationDetails(run: LocationRun): Promise<void> {
  const { client, locationId } = run;
  const [location, users, fields] = await Promise.allSettled([
    client.getLocation(locationId),
    client.listLocationUsers(locationId),
    client.listCustomFields(locationId),
  ]);
  await saveLocation(run, location);
  await saveUsers(run, users);
  if (fields.status === 'rejected') throw fields.reason;
  run.summary.customFieldsChanged = await run.db.upsertCustomFieldDefinitions(
    locationId, fields.value.map((d) => customFieldToRow(d, locationId)), run.runId, run.now,
  );
}

type Answered<T> = PromiseSettledResult<T>;

async function saveLocation(run: LocationRun, answer: Answered<Awaited<ReturnType<LocationRun['client']['getLocation']>>>): Promise<void> {
  const { db, locationId, runId, now } = run;
  if (answer.status === 'rejected') {
    if (!isMissingScope(answer.reason)) throw answer.reason;
    run.notice(`location ${locationId}: the token lacks the locations.readonly scope; the location's name and timezone were not read`);
    return;
  }
  const location = answer.value;
  if (!location) return;
  await db.upsertLocation({
    id: locationId, name: location.name ?? null, companyId: location.companyId ?? null,
    timezone: location.timezone ?? null, raw: JSON.stringify(location),
  }, runId, now);
  if (location.name) run.label = location.name;
  run.summary.locationName = run.label;
}

async function saveUsers(run: LocationRun, answer: Answered<Awaited<ReturnType<LocationRun['client']['listLocationUsers']>>>): Promise<void> {
  const { db, locationId, runId, now } = run;
  if (answer.status === 'rejected') {
    if (!isMissingScope(answer.reason)) throw answer.reason;
    run.notice(`location ${locationId}: the token lacks the users.readonly scope; users were skipped (assigned_to_name stays empty)`);
    return;
  }
  const users = answer.value.filter((u): u is typeof u & { id: string } => typeof u.id === 'string');
  run.summary.users = await db.replaceUsers(locationId, users.map((u) => userToRow(u, locationId)), runId, now);
}
