// Typed failures of the HighLevel client, each with its `kind` (src/http/errors.ts); the CLI
// maps them to exit codes; messages carry HighLevel's own words, never a token.
import { ApiError, type ApiErrorInit, type ApiErrorKind, type ApiOperation } from '../http/errors.ts';

/** What was being attempted, so a caller can decide what to do after a failure (e.g. re-read). */
export interface GhlOperation extends ApiOperation {
  locationId: string;
}

export type GhlErrorInit = ApiErrorInit<GhlOperation>;

export class GhlError extends ApiError<GhlOperation> {
  override name = 'GhlError';
  constructor(message: string, init: GhlErrorInit) {
    super('', message, init);
  }
}

/** 401/403: bad, expired or under-scoped token, or no access to the location. */
export class AuthError extends GhlError {
  override name = 'AuthError';
  override readonly kind: ApiErrorKind = 'auth';
}

export class NotFoundError extends GhlError {
  override name = 'NotFoundError';
  override readonly kind: ApiErrorKind = 'not-found';
}

/** 400/422: HighLevel refused the request; `messages` are its words, `meta` its extra details. */
export class ValidationError extends GhlError {
  override name = 'ValidationError';
  override readonly kind: ApiErrorKind = 'refused';
  readonly messages: string[];
  readonly meta: Record<string, unknown>;
  constructor(messages: string[], meta: Record<string, unknown>, init: GhlErrorInit) {
    super(messages.join('; ') || 'request refused', init);
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

/** 429 after every retry was spent. */
export class RateLimitError extends GhlError {
  override name = 'RateLimitError';
  override readonly kind: ApiErrorKind = 'rate-limited';
}

/** 5xx after every retry was spent. */
export class ServerError extends GhlError {
  override name = 'ServerError';
  override readonly kind: ApiErrorKind = 'server';
}

/** No answer (connection failure or timeout) after every retry was spent. */
export class NetworkError extends GhlError {
  override name = 'NetworkError';
  override readonly kind: ApiErrorKind = 'network';
}

/**
 * A non-idempotent write (a create) was sent but its outcome is unknown: the connection dropped
 * or timed out after sending, or the server answered 5xx. It was NOT repeated, because that
 * could create a second record; the caller decides (e.g. re-read and look for it).
 */
export class OutcomeUnknownError extends GhlError {
  override name = 'OutcomeUnknownError';
  override readonly kind: ApiErrorKind = 'outcome-unknown';
}

/** The configured share of the location's daily API limit is spent; nothing was sent. Exit 3. */
export class DailyBudgetExhaustedError extends GhlError {
  override name = 'DailyBudgetExhaustedError';
  override readonly kind: ApiErrorKind = 'budget';
  readonly dailyLimit: number;
  readonly dailyRemaining: number;
  constructor(dailyLimit: number, dailyRemaining: number, init: GhlErrorInit) {
    super(`daily API budget spent for location ${init.operation.locationId}: ${dailyLimit - dailyRemaining} of ${dailyLimit} used`, init);
    this.dailyLimit = dailyLimit;
    this.dailyRemaining = dailyRemaining;
  }
}

/** A paging cursor came back unchanged: following it would loop forever. */
export class CursorStuckError extends GhlError {
  override name = 'CursorStuckError';
  override readonly kind: ApiErrorKind = 'unexpected-answer';
}

/**
 * A 2xx answer without what the mirror depends on (src/ghl/answers.ts: the records, their ids, a
 * date that parses, a way to the next page), or an app-level (OAuth) answer that does not match
 * HighLevel's contract. Nothing of it reached the caller.
 * The message starts with the route and names the fields, e.g. `GET /contacts/: contacts[3].id is required`.
 */
export class UnexpectedAnswerError extends GhlError {
  override name = 'UnexpectedAnswerError';
  override readonly kind: ApiErrorKind = 'unexpected-answer';
  /** Method and path template, e.g. "GET /contacts/". */
  readonly route: string;
  /** Each problem as `field what`, e.g. "contacts[3].id is required". */
  readonly problems: string[];
  constructor(route: string, problems: string[], init: GhlErrorInit) {
    super(problems.join('; '), init);
    const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
    this.message = `${route}: ${shown} (HighLevel's answer to ${init.operation.name} does not match the contract in src/highlevel-api)`;
    this.route = route;
    this.problems = problems;
  }
}
