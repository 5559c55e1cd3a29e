// The path every write takes: check the planned requests against the spec, return them on a dry
// run, honour the idempotency key, run the calls, and write the result through to the mirror in
// one transaction together with the key. HighLevel's refusals become OperationError.
import type { MirrorStatements } from '../db/mirror.ts';
import { GhlError, isGhlError } from '../ghl/errors.ts';
import { sleep } from '../http/retry.ts';
import { catalogEntry } from './catalog.ts';
import { dryRun, mirrorOfOps, type DryRun, type OpsContext, type PlannedRequest, type WriteOptions } from './context.ts';
import { OperationError, OperationInputError } from './errors.ts';
import { checkAgainstSpec } from './validate.ts';

/** What a write function resolves to: the plan on a dry run, the result otherwise. */
export type Outcome<O extends WriteOptions | undefined, T> = O extends { dryRun: true } ? DryRun : T;

/** Every write result says whether it came from an earlier run with the same idempotency key. */
export interface Replayable {
  replayed: boolean;
  /**
   * Set when HighLevel accepted the write but the mirror could not take it (busy past its
   * timeout, a row it refused): what happened, and that the next sync brings it in. The write
   * still succeeded.
   */
  mirrorPending?: string;
}

export interface WriteSpec<T> {
  /** The catalog entry's name, e.g. "createContact". */
  action: string;
  /** The contact the write is about, when known before sending: the mirror reads it again if it cannot take the row. */
  contactId?: string;
  /** The requests as they will be sent (dry run and spec check). */
  planned: PlannedRequest[];
  /** Sends them; returns the result and how to mirror it (run inside the transaction, on `tx`). */
  send(): Promise<Accepted<T>>;
  /**
   * For creates: finds the record an earlier run with the same key may have made before it
   * learnt the outcome (a crash, or an answer that never came); `since` is when that run began (ms).
   */
  findEarlier?(since: number): Promise<Accepted<T> | undefined>;
}

/** A write HighLevel accepted: its result, and how to write it through (inside the mirror's transaction). */
export interface Accepted<T> {
  result: T;
  mirror(tx: MirrorStatements): Promise<unknown>;
}

export async function runWrite<T extends Replayable>(ctx: OpsContext, opts: WriteOptions | undefined, spec: WriteSpec<T>): Promise<T | DryRun> {
  for (const request of spec.planned) checkAgainstSpec(request);
  if (opts?.dryRun) return dryRun(...spec.planned);
  const label = catalogEntry(spec.action).command.split(' ').slice(0, 2).join(' ');
  const key = opts?.idempotencyKey?.trim();
  const db = mirrorOfOps(ctx);

  if (key !== undefined) {
    if (key === '') throw new OperationInputError('idempotencyKey', 'must not be empty');
    const earlier = await db.readIdempotencyKey(key);
    if (earlier && (earlier.action !== spec.action || earlier.locationId !== ctx.locationId)) {
      throw new OperationInputError('idempotencyKey', `"${key}" was already used for ${earlier.action} in location ${earlier.locationId}; use a new key`);
    }
    if (earlier?.status === 'done') return { ...(JSON.parse(earlier.result ?? 'null') as T), replayed: true };
    if (earlier?.status === 'pending' && spec.findEarlier) {
      const since = Date.parse(earlier.createdAt);
      const found = await wrapped(label, () => spec.findEarlier!(since));
      if (found) return await commit(ctx, key, spec, found);
    }
    if (!earlier) await db.startIdempotencyKey({ key, action: spec.action, locationId: ctx.locationId, request: JSON.stringify(spec.planned) }, ctx.clock);
  }

  try {
    const done = await wrapped(label, spec.send);
    return await commit(ctx, key, spec, done);
  } catch (err) {
    // A create whose outcome stayed unknown keeps its key pending: a rerun looks it up first.
    const unknown = err instanceof OperationError && isGhlError(err.cause, 'outcome-unknown');
    if (key !== undefined && !unknown) await db.dropIdempotencyKey(key);
    throw err;
  }
}

/**
 * Writes HighLevel's accepted result through to the mirror. From here on nothing is reported as
 * a failure: the write happened. A row the mirror refuses for want of its contact (deleted from
 * the mirror since the send began) gets the contact read and mirrored first; anything else (the
 * mirror busy past its timeout) leaves the contact marked for the next sync, with a notice.
 */
async function commit<T extends Replayable>(ctx: OpsContext, key: string | undefined, spec: WriteSpec<T>, done: Accepted<T>): Promise<T> {
  const db = mirrorOfOps(ctx);
  const write = () => db.transaction(async (tx) => {
    await done.mirror(tx);
    if (key !== undefined) await tx.finishIdempotencyKey(key, done.result, ctx.clock);
  });
  const contactId = spec.contactId ?? contactOf(done.result);
  let failure: unknown;
  for (let attempt = 1; attempt <= MIRROR_ATTEMPTS; attempt++) {
    try {
      await write();
      return done.result;
    } catch (err) {
      failure = err;
      if (!isBusy(err) || attempt === MIRROR_ATTEMPTS) break;
      // Each attempt already waited the busy timeout; a pause lets the other writer finish.
      await sleep(BUSY_PAUSE_MS);
    }
  }
  if (contactId !== undefined && isForeignKeyFailure(failure)) {
    try {
      const contact = await ctx.client.getContact(ctx.locationId, contactId);
      await db.writeContact(contact, ctx.locationId, ctx.clock);
      await write();
      return done.result;
    } catch (err) {
      failure = err;
    }
  }
  return { ...done.result, mirrorPending: await leaveForNextSync(ctx, key, contactId, done.result, failure) };
}

function contactOf(result: unknown): string | undefined {
  const contact = (result as { contact?: { id?: unknown } } | undefined)?.contact;
  return typeof contact?.id === 'string' ? contact.id : undefined;
}

/** Attempts at writing an accepted result through while another process holds the mirror's write lock. */
const MIRROR_ATTEMPTS = 2;
const BUSY_PAUSE_MS = 1_000;

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  // PostgreSQL: a deadlock or a serialization failure, both worth one more attempt.
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === '40P01' || code === '40001';
}

function isForeignKeyFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503';
}

/** Records what it can of a write the mirror could not take, and says so in one line. */
async function leaveForNextSync<T>(ctx: OpsContext, key: string | undefined, contactId: string | undefined, result: T, failure: unknown): Promise<string> {
  const db = mirrorOfOps(ctx);
  const why = failure instanceof Error ? failure.message : String(failure);
  let marked = false;
  const repair = contactId === undefined ? undefined : { locationId: ctx.locationId, contactId, reason: why };
  try {
    await db.transaction(async (tx) => {
      if (repair) await tx.markForRepair(repair, ctx.clock);
      if (key !== undefined) await tx.finishIdempotencyKey(key, result, ctx.clock);
    });
    marked = repair !== undefined;
  } catch {
    // The mirror is still unavailable: the request waits beside it for the next sync.
    try {
      marked = repair !== undefined && await db.markForRepairBeside(repair, ctx.clock);
    } catch {
      marked = false;
    }
  }
  const next = marked
    ? `the next \`ghl-etl sync\` reads contact ${contactId} again`
    : 'run `ghl-etl sync --full` once the mirror is free to bring it in';
  return `HighLevel has the change, but the mirror could not record it yet (${why}); ${next}`;
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
      if (!isGhlError(err, 'outcome-unknown')) throw err;
      const found = await lookup();
      if (found !== undefined) return { record: found, recovered: true };
      if (attempt >= CREATE_ATTEMPTS) throw err;
    }
  }
}
