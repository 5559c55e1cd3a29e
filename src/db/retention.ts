// How long bookkeeping rows that carry personal data are kept: leads the inbox delivered (or
// gave up on), webhook events, and finished outbox calls. Unfinished ones (a lead still to be
// delivered, a call still owed or in doubt) are kept whatever their age: dropping them would
// lose work. Applied by `purge` and after each scheduled run.
import { sqliteOf } from './connection.ts';
import type { Db } from './open.ts';

export interface RetentionResult {
  inbox: number;
  webhookEvents: number;
  outbox: number;
}

/** Deletes the rows older than `days` days before `now`; freed pages are zeroed. */
export function applyRetention(db: Db, days: number, now: Date = new Date()): RetentionResult {
  const s = sqliteOf(db);
  const before = new Date(now.getTime() - days * 86_400_000).toISOString();
  const previousSecureDelete = s.pragma('secure_delete', { simple: true });
  s.pragma('secure_delete = ON');
  try {
    return db.transaction(() => ({
      inbox: s.prepare(`DELETE FROM inbox WHERE status IN ('delivered', 'failed') AND julianday(received_at) < julianday(?)`).run(before).changes,
      webhookEvents: s.prepare(`DELETE FROM webhook_events WHERE julianday(received_at) < julianday(?)`).run(before).changes,
      outbox: s.prepare(`DELETE FROM outbox WHERE status IN ('done', 'dead') AND julianday(updated_at) < julianday(?)`).run(before).changes,
    }));
  } finally {
    s.pragma(`secure_delete = ${Number(previousSecureDelete)}`);
  }
}
