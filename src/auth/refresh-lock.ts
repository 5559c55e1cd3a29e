// Cross-process serialization of token refreshes: the lock `oauth-refresh:<location>`, waited
// for by polling. SQLite: a row in `locks` (src/db/locks.ts), on the connection as it always was;
// a holder that died (same host) or overran its lease is taken over, so a crash never blocks
// refreshes for long. PostgreSQL: the mirror's named lock, a session advisory lock on a
// connection of its own, which the server frees the moment its holder's connection ends (a
// killed process, on any machine).
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/open.ts';
import { acquireLock, releaseLock } from '../db/locks.ts';
import { isMirror, type Mirror } from '../db/mirror.ts';

/** Runs `fn` while holding the named lock. */
export type LockRunner = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

export interface DbLockOptions {
  /** Lease: after this a held lock may be taken over (SQLite). A refresh is one HTTP call. */
  leaseMs?: number;
  /** Give up waiting after this long. */
  waitMs?: number;
}

export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The lock on `db`: a PostgreSQL mirror's named lock, else SQLite's `locks` row on the connection. */
export function withDbLock(db: Db | Mirror, opts: DbLockOptions = {}): LockRunner {
  const leaseMs = opts.leaseMs ?? 60_000;
  const waitMs = opts.waitMs ?? 120_000;
  const pg = isMirror(db) && db.engine === 'postgres' ? db : undefined;
  const sqlite = pg ? undefined : isMirror(db) ? db.unported('the token refresh lock') : db;
  const acquire = async (name: string, owner: string) => (pg ? (await pg.acquireLock(name, owner, leaseMs)).acquired : acquireLock(sqlite!, name, owner, leaseMs).acquired);
  const release = async (name: string, owner: string) => (pg ? await pg.releaseLock(name, owner) : releaseLock(sqlite!, name, owner));
  return async (name, fn) => {
    // One owner id per holding: two refreshes in one process must not share a lock.
    const owner = `${process.pid}:${randomUUID()}`;
    const deadline = Date.now() + waitMs;
    let pause = 10;
    while (!(await acquire(name, owner))) {
      if (Date.now() > deadline) throw new LockTimeoutError(`timed out waiting for lock ${name} held by another ghl-etl process`);
      await sleep(pause + Math.random() * pause);
      pause = Math.min(pause * 2, 200);
    }
    try {
      return await fn();
    } finally {
      await release(name, owner);
    }
  };
}
