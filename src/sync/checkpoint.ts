// The sync's checkpoint: one JSON value per location in sync_state (key "pass"), written in the
// same transaction as the data it describes. Present = a pass is unfinished; absent = the next
// run starts a new pass.
import type { Clock } from '../db/clock.ts';
import type { MirrorStatements } from '../db/mirror.ts';
import type { NotesPlan } from './summary.ts';

export const PASS_KEY = 'pass';

/** GET /contacts/'s keyset cursor, or POST /contacts/search's searchAfter. */
export type ListCursor = { startAfter: number; startAfterId: string } | { searchAfter: Array<string | number> };

export interface PassState {
  /** The run that started this listing pass; every contact the pass sees carries it in run_id. */
  passRunId: number;
  startedAt: string;
  lister: 'list' | 'search';
  phase: 'listing' | 'children';
  /** Where the listing continues; absent before the first page and after the last. */
  cursor?: ListCursor | undefined;
  /** Contacts the listing pass has saved so far, over every run it took (the progress bar's count). */
  listed?: number;
  /** The run re-reads every contact's tasks and notes. */
  full: boolean;
  /** When the children phase began: contacts read since then are done. */
  childrenSince?: string;
  /** How many of the rolling share are still to be re-read. */
  rollingLeft?: number;
  /** The location-wide task search of this pass is saved (and its sweep done). */
  tasksRead?: boolean;
  /** Tasks are read one contact at a time (the token lacks the task search's scope). */
  tasksPerContact?: boolean;
  /** How the notes are re-read (decided once per pass: webhooks.ts). */
  notes?: NotesPlan;
}

export async function readPass(db: MirrorStatements, locationId: string): Promise<PassState | undefined> {
  const value = await db.getSyncState(locationId, PASS_KEY);
  if (value === undefined) return undefined;
  try {
    const pass = JSON.parse(value) as PassState;
    return typeof pass.passRunId === 'number' && (pass.phase === 'listing' || pass.phase === 'children') ? pass : undefined;
  } catch {
    return undefined; // unreadable: start a new pass (costs calls, never correctness)
  }
}

export function writePass(db: MirrorStatements, locationId: string, pass: PassState, clock?: Clock): Promise<void> {
  return db.setSyncState(locationId, PASS_KEY, JSON.stringify(pass), clock);
}

export function clearPass(db: MirrorStatements, locationId: string): Promise<void> {
  return db.setSyncState(locationId, PASS_KEY, null);
}
