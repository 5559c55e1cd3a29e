// What every API client's typed failure carries (HighLevel's GhlError, LeadCars' LeadcarsError):
// the operation attempted, the last HTTP status, how often it was repeated, and its `kind`, the
// same word for the same failure whichever API it came from. The kind is the one way to tell
// failures apart: callers switch on it (`isApiError(err, 'not-found')`). Subclasses exist only
// for failures that carry more (HighLevel's refusal messages and a duplicate's contact id, the
// daily budget, an unreadable answer's problems, a LeadCars write's body).

/** What was being attempted. */
export interface ApiOperation {
  /** The client function's name, e.g. "createContact". */
  name: string;
  method: string;
  /** Path below the base URL, without query string or host. */
  path: string;
}

export interface ApiErrorInit<Op extends ApiOperation> {
  operation: Op;
  /** What went wrong; 'other' when not said. */
  kind?: ApiErrorKind | undefined;
  status?: number | undefined;
  retries?: number | undefined;
  cause?: unknown;
}

/** What went wrong, the same for every API. */
export type ApiErrorKind =
  | 'auth' // 401/403: the credentials
  | 'not-found' // 404
  | 'refused' // another 4xx: the request is wrong and repeating it changes nothing
  | 'rate-limited' // 429 after every retry
  | 'server' // 5xx after every retry
  | 'network' // no answer after every retry
  | 'outcome-unknown' // a write that may have been applied, not repeated
  | 'unexpected-answer' // a 2xx the client cannot read
  | 'budget' // the client's own budget is spent; nothing was sent
  | 'other';

export class ApiError<Op extends ApiOperation> extends Error {
  readonly kind: ApiErrorKind;
  /** HTTP status of the last answer; undefined when none came back. */
  readonly status: number | undefined;
  readonly operation: Op;
  /** How many times the request was repeated before giving up. */
  readonly retries: number;

  /** The message reads `<prefix><name> (<method> <path>): <message>`. */
  constructor(prefix: string, message: string, init: ApiErrorInit<Op>) {
    super(`${prefix}${init.operation.name} (${init.operation.method} ${init.operation.path}): ${message}`,
      init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind ?? 'other';
    this.status = init.status;
    this.operation = init.operation;
    this.retries = init.retries ?? 0;
  }
}

/** True when `err` is an API client's failure, of one of `kinds` when any are given. */
export function isApiError(err: unknown, ...kinds: ApiErrorKind[]): err is ApiError<ApiOperation> {
  return err instanceof ApiError && (kinds.length === 0 || kinds.includes(err.kind));
}
