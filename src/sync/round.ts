// A round: one `ghl-etl sync` over the configured locations. A round cut short (Ctrl-C, a kill, the
// daily budget, a failed location) is resumed by the next sync, and resuming means what it means
// for one location's pass (checkpoint.ts): carry on where the round stopped. Locations the round
// already completed are not synced again; without this, each of them would run a second
// incremental sync, re-reading a second rolling share of tasks and notes (about twice the calls).
//
// The state is one small JSON value per location in sync_state (key "round"); a location is
// marked done in the transaction that clears its pass, so no kill can leave it done but unfinished.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../db/clock.ts';
import type { Mirror, MirrorStatements } from '../db/mirror.ts';

export const ROUND_KEY = 'round';

export interface RoundMark {
  roundId: string;
  /** The round re-reads every contact's tasks and notes. */
  full: boolean;
  done: boolean;
}

export interface RoundPlan {
  roundId: string;
  full: boolean;
  /** This sync continues a round an earlier one left unfinished. */
  resumed: boolean;
  /** The locations to sync, in the order given. */
  toSync: string[];
  /** Locations the resumed round already completed. */
  alreadyDone: string[];
}

export async function readRoundMark(db: MirrorStatements, locationId: string): Promise<RoundMark | undefined> {
  const value = await db.getSyncState(locationId, ROUND_KEY);
  if (value === undefined) return undefined;
  try {
    const mark = JSON.parse(value) as RoundMark;
    return typeof mark.roundId === 'string' && typeof mark.done === 'boolean' ? mark : undefined;
  } catch {
    return undefined; // unreadable: the location is synced again (costs calls, never correctness)
  }
}

function writeRoundMark(db: MirrorStatements, locationId: string, mark: RoundMark, clock?: Clock): Promise<void> {
  return db.setSyncState(locationId, ROUND_KEY, JSON.stringify(mark), clock);
}

/**
 * Decides which of `locationIds` this sync runs and records the round. An unfinished round among
 * them is resumed unless this sync is --full and the round was not (a full sync owes every
 * location a full read), or unless it left nothing to do for these locations (an explicit
 * `--location` of a done location still syncs it).
 */
export function planRound(mirror: Mirror, locationIds: string[], full: boolean, clock?: Clock): Promise<RoundPlan> {
  return mirror.transaction(async (db) => {
    const marks = new Map<string, RoundMark | undefined>();
    for (const id of locationIds) marks.set(id, await readRoundMark(db, id));
    const unfinished = [...marks.values()].find((m) => m !== undefined && !m.done && (m.full || !full));
    if (unfinished) {
      const doneInRound = (id: string) => {
        const m = marks.get(id);
        return m !== undefined && m.roundId === unfinished.roundId && m.done;
      };
      const toSync = locationIds.filter((id) => !doneInRound(id));
      if (toSync.length > 0) {
        for (const id of toSync) await writeRoundMark(db, id, { roundId: unfinished.roundId, full: unfinished.full, done: false }, clock);
        return {
          roundId: unfinished.roundId, full: unfinished.full, resumed: true, toSync,
          alreadyDone: locationIds.filter(doneInRound),
        };
      }
    }
    const roundId = randomUUID();
    for (const id of locationIds) await writeRoundMark(db, id, { roundId, full, done: false }, clock);
    return { roundId, full, resumed: false, toSync: [...locationIds], alreadyDone: [] };
  });
}

/** The location's pass of `roundId` completed; call inside the transaction that clears the pass. */
export function markRoundDone(db: MirrorStatements, locationId: string, roundId: string, full: boolean, clock?: Clock): Promise<void> {
  return writeRoundMark(db, locationId, { roundId, full, done: true }, clock);
}
