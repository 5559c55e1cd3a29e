// The sandbox's view of the spec validator: which operation a request is, which scopes it
// needs, and what is wrong with the request. Kept as a narrow interface so tests and
// extensions can swap it.

export interface CheckedOperation {
  operationId: string;
  /** Scopes the operation declares; a token needs one of them. */
  scopes: string[];
}

export interface RequestParts {
  headers: Record<string, string | undefined>;
  query: Record<string, string>;
  body: unknown;
  params: Record<string, string>;
}

export interface RequestChecker {
  match(method: string, path: string): CheckedOperation | undefined;
  /** HighLevel-style messages ("limit must be a number"); empty when the request is valid. */
  validateRequest(op: CheckedOperation, request: RequestParts): string[];
}

export const API_VERSION = '2021-07-28';

/** Until the spec validator is wired: only the Version header, which every operation requires. */
export function versionOnlyChecker(): RequestChecker {
  return {
    match: () => ({ operationId: 'unknown', scopes: [] }),
    validateRequest: (_op, request) =>
      request.headers.version === API_VERSION ? [] : [`version must be one of the following values: ${API_VERSION}`],
  };
}

export async function createRequestChecker(): Promise<RequestChecker> {
  return versionOnlyChecker();
}
