// The part of the spec validator (src/highlevel-api/validator.ts) the sandbox leans on: which
// operation a request is, the scopes it needs, and what HighLevel would refuse in it. Kept as a
// narrow type so tests and extensions can pass their own.
import { createSpecValidator, type SpecValidator } from '../highlevel-api/validator.ts';

export type RequestChecker = Pick<SpecValidator, 'match' | 'validateRequest'>;

export const API_VERSION = '2021-07-28';

export function createRequestChecker(): RequestChecker {
  return createSpecValidator();
}
