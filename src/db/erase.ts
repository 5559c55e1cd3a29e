// What else holds a person besides the mirror's contact rows: the leads they sent (inbox), the
// calls owed to LeadCars about them (outbox, with the lead links' payloads), the idempotency
// keys of the operations on them, and the webhook events that carried them. A purge erases
// these too, found by the contact's id, its lead ids, and its email and phone as text.
import type { Sqlite } from './connection.ts';

/** Shorter texts (a lead id like "12") would match unrelated rows: only longer ones are searched for. */
const MIN_TERM_LENGTH = 6;

/**
 * Erases every trace of the contacts `doomedSql` selects (a `SELECT id FROM contacts ...` with
 * the named parameters `params`) outside the contact tables. Run inside the purge's
 * transaction, before the contacts' own email and phone are erased. Returns the rows erased.
 */
export function eraseContactTraces(s: Sqlite, doomedSql: string, params: Record<string, unknown>): number {
  s.exec(`CREATE TEMP TABLE IF NOT EXISTS purge_terms (term TEXT PRIMARY KEY) WITHOUT ROWID`);
  s.exec(`CREATE TEMP TABLE IF NOT EXISTS purge_leads (lead_id TEXT PRIMARY KEY) WITHOUT ROWID`);
  s.exec(`DELETE FROM temp.purge_terms; DELETE FROM temp.purge_leads`);
  try {
    s.prepare(`INSERT OR IGNORE INTO temp.purge_terms (term)
      SELECT lower(t) FROM (
        SELECT id AS t FROM contacts WHERE id IN (${doomedSql})
        UNION SELECT email FROM contacts WHERE id IN (${doomedSql})
        UNION SELECT phone FROM contacts WHERE id IN (${doomedSql})
      ) WHERE t IS NOT NULL AND length(t) >= ${MIN_TERM_LENGTH}`).run(params);
    s.prepare(`INSERT OR IGNORE INTO temp.purge_leads (lead_id) SELECT lead_id FROM lead_links WHERE contact_id IN (${doomedSql})`).run(params);
    const mentions = (column: string) => `EXISTS (SELECT 1 FROM temp.purge_terms t WHERE instr(lower(${column}), t.term) > 0)`;
    let erased = 0;
    erased += s.prepare(`DELETE FROM inbox WHERE contact_id IN (${doomedSql}) OR ${mentions('payload')}`).run(params).changes;
    erased += s.prepare(`DELETE FROM outbox WHERE json_extract(payload, '$.contactId') IN (${doomedSql})
      OR CAST(json_extract(payload, '$.leadId') AS TEXT) IN (SELECT lead_id FROM temp.purge_leads)
      OR ${mentions('payload')} OR ${mentions('coalesce(result, \'\')')} OR ${mentions('coalesce(last_error, \'\')')}`).run(params).changes;
    erased += s.prepare(`DELETE FROM op_idempotency WHERE ${mentions('request')} OR ${mentions('coalesce(result, \'\')')}`).run().changes;
    // The event's id stays (a redelivery is still recognised); what it said goes.
    erased += s.prepare(`UPDATE webhook_events SET payload = json_object('webhookId', webhook_id, 'purged', json('true'))
      WHERE json_extract(payload, '$.purged') IS NOT 1 AND ${mentions('payload')}`).run().changes;
    return erased;
  } finally {
    s.exec(`DELETE FROM temp.purge_terms; DELETE FROM temp.purge_leads`);
  }
}

/**
 * Rewrites the file without the freed pages and empties the WAL, so erased bytes are gone from
 * both (secure_delete alone leaves old page images in the WAL until a checkpoint, and VACUUM
 * drops free pages and rebuilt index segments). Not inside a transaction. Returns false when
 * another connection's open read kept the WAL from being emptied (run purge again when idle).
 */
export function compactAfterErase(s: Sqlite): boolean {
  s.pragma('wal_checkpoint(TRUNCATE)');
  s.exec('VACUUM');
  const [result] = s.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
  return (result?.busy ?? 0) === 0;
}
