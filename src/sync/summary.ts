// What one location's sync reports: the counters kept in sync_runs plus what only the run knows.
import type { SyncRunCounters } from '../db/runs.ts';

export type Lister = 'list' | 'search';
/** How tasks are fetched: the location task search batched by contact ids, or one call per contact. */
export type TasksVia = 'search' | 'contact';
export type RunStatus = 'ok' | 'failed' | 'interrupted' | 'budget';

export interface RunSummary extends SyncRunCounters {
  runId: number;
  locationId: string;
  /** The location's name, from HighLevel (or the config) when known. */
  locationName?: string;
  /** `full` when asked for, and for a location's first sync (every contact is read in full). */
  mode: 'full' | 'incremental';
  lister: Lister;
  status: RunStatus;
  /** This run continued a listing pass or children phase an earlier run left unfinished. */
  resumed: boolean;
  /** The listing pass completed in this run (deletions were applied). */
  listingComplete: boolean;
  pages: number;
  /** Contacts whose tasks and notes were fetched. */
  childrenFetched: number;
  tasksDeleted: number;
  notesDeleted: number;
  customFieldsChanged: boolean;
  /** Users mirrored into `users`; undefined when they could not be read (see notices). */
  users?: number;
  /** How tasks were read in the end (a token without the task search scope falls back to per contact). */
  tasksVia: TasksVia;
  /** Things the user should know that did not stop the run, one line each (e.g. a missing scope). */
  notices: string[];
  waitedMs: number;
  durationMs: number;
  error?: string;
}

export function emptySummary(runId: number, locationId: string, mode: RunSummary['mode'], lister: Lister, tasksVia: TasksVia): RunSummary {
  return {
    runId, locationId, mode, lister, status: 'ok', resumed: false, listingComplete: false, pages: 0,
    contactsSeen: 0, contactsNew: 0, contactsUpdated: 0, contactsDeleted: 0, tasks: 0, notes: 0,
    apiCalls: 0, retries: 0, rateLimited: 0, childrenFetched: 0, tasksDeleted: 0, notesDeleted: 0,
    customFieldsChanged: false, tasksVia, notices: [], waitedMs: 0, durationMs: 0,
  };
}
