// Why a sync stopped early. The CLI maps each class to an exit code of CONVENTIONS.md.

/**
 * More contacts would be soft-deleted than `sync.maxDeleteShare` allows: nothing was deleted, and
 * what the listing saved (new and changed contacts) stays saved.
 */
export class MassDeleteRefusedError extends Error {
  override name = 'MassDeleteRefusedError';
  constructor(
    readonly locationId: string,
    readonly wouldDelete: number,
    readonly live: number,
    readonly maxShare: number,
    /** New contacts the listing saved before the sweep was refused; they are kept. */
    readonly keptNew = 0,
  ) {
    super(
      `location ${locationId}: ${wouldDelete} of ${live} contacts (${percent(wouldDelete / Math.max(1, live))}) ` +
        `no longer exist in HighLevel, more than sync.maxDeleteShare (${percent(maxShare)}); nothing was deleted` +
        `${keptNew > 0 ? ` (the ${keptNew} new contacts the listing read are kept)` : ''}. ` +
        'If that is expected, run `ghl-etl sync --allow-mass-delete`',
    );
  }
}

/** Ctrl-C / SIGTERM: the current page or transaction finished and was checkpointed. */
export class SyncInterruptedError extends Error {
  override name = 'SyncInterruptedError';
  constructor() {
    // The run's status already says "interrupted": the message says what that means, without
    // repeating the word (printed as `status: error`).
    super('stopped on a checkpoint; the next `ghl-etl sync` resumes');
  }
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}
