// Named locks shared by every process using the same database file: the sync's run lock (exit 4
// when held) and the serialization of OAuth refreshes. A lock is a row in `locks`; the check and
// the take happen in one BEGIN IMMEDIATE transaction, so two processes cannot both win.
import { hostname as osHostname } from 'node:os';
import { sqliteOf } from './connection.ts';
import type { Db } from './open.ts';
import { systemClock, type Clock } from './clock.ts';
import { prepared } from './statements.ts';

export interface LockHolder {
  name: string;
  owner: string;
  pid: number;
  hostname: string;
  acquiredAt: string;
  expiresAt: string;
}

export type LockResult =
  | { acquired: true; takenOver: LockHolder | null }
  | { acquired: false; holder: LockHolder };

export interface LockOptions {
  clock?: Clock;
  /** Defaults to this process; tests pass others. */
  pid?: number;
  hostname?: string;
}

/** Whether a process with this pid exists on this host (EPERM: it exists, owned by someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const SELECT_LOCK = `SELECT name, owner, pid, hostname, acquired_at AS acquiredAt, expires_at AS expiresAt
  FROM locks WHERE name = ?`;

/**
 * Takes the lock `name` for `owner` for `ttlMs`. Succeeds when it is free, already ours (the
 * expiry is extended), past its expiry, or held by a process that no longer exists on this host.
 * Otherwise returns the holder. Holders of long work call `refreshLock` before the ttl runs out.
 */
export function acquireLock(db: Db, name: string, owner: string, ttlMs: number, options: LockOptions = {}): LockResult {
  const now = (options.clock ?? systemClock)();
  const pid = options.pid ?? process.pid;
  const host = options.hostname ?? osHostname();
  const take = sqliteOf(db).transaction((): LockResult => {
    const current = prepared(db, SELECT_LOCK).get(name) as LockHolder | undefined;
    let takenOver: LockHolder | null = null;
    if (current && current.owner !== owner) {
      const expired = Date.parse(current.expiresAt) <= now.getTime();
      const deadHere = current.hostname === host && !isProcessAlive(current.pid);
      if (!expired && !deadHere) return { acquired: false, holder: current };
      takenOver = current;
    }
    prepared(
      db,
      `INSERT INTO locks (name, owner, pid, hostname, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, pid = excluded.pid,
         hostname = excluded.hostname, expires_at = excluded.expires_at,
         acquired_at = CASE WHEN locks.owner = excluded.owner THEN locks.acquired_at ELSE excluded.acquired_at END`,
    ).run(name, owner, pid, host, now.toISOString(), new Date(now.getTime() + ttlMs).toISOString());
    return { acquired: true, takenOver };
  });
  return take.immediate();
}

/** Extends our lock; false when it is no longer ours (taken over after expiry). */
export function refreshLock(db: Db, name: string, owner: string, ttlMs: number, options: { clock?: Clock } = {}): boolean {
  const now = (options.clock ?? systemClock)();
  return (
    prepared(db, `UPDATE locks SET expires_at = ? WHERE name = ? AND owner = ?`)
      .run(new Date(now.getTime() + ttlMs).toISOString(), name, owner).changes === 1
  );
}

/** Releases our lock; false when it was not ours (any more). */
export function releaseLock(db: Db, name: string, owner: string): boolean {
  return prepared(db, `DELETE FROM locks WHERE name = ? AND owner = ?`).run(name, owner).changes === 1;
}

export function getLockHolder(db: Db, name: string): LockHolder | undefined {
  return prepared(db, SELECT_LOCK).get(name) as LockHolder | undefined;
}
