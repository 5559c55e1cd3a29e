// Typed failures of the LeadCars client. Callers branch on the class; messages carry LeadCars'
// own words (whatever shape they came in), never the cliente-token.
import { ApiError, type ApiErrorInit, type ApiErrorKind, type ApiOperation } from '../http/errors.ts';

/** What was being attempted, e.g. createLead, POST, "/leads/799119/comments". */
export type LeadcarsOperation = ApiOperation;

export type LeadcarsErrorInit = ApiErrorInit<LeadcarsOperation>;

export class LeadcarsError extends ApiError<LeadcarsOperation> {
  override name = 'LeadcarsError';
  constructor(message: string, init: LeadcarsErrorInit) {
    super('LeadCars ', message, init);
  }
}

/** 401/403: missing or wrong cliente-token. */
export class LeadcarsAuthError extends LeadcarsError {
  override name = 'LeadcarsAuthError';
  override readonly kind: ApiErrorKind = 'auth';
}

export class LeadcarsNotFoundError extends LeadcarsError {
  override name = 'LeadcarsNotFoundError';
  override readonly kind: ApiErrorKind = 'not-found';
}

/** Another 4xx: LeadCars refused the request; `messages` are its words. Never retried. */
export class LeadcarsRefusedError extends LeadcarsError {
  override name = 'LeadcarsRefusedError';
  override readonly kind: ApiErrorKind = 'refused';
  readonly messages: string[];
  constructor(messages: string[], init: LeadcarsErrorInit) {
    super(messages.join('; ') || `HTTP ${init.status}`, init);
    this.messages = messages;
  }
}

/** 429 after every retry was spent. */
export class LeadcarsRateLimitError extends LeadcarsError {
  override name = 'LeadcarsRateLimitError';
  override readonly kind: ApiErrorKind = 'rate-limited';
}

/** 5xx after every retry was spent. */
export class LeadcarsServerError extends LeadcarsError {
  override name = 'LeadcarsServerError';
  override readonly kind: ApiErrorKind = 'server';
}

/** No answer (connection failure or timeout) after every retry was spent. */
export class LeadcarsNetworkError extends LeadcarsError {
  override name = 'LeadcarsNetworkError';
  override readonly kind: ApiErrorKind = 'network';
}

/** A 2xx whose body the client cannot read (e.g. a lead without an id). */
export class LeadcarsAnswerError extends LeadcarsError {
  override name = 'LeadcarsAnswerError';
  override readonly kind: ApiErrorKind = 'unexpected-answer';
}

/**
 * A write that must not be repeated blindly (a create, a comment) was sent, and its outcome is
 * unknown: the connection dropped or timed out after sending, the server answered 5xx, or a
 * create succeeded without saying which lead it made. It was NOT repeated: LeadCars has no
 * idempotency key and no lead search, so a repeat could make a second lead. `sent` is the body
 * that was sent, for the caller to keep (e.g. park it for `leads link`).
 */
export class LeadcarsOutcomeUnknownError extends LeadcarsError {
  override name = 'LeadcarsOutcomeUnknownError';
  override readonly kind: ApiErrorKind = 'outcome-unknown';
  readonly sent: unknown;
  constructor(message: string, sent: unknown, init: LeadcarsErrorInit) {
    super(message, init);
    this.sent = sent;
  }
}
