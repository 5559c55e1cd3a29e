// What one location's sync reports: the counters kept in sync_runs plus what only the run knows.
import type { SyncRunCounters } from '../db/runs.ts';

export type Lister = 'list' | 'search';
/** How tasks are fetched: the location-wide task search (every task, every run), or one call per contact. */
export type TasksVia = 'search' | 'contact';
export type RunStatus = 'ok' | 'failed' | 'interrupted' | 'budget';

export interface WebhookVerdict {
  /** Serve has received the location's events without a gap since `since`. */
  flowing: boolean;
  /** Why not, in one line (absent when flowing). */
  reason?: string;
  /** Where the events this sync acts on start (the last completed pass's start). */
  since?: string;
}

/** What the notes of this pass re-read, as the run summary and `status` show it. */
export interface NotesPlan extends WebhookVerdict {
  /** One contact in `every` is re-read as the rolling share. */
  every: number;
  /** Contacts made due because webhook events named them. */
  namedContacts: number;
}

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
  /** How this pass re-reads notes: the rolling share (one in `every`), and whether webhooks let it shrink and why not. */
  notesPlan?: NotesPlan;
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
