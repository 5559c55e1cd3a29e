// Cross-process serialization of token refreshes: the db lock `oauth-refresh:<location>`
// (src/db/locks.ts), waited for by polling. A holder that died (same host) or overran its lease
// is taken over by acquireLock, so a crash never blocks refreshes for long.
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/open.ts';
import { acquireLock, releaseLock } from '../db/locks.ts';

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function withDbLock(db: Db, opts: DbLockOptions = {}): LockRunner {
  const leaseMs = opts.leaseMs ?? 60_000;
  const waitMs = opts.waitMs ?? 120_000;
  return async (name, fn) => {
    // One owner id per holding: two refreshes in one process must not share a lock.
    const owner = `${process.pid}:${randomUUID()}`;
    const deadline = Date.now() + waitMs;
    let pause = 10;
    while (!acquireLock(db, name, owner, leaseMs).acquired) {
      if (Date.now() > deadline) throw new LockTimeoutError(`timed out waiting for lock ${name} held by another ghl-etl process`);
      await sleep(pause + Math.random() * pause);
      pause = Math.min(pause * 2, 200);
    }
    try {
      return await fn();
    } finally {
      releaseLock(db, name, owner);
    }
  };
}
