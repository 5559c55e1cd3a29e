// contacts_wide on PostgreSQL: the same columns, in the same order, as SQLite's (src/db/views.ts
// plans them from the custom field definitions; only the SQL that reads a value differs).
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { inTransaction } from './connect.ts';
import { planContactsWideColumns, wideViewSql, type FieldDefinition, type WideColumn, type WideColumnKind } from '../views.ts';

/** A decimal number as SQLite's CAST(... AS NUMERIC) reads one; anything else reads NULL, not an error. */
const NUMBER_PATTERN = `'^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$'`;

/**
 * How a stored value (text, see contact_custom_fields.value_type) reads in each kind of column,
 * as on SQLite: numbers numeric, dates as ISO text (a number is epoch milliseconds), lists as
 * "a | b".
 */
const VALUE_AS: Record<WideColumnKind, string> = {
  number:
    `CASE WHEN (v.value_type = 'number' OR v.value_type = 'string') AND trim(v.value) ~ ${NUMBER_PATTERN} ` +
    `THEN CAST(trim(v.value) AS numeric) END`,
  date:
    `CASE WHEN v.value_type = 'number' AND trim(v.value) ~ ${NUMBER_PATTERN} ` +
    `THEN to_char(to_timestamp(CAST(trim(v.value) AS double precision) / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') ` +
    `ELSE v.value END`,
  text:
    `CASE WHEN v.value_type = 'list' THEN (SELECT string_agg(j.value, ' | ' ORDER BY j.n) ` +
    `FROM jsonb_array_elements_text(CAST(v.value AS jsonb)) WITH ORDINALITY AS j(value, n)) ELSE v.value END`,
};

/** PostgreSQL's CREATE VIEW statement for the given columns (pure). */
export function contactsWideViewSql(columns: WideColumn[]): string {
  return wideViewSql(columns, {
    valueAs: VALUE_AS,
    // Byte order (COLLATE "C"), as SQLite sorts text: the same tags cell on both engines.
    tags: `  (SELECT string_agg(t.tag, ' | ' ORDER BY t.tag COLLATE "C") FROM contact_tags t WHERE t.contact_id = c.id) AS tags`,
  });
}

/** One rebuild of contacts_wide at a time per schema: an advisory lock held to the end of the transaction. */
const WIDE_REBUILD_KEY = `hashtext('ghl-etl contacts_wide ' || current_schema())`;
const WIDE_REBUILD_LOCK = `SELECT pg_advisory_xact_lock(${WIDE_REBUILD_KEY})`;
const WIDE_REBUILD_TRY_LOCK = `pg_try_advisory_xact_lock(${WIDE_REBUILD_KEY})`;
/** sync_state key, per location: its definitions changed and contacts_wide has not followed yet (the value tells requests apart). */
const WIDE_PENDING_KEY = 'contacts_wide.pending';

/** Drops and recreates contacts_wide from the live custom field definitions; call inside a transaction. */
export async function replaceContactsWideView(client: pg.ClientBase | pg.Pool): Promise<WideColumn[]> {
  await client.query(WIDE_REBUILD_LOCK);
  const defs = (await client.query<FieldDefinition>(
    `SELECT id, name, field_key AS "fieldKey", data_type AS "dataType" FROM custom_fields WHERE deleted_at IS NULL`,
  )).rows;
  const columns = planContactsWideColumns(defs);
  await client.query('DROP VIEW IF EXISTS contacts_wide');
  await client.query(contactsWideViewSql(columns));
  return columns;
}

/**
 * In the transaction that changed a location's custom field definitions: asks for contacts_wide
 * to follow them once it commits (followContactsWideRequest); returns the request.
 */
export async function requestContactsWideRebuild(client: pg.ClientBase, locationId: string): Promise<WideRequest> {
  const request = { locationId, token: randomUUID() };
  await client.query(
    `INSERT INTO sync_state (location_id, key, value, updated_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (location_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    [locationId, WIDE_PENDING_KEY, request.token],
  );
  return request;
}

export interface WideRequest {
  locationId: string;
  token: string;
}

/**
 * After the transaction of `request` committed: rebuilds contacts_wide unless a rebuild since
 * covered it. Many locations' first syncs at once (workers) each change the definitions: rebuilt
 * inside each of their transactions, every rebuild waited on the view's lock, and every commit
 * woke all the waiters to find the view replaced and wait again (100 locations: a minute). Here a
 * rebuild takes every request committed before it and clears them, so the others find theirs
 * done: a few rebuilds, not one per location. One rebuild at a time (an advisory lock).
 */
export async function followContactsWideRequest(pool: pg.Pool, request: WideRequest): Promise<void> {
  const stillPending = async (q: pg.ClientBase | pg.Pool) => ((await q.query(
    `SELECT 1 FROM sync_state WHERE location_id = $1 AND key = $2 AND value = $3`, [request.locationId, WIDE_PENDING_KEY, request.token],
  )).rowCount ?? 0) > 0;
  // While another rebuild runs, wait outside its lock: a queue of waiters whose requests it covers
  // would each still take the lock in turn, a few round trips apiece, one after another.
  for (let waitMs = 20; await stillPending(pool); waitMs = Math.min(2 * waitMs, 500)) {
    if (await rebuildIfFree(pool, stillPending)) return;
    await sleep(waitMs);
  }
}

/** Rebuilds for the pending requests when no other rebuild runs; false when one does. */
function rebuildIfFree(pool: pg.Pool, stillPending: (q: pg.ClientBase) => Promise<boolean>): Promise<boolean> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ free: boolean }>(`SELECT ${WIDE_REBUILD_TRY_LOCK} AS free`);
    if (rows[0]!.free && (await stillPending(client))) await rebuildForPending(client);
    return rows[0]!.free;
  });
}

/** Under the rebuild lock: the view from the live definitions, and the requests it covers cleared. */
async function rebuildForPending(client: pg.ClientBase): Promise<WideColumn[]> {
  // Read before the definitions: every request read here committed its definitions first.
  const pending = (await client.query<{ location_id: string; value: string }>(
    `SELECT location_id, value FROM sync_state WHERE key = $1`, [WIDE_PENDING_KEY],
  )).rows;
  const columns = await replaceContactsWideView(client);
  if (pending.length > 0) {
    await client.query(
      `DELETE FROM sync_state WHERE key = $1 AND (location_id, value) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
      [WIDE_PENDING_KEY, pending.map((p) => p.location_id), pending.map((p) => p.value)],
    );
  }
  return columns;
}

/** Drops and recreates contacts_wide from the live custom field definitions, in one transaction. */
export async function rebuildContactsWideView(client: pg.ClientBase): Promise<WideColumn[]> {
  await client.query('BEGIN');
  try {
    await client.query(WIDE_REBUILD_LOCK);
    const columns = await rebuildForPending(client);
    await client.query('COMMIT');
    return columns;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/** A definitions change committed but its rebuild never ran (the process ended in between): the view is behind. */
export async function contactsWideBehind(client: pg.ClientBase): Promise<boolean> {
  return ((await client.query(`SELECT 1 FROM sync_state WHERE key = $1 LIMIT 1`, [WIDE_PENDING_KEY])).rowCount ?? 0) > 0;
}
