// Typed failures of the LeadCars client. A LeadcarsError's `kind` (src/http/errors.ts) says what
// went wrong: 'auth' (401/403: missing or wrong cliente-token), 'not-found', 'rate-limited' and
// 'server' (429 / 5xx after every retry), 'network' (no answer after every retry). The subclasses
// below only exist for failures that carry more. Messages carry LeadCars' own words (whatever
// shape they came in), never the cliente-token.
import { ApiError, type ApiErrorInit, type ApiErrorKind, type ApiOperation } from '../http/errors.ts';

export { isApiError, type ApiErrorKind } from '../http/errors.ts';

/** What was being attempted, e.g. createLead, POST, "/leads/799119/comments". */
export type LeadcarsOperation = ApiOperation;

export type LeadcarsErrorInit = ApiErrorInit<LeadcarsOperation>;

export class LeadcarsError extends ApiError<LeadcarsOperation> {
  override name = 'LeadcarsError';
  constructor(message: string, init: LeadcarsErrorInit) {
    super('LeadCars ', message, init);
  }
}

/** True when `err` is a LeadCars failure, of one of `kinds` when any are given. */
export function isLeadcarsError(err: unknown, ...kinds: ApiErrorKind[]): err is LeadcarsError {
  return err instanceof LeadcarsError && (kinds.length === 0 || kinds.includes(err.kind));
}

/** Another 4xx (kind 'refused'): LeadCars refused the request; `messages` are its words. Never retried. */
export class LeadcarsRefusedError extends LeadcarsError {
  override name = 'LeadcarsRefusedError';
  readonly messages: string[];
  constructor(messages: string[], init: LeadcarsErrorInit) {
    super(messages.join('; ') || `HTTP ${init.status}`, { ...init, kind: 'refused' });
    this.messages = messages;
  }
}

/**
 * A write that must not be repeated blindly (a create, a comment) was sent, and its outcome is
 * unknown (kind 'outcome-unknown'): the connection dropped or timed out after sending, the server
 * answered 5xx, or a create succeeded without saying which lead it made. It was NOT repeated:
 * LeadCars has no idempotency key and no lead search, so a repeat could make a second lead.
 * `sent` is the body that was sent, for the caller to keep (e.g. park it for `leads link`).
 */
export class LeadcarsOutcomeUnknownError extends LeadcarsError {
  override name = 'LeadcarsOutcomeUnknownError';
  readonly sent: unknown;
  constructor(message: string, sent: unknown, init: LeadcarsErrorInit) {
    super(message, { ...init, kind: 'outcome-unknown' });
    this.sent = sent;
  }
}
