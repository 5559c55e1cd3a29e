// What `GET /healthz` asks the database: could a write start right now? Answered without
// writing anything and without waiting: the write lock is taken and given back at once (BEGIN
// IMMEDIATE, ROLLBACK) with no busy timeout, so a health check never blocks the event loop
// behind another process's transaction and leaves no row that a real one could collide with.
import { sqliteOf } from './connection.ts';
import type { Db } from './open.ts';

export type WriteLockProbe = 'ok' | 'busy';

/** 'ok' when the write lock is free, 'busy' when another connection holds it; throws when the database cannot be written at all. */
export function probeWriteLock(db: Db): WriteLockProbe {
  const s = sqliteOf(db);
  if (s.inTransaction) return 'ok'; // this connection is the writer
  const previous = s.pragma('busy_timeout', { simple: true }) as number;
  s.pragma('busy_timeout = 0');
  try {
    s.exec('BEGIN IMMEDIATE');
    s.exec('ROLLBACK');
    return 'ok';
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return 'busy';
    throw err;
  } finally {
    s.pragma(`busy_timeout = ${previous}`);
  }
}
