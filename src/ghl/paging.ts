// Following a paging cursor to the end, without trusting it to advance: a cursor seen before
// would repeat pages forever (NOTES.md: "Guard against a cursor that does not advance").
import { GhlError, type GhlOperation } from './errors.ts';

export interface FollowCursorOptions<Page, Cursor> {
  /** Fetch the page after `cursor` (undefined: the first page). */
  fetchPage(cursor: Cursor | undefined): Promise<Page>;
  /** The cursor for the page after this one, or undefined when this was the last. */
  nextCursor(page: Page): Cursor | undefined;
  /** Names the listing in the error of a stuck cursor. */
  operation: GhlOperation;
  /** Start after this cursor instead of at the beginning (resuming a checkpoint). */
  start?: Cursor | undefined;
  /**
   * Request the next page as soon as a page arrives, before the caller has dealt with it: the
   * server works on the next page while the caller writes this one. The cost: a caller that stops
   * early (an interrupt, its own failure) has made one request it does not use.
   */
  readAhead?: boolean;
}

/** Yields pages in order; throws a GhlError of kind 'unexpected-answer' when a cursor repeats. */
export async function* followCursor<Page, Cursor>(opts: FollowCursorOptions<Page, Cursor>): AsyncGenerator<Page, void, undefined> {
  const seen = new Set<string>();
  let cursor = opts.start;
  if (cursor !== undefined) seen.add(JSON.stringify(cursor));
  let fetching = opts.fetchPage(cursor);
  for (;;) {
    const page = await fetching;
    const next = opts.nextCursor(page);
    const key = next === undefined ? undefined : JSON.stringify(next);
    const stuck = key !== undefined && seen.has(key);
    if (key !== undefined && !stuck) {
      seen.add(key);
      cursor = next;
      if (opts.readAhead) {
        fetching = opts.fetchPage(cursor);
        // Awaited on the next turn; a caller that stops first must not leave it unhandled.
        fetching.catch(() => undefined);
      }
    }
    yield page;
    if (key === undefined) return;
    if (stuck) {
      throw new GhlError(`paging cursor ${key} did not advance; stopping instead of repeating pages`, { operation: opts.operation, kind: 'unexpected-answer' });
    }
    if (!opts.readAhead) fetching = opts.fetchPage(cursor);
  }
}
