// purge.ts and erase.ts on PostgreSQL: the same rows erased, in one transaction, with the same
// results. What differs: no secure_delete, VACUUM or WAL step. An UPDATE or DELETE leaves the old
// row version in the table's pages (and its WAL record) until autovacuum reclaims the space and
// the WAL segment is recycled; the full-text index is an expression index, so nulling a body
// drops its words from the index as the row's index entries are vacuumed (README "Using
// PostgreSQL" says so).
import type pg from 'pg';
import { dateBound } from '../../config/segments.ts';
import type { PurgeResult } from '../purge.ts';

/** What purgeDeleted runs its statements on: a transaction's statements. */
export interface PurgeTx {
  count(text: string, values?: unknown[]): Promise<number>;
  query<R>(text: string, values?: unknown[]): Promise<R[]>;
}

/** Shorter texts (a lead id like "12") would match unrelated rows: only longer ones are searched for (as erase.ts). */
const MIN_TERM_LENGTH = 6;

const PURGED_RAW = `jsonb_build_object('id', id, 'purged', true)`;
const NOT_YET_PURGED = `raw->'purged' IS DISTINCT FROM 'true'::jsonb`;
const DOOMED = `SELECT id FROM contacts WHERE deleted_at IS NOT NULL AND deleted_at < $1::timestamptz`;

/** The bound as an instant: a bare date is its UTC midnight (as SQLite's julianday reads it). */
function instantOf(before: string): string {
  if (!dateBound.safeParse(before).success) {
    throw new Error(`purge: "${before}" is not a date; give one like 2026-01-31 or 2026-01-31T00:00:00Z`);
  }
  return new Date(before).toISOString();
}

export async function countPurgeablePg(q: pg.Pool | pg.ClientBase, before: string): Promise<number> {
  return (await q.query<{ n: number }>(`SELECT count(*) AS n FROM contacts WHERE id IN (${DOOMED}) AND ${NOT_YET_PURGED}`, [instantOf(before)])).rows[0]!.n;
}

/** eraseContactTraces of erase.ts: the person's leads, calls owed, idempotency keys and webhook payloads. */
async function eraseContactTracesPg(tx: PurgeTx, at: string): Promise<number> {
  const people = await tx.query<{ id: string; email: string | null; phone: string | null }>(`SELECT id, email, phone FROM contacts WHERE id IN (${DOOMED})`, [at]);
  const terms = [...new Set(people.flatMap((p) => [p.id, p.email, p.phone])
    .filter((t): t is string => t !== null && t.length >= MIN_TERM_LENGTH).map((t) => t.toLowerCase()))];
  const leads = (await tx.query<{ lead_id: string }>(`SELECT lead_id FROM lead_links WHERE contact_id IN (${DOOMED})`, [at])).map((r) => r.lead_id);
  // $n: the terms, lower-cased; a column mentions one when it holds it as a substring, any case.
  const mentions = (column: string, n = 2) => `EXISTS (SELECT 1 FROM unnest($${n}::text[]) AS t(term) WHERE strpos(lower(${column}), t.term) > 0)`;
  let erased = 0;
  erased += await tx.count(`DELETE FROM inbox WHERE contact_id IN (${DOOMED}) OR ${mentions('payload::text')}`, [at, terms]);
  erased += await tx.count(`DELETE FROM outbox WHERE payload->>'contactId' IN (${DOOMED})
    OR payload->>'leadId' = ANY($3::text[])
    OR ${mentions('payload::text')} OR ${mentions(`coalesce(result::text, '')`)} OR ${mentions(`coalesce(last_error, '')`)}`, [at, terms, leads]);
  erased += await tx.count(`DELETE FROM op_idempotency WHERE ${mentions('request', 1)} OR ${mentions(`coalesce(result, '')`, 1)}`, [terms]);
  // The event's id stays (a redelivery is still recognised); what it said goes. The text as SQLite's json_object writes it.
  const purgedEvent = `'{"webhookId":' || to_json(webhook_id)::text || ',"purged":true}'`;
  erased += await tx.count(`UPDATE webhook_events SET payload = ${purgedEvent}
    WHERE payload <> ${purgedEvent} AND ${mentions('payload', 1)}`, [terms]);
  return erased;
}

/**
 * purgeDeleted of purge.ts: erases the personal data of every contact deleted before `before`
 * (and its tasks' and notes' text, tags, custom values and traces elsewhere) in `tx`'s
 * transaction; live contacts are never touched. Retention is the caller's, after it (as on SQLite).
 */
export async function purgeDeletedPg(tx: PurgeTx, before: string): Promise<PurgeResult> {
  const at = instantOf(before);
  // First, while the contacts still hold their email and phone to search for.
  await eraseContactTracesPg(tx, at);
  await tx.count(`DELETE FROM contact_tags WHERE contact_id IN (${DOOMED})`, [at]);
  await tx.count(`DELETE FROM contact_custom_fields WHERE contact_id IN (${DOOMED})`, [at]);
  const tasks = await tx.count(`UPDATE tasks SET title = NULL, body = NULL, assigned_to = NULL, raw = ${PURGED_RAW}
    WHERE contact_id IN (${DOOMED}) AND ${NOT_YET_PURGED}`, [at]);
  const notes = await tx.count(`UPDATE notes SET body = NULL, user_id = NULL, raw = ${PURGED_RAW}
    WHERE contact_id IN (${DOOMED}) AND ${NOT_YET_PURGED}`, [at]);
  const contacts = await tx.count(`UPDATE contacts SET first_name = NULL, last_name = NULL, name = NULL, email = NULL, phone = NULL,
      company_name = NULL, source = NULL, type = NULL, assigned_to = NULL, dnd = false, address1 = NULL,
      city = NULL, state = NULL, postal_code = NULL, country = NULL, timezone = NULL,
      date_of_birth = NULL, raw = ${PURGED_RAW}
    WHERE id IN (${DOOMED}) AND ${NOT_YET_PURGED}`, [at]);
  return { contacts, tasks, notes };
}
