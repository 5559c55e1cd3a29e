// The path every write takes: check the planned requests against the spec, return them on a dry
// run, honour the idempotency key, run the calls, and write the result through to the mirror in
// one transaction together with the key. HighLevel's refusals become OperationError.
import {
  dropIdempotencyKey, finishIdempotencyKey, readIdempotencyKey, startIdempotencyKey,
} from '../db/write-through.ts';
import { GhlError, OutcomeUnknownError } from '../ghl/errors.ts';
import { catalogEntry } from './catalog.ts';
import { dryRun, type DryRun, type OpsContext, type PlannedRequest, type WriteOptions } from './context.ts';
import { OperationError, OperationInputError } from './errors.ts';
import { checkAgainstSpec } from './validate.ts';

/** What a write function resolves to: the plan on a dry run, the result otherwise. */
export type Outcome<O extends WriteOptions | undefined, T> = O extends { dryRun: true } ? DryRun : T;

/** Every write result says whether it came from an earlier run with the same idempotency key. */
export interface Replayable {
  replayed: boolean;
}

export interface WriteSpec<T> {
  /** The catalog entry's name, e.g. "createContact". */
  action: string;
  /** The requests as they will be sent (dry run and spec check). */
  planned: PlannedRequest[];
  /** Sends them; returns the result and how to mirror it (run inside the transaction). */
  send(): Promise<{ result: T; mirror(): void }>;
  /**
   * For creates: finds the record an earlier run with the same key may have made before it
   * learnt the outcome (a crash, or an answer that never came); `since` is when that run began (ms).
   */
  findEarlier?(since: number): Promise<{ result: T; mirror(): void } | undefined>;
}

export async function runWrite<T extends Replayable>(ctx: OpsContext, opts: WriteOptions | undefined, spec: WriteSpec<T>): Promise<T | DryRun> {
  for (const request of spec.planned) checkAgainstSpec(request);
  if (opts?.dryRun) return dryRun(...spec.planned);
  const label = catalogEntry(spec.action).command.split(' ').slice(0, 2).join(' ');
  const key = opts?.idempotencyKey?.trim();
  const { db } = ctx;

  if (key !== undefined) {
    if (key === '') throw new OperationInputError('idempotencyKey', 'must not be empty');
    const earlier = readIdempotencyKey(db, key);
    if (earlier && (earlier.action !== spec.action || earlier.locationId !== ctx.locationId)) {
      throw new OperationInputError('idempotencyKey', `"${key}" was already used for ${earlier.action} in location ${earlier.locationId}; use a new key`);
    }
    if (earlier?.status === 'done') return { ...(JSON.parse(earlier.result ?? 'null') as T), replayed: true };
    if (earlier?.status === 'pending' && spec.findEarlier) {
      const since = Date.parse(earlier.createdAt);
      const found = await wrapped(label, () => spec.findEarlier!(since));
      if (found) return commit(ctx, key, found);
    }
    if (!earlier) startIdempotencyKey(db, { key, action: spec.action, locationId: ctx.locationId, request: JSON.stringify(spec.planned) }, ctx.clock);
  }

  try {
    const done = await wrapped(label, spec.send);
    return commit(ctx, key, done);
  } catch (err) {
    // A create whose outcome stayed unknown keeps its key pending: a rerun looks it up first.
    const unknown = err instanceof OperationError && err.cause instanceof OutcomeUnknownError;
    if (key !== undefined && !unknown) dropIdempotencyKey(db, key);
    throw err;
  }
}

function commit<T extends Replayable>(ctx: OpsContext, key: string | undefined, done: { result: T; mirror(): void }): T {
  ctx.db.transaction(() => {
    done.mirror();
    if (key !== undefined) finishIdempotencyKey(ctx.db, key, done.result, ctx.clock);
  });
  return done.result;
}

/** Runs `fn`, turning the client's failures into OperationError for `label`. */
export async function wrapped<T>(label: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof GhlError) throw new OperationError(label, err);
    throw err;
  }
}

/** How long before a create's request a record it made may claim to have been added (clock skew). */
export const LOOKUP_SKEW_MS = 5 * 60_000;
/** Attempts at a create whose earlier attempts provably did not happen. */
export const CREATE_ATTEMPTS = 5;

/**
 * Sends a create; when its outcome is unknown (dropped connection, timeout, 5xx), looks the
 * record up before trying again, so a lost answer never makes a second record.
 */
export async function createOnce<T>(send: () => Promise<T>, lookup: () => Promise<T | undefined>): Promise<{ record: T; recovered: boolean }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { record: await send(), recovered: false };
    } catch (err) {
      if (!(err instanceof OutcomeUnknownError)) throw err;
      const found = await lookup();
      if (found !== undefined) return { record: found, recovered: true };
      if (attempt >= CREATE_ATTEMPTS) throw err;
    }
  }
}
