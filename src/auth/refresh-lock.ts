// Cross-process serialization of token refreshes: a named row in the `locks` table, taken by
// whichever process inserts it first, waited for by the others. A holder that died (same host,
// pid gone) or overran its lease is taken over, so a crash never blocks refreshes for long.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../db/open.ts';

/** Runs `fn` while holding the named lock. */
export type LockRunner = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

export interface DbLockOptions {
  /** Lease: after this a held lock may be taken over. A refresh is one HTTP call. */
  leaseMs?: number;
  /** Give up waiting after this long. */
  waitMs?: number;
}

export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function withDbLock(db: Db, opts: DbLockOptions = {}): LockRunner {
  const leaseMs = opts.leaseMs ?? 60_000;
  const waitMs = opts.waitMs ?? 120_000;
  const host = hostname();
  const select = db.sqlite.prepare('SELECT owner, pid, hostname, expires_at AS expiresAt FROM locks WHERE name = ?');
  const upsert = db.sqlite.prepare(
    `INSERT INTO locks (name, owner, pid, hostname, acquired_at, expires_at) VALUES (@name, @owner, @pid, @hostname, @now, @expires)
     ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, hostname = excluded.hostname,
       acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`,
  );
  const remove = db.sqlite.prepare('DELETE FROM locks WHERE name = ? AND owner = ?');

  // IMMEDIATE: the read and the write happen under SQLite's write lock, so two processes
  // cannot both see the lock free.
  const tryAcquire = db.sqlite.transaction((name: string, owner: string): boolean => {
    const held = select.get(name) as { owner: string; pid: number; hostname: string; expiresAt: string } | undefined;
    const nowMs = Date.now();
    if (held) {
      const abandoned = held.hostname === host && held.pid !== process.pid && !pidAlive(held.pid);
      if (!abandoned && Date.parse(held.expiresAt) > nowMs) return false;
    }
    upsert.run({ name, owner, pid: process.pid, hostname: host, now: new Date(nowMs).toISOString(), expires: new Date(nowMs + leaseMs).toISOString() });
    return true;
  });

  return async (name, fn) => {
    const owner = randomUUID();
    const deadline = Date.now() + waitMs;
    let pause = 10;
    while (!tryAcquire.immediate(name, owner)) {
      if (Date.now() > deadline) throw new LockTimeoutError(`timed out waiting for lock ${name} held by another ghl-etl process`);
      await sleep(pause + Math.random() * pause);
      pause = Math.min(pause * 2, 200);
    }
    try {
      return await fn();
    } finally {
      remove.run(name, owner);
    }
  };
}
