// Typed failures of the HighLevel client. A GhlError's `kind` (src/http/errors.ts) says what went
// wrong; the subclasses below only exist for failures that carry more. The CLI maps them to exit
// codes; messages carry HighLevel's own words, never a token.
import { ApiError, type ApiErrorInit, type ApiErrorKind, type ApiOperation } from '../http/errors.ts';

export { isApiError, type ApiErrorKind } from '../http/errors.ts';

/** What was being attempted, so a caller can decide what to do after a failure (e.g. re-read). */
export interface GhlOperation extends ApiOperation {
  locationId: string;
}

export type GhlErrorInit = ApiErrorInit<GhlOperation>;

/**
 * A HighLevel call failed; `kind` says how: 'auth' (401/403: bad, expired or under-scoped token,
 * or no access to the location), 'not-found', 'rate-limited' and 'server' (429 / 5xx after every
 * retry), 'network' (no answer after every retry), 'outcome-unknown' (a create was sent, its
 * outcome is unknown, and it was NOT repeated, since that could create a second record: the
 * caller decides, e.g. re-read and look for it), 'unexpected-answer' (e.g. a paging cursor that
 * did not advance).
 */
export class GhlError extends ApiError<GhlOperation> {
  override name = 'GhlError';
  constructor(message: string, init: GhlErrorInit) {
    super('', message, init);
  }
}

/** True when `err` is a HighLevel failure, of one of `kinds` when any are given. */
export function isGhlError(err: unknown, ...kinds: ApiErrorKind[]): err is GhlError {
  return err instanceof GhlError && (kinds.length === 0 || kinds.includes(err.kind));
}

/** 400/422 (kind 'refused'): HighLevel refused the request; `messages` are its words, `meta` its extra details. */
export class ValidationError extends GhlError {
  override name = 'ValidationError';
  readonly messages: string[];
  readonly meta: Record<string, unknown>;
  constructor(messages: string[], meta: Record<string, unknown>, init: GhlErrorInit) {
    super(messages.join('; ') || 'request refused', { ...init, kind: 'refused' });
    this.messages = messages;
    this.meta = meta;
  }
}

/** A location that forbids duplicates refused a create; `contactId` is the existing contact. */
export class DuplicateContactError extends ValidationError {
  override name = 'DuplicateContactError';
  readonly contactId: string;
  constructor(contactId: string, messages: string[], meta: Record<string, unknown>, init: GhlErrorInit) {
    super(messages, meta, init);
    this.contactId = contactId;
  }
}

/** The configured share of the location's daily API limit is spent (kind 'budget'); nothing was sent. Exit 3. */
export class DailyBudgetExhaustedError extends GhlError {
  override name = 'DailyBudgetExhaustedError';
  readonly dailyLimit: number;
  readonly dailyRemaining: number;
  constructor(dailyLimit: number, dailyRemaining: number, init: GhlErrorInit) {
    super(`daily API budget spent for location ${init.operation.locationId}: ${dailyLimit - dailyRemaining} of ${dailyLimit} used`, { ...init, kind: 'budget' });
    this.dailyLimit = dailyLimit;
    this.dailyRemaining = dailyRemaining;
  }
}

/**
 * A 2xx answer without what the mirror depends on (src/ghl/answers.ts: the records, their ids, a
 * date that parses, a way to the next page), or an app-level (OAuth) answer that does not match
 * HighLevel's contract (kind 'unexpected-answer'). Nothing of it reached the caller.
 * The message starts with the route and names the fields, e.g. `GET /contacts/: contacts[3].id is required`.
 */
export class UnexpectedAnswerError extends GhlError {
  override name = 'UnexpectedAnswerError';
  /** Method and path template, e.g. "GET /contacts/". */
  readonly route: string;
  /** Each problem as `field what`, e.g. "contacts[3].id is required". */
  readonly problems: string[];
  constructor(route: string, problems: string[], init: GhlErrorInit) {
    super(problems.join('; '), { ...init, kind: 'unexpected-answer' });
    const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
    this.message = `${route}: ${shown} (HighLevel's answer to ${init.operation.name} does not match the contract in src/highlevel-api)`;
    this.route = route;
    this.problems = problems;
  }
}
