// What every API client's typed failure carries (HighLevel's GhlError, LeadCars' LeadcarsError):
// the operation attempted, the last HTTP status and how often it was repeated. Each API keeps its
// own classes below this one, so callers branch on the API's names.

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
  status?: number | undefined;
  retries?: number | undefined;
  cause?: unknown;
}

export class ApiError<Op extends ApiOperation> extends Error {
  /** HTTP status of the last answer; undefined when none came back. */
  readonly status: number | undefined;
  readonly operation: Op;
  /** How many times the request was repeated before giving up. */
  readonly retries: number;

  /** The message reads `<prefix><name> (<method> <path>): <message>`. */
  constructor(prefix: string, message: string, init: ApiErrorInit<Op>) {
    super(`${prefix}${init.operation.name} (${init.operation.method} ${init.operation.path}): ${message}`,
      init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.operation = init.operation;
    this.retries = init.retries ?? 0;
  }
}
