// What the sync reports while it works. The job only calls this interface; the CLI decides how
// (and whether) to draw it, so the sync knows nothing of terminals.
export interface ProgressFields {
  label: string;
  done: number;
  total?: number;
  /** Extra counters shown after the bar, e.g. { contacts: 1200, children: 300 }. */
  counts?: Record<string, number>;
  waitedMs?: number;
  /** Time left for this label's work (one location's phase), when the job can tell. */
  etaMs?: number;
}

export interface SyncProgress {
  update(fields: ProgressFields): void;
  done(message?: string): void;
}
