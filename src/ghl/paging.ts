// Following a paging cursor to the end, without trusting it to advance: a cursor seen before
// would repeat pages forever (NOTES.md: "Guard against a cursor that does not advance").
import { CursorStuckError, type GhlOperation } from './errors.ts';

export interface FollowCursorOptions<Page, Cursor> {
  /** Fetch the page after `cursor` (undefined: the first page). */
  fetchPage(cursor: Cursor | undefined): Promise<Page>;
  /** The cursor for the page after this one, or undefined when this was the last. */
  nextCursor(page: Page): Cursor | undefined;
  /** Names the listing in a CursorStuckError. */
  operation: GhlOperation;
  /** Start after this cursor instead of at the beginning (resuming a checkpoint). */
  start?: Cursor | undefined;
}

/** Yields pages in order; throws CursorStuckError when a cursor repeats. */
export async function* followCursor<Page, Cursor>(opts: FollowCursorOptions<Page, Cursor>): AsyncGenerator<Page, void, undefined> {
  const seen = new Set<string>();
  let cursor = opts.start;
  if (cursor !== undefined) seen.add(JSON.stringify(cursor));
  for (;;) {
    const page = await opts.fetchPage(cursor);
    yield page;
    const next = opts.nextCursor(page);
    if (next === undefined) return;
    const key = JSON.stringify(next);
    if (seen.has(key)) {
      throw new CursorStuckError(`paging cursor ${key} did not advance; stopping instead of repeating pages`, { operation: opts.operation });
    }
    seen.add(key);
    cursor = next;
  }
}
