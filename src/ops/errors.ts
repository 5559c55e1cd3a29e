// Typed failures of the operations. Input problems are found before any request (exit 2);
// HighLevel's refusals keep its words and the status (exit 1; src/cli/errors.ts maps them). Neither
// ever carries a token.
import { DuplicateContactError, GhlError, isGhlError, ValidationError } from '../ghl/errors.ts';

/** Bad input: nothing was sent. `field` names the input to fix. */
export class OperationInputError extends Error {
  override name = 'OperationInputError';
  constructor(readonly field: string, problem: string) {
    super(`${field}: ${problem}`);
  }
}

export type RefusalKind = 'auth' | 'not-found' | 'invalid' | 'duplicate' | 'unavailable';

/**
 * HighLevel refused or could not complete the operation. `kind` says why; `status` is HighLevel's
 * (undefined when no answer came); `cause` is the client's GhlError. When HighLevel created a
 * contact although it answered with an error (NOTES.md "Writing": a 422 create), `record` is what
 * it created, already written to the mirror.
 */
export class OperationError extends Error {
  override name = 'OperationError';
  readonly kind: RefusalKind;
  readonly status: number | undefined;
  readonly record: unknown;
  /** The existing contact's id, when a location that forbids duplicates refused a create. */
  readonly existingContactId: string | undefined;

  constructor(action: string, cause: GhlError, extra: { record?: unknown; note?: string } = {}) {
    const kind = kindOf(cause);
    const record = extra.record;
    const existing = cause instanceof DuplicateContactError ? cause.contactId : undefined;
    super(`${action}: ${describeRefusal(kind, cause, existing)}${extra.note ? `; ${extra.note}` : ''}`, { cause });
    this.kind = kind;
    this.status = cause.status;
    this.record = record;
    this.existingContactId = existing;
  }
}

function kindOf(err: GhlError): RefusalKind {
  if (err.kind === 'auth') return 'auth';
  if (err instanceof DuplicateContactError) return 'duplicate';
  if (err.kind === 'not-found' || (err instanceof ValidationError && isNotFoundMessage(err))) return 'not-found';
  if (err instanceof ValidationError) return 'invalid';
  return 'unavailable';
}

function describeRefusal(kind: RefusalKind, err: GhlError, existing: string | undefined): string {
  const status = err.status === undefined ? 'no answer' : `HTTP ${err.status}`;
  const words = err.message.replace(/^[^:]*\([^)]*\): /, '');
  switch (kind) {
    case 'auth': return `HighLevel refused the token (${status}: ${words}); check the location's token and its scopes (\`ghl-etl catalog\` lists the scope each action needs)`;
    case 'duplicate': return `a contact with this email or phone already exists (${existing}); update it instead`;
    case 'not-found': return `not found in HighLevel (${status}: ${words})`;
    case 'invalid': return `HighLevel refused the request (${status}: ${words})`;
    default: return `HighLevel did not complete the request (${status}: ${words})`;
  }
}

/** HighLevel answers an unknown contact, task or note with 400 "... not found" (sandbox: store.ts). */
export function isNotFoundMessage(err: ValidationError): boolean {
  return err.messages.some((m) => /not found/i.test(m));
}

/** A delete that HighLevel says has nothing to delete. */
export function isGone(err: unknown): boolean {
  return isGhlError(err, 'not-found') || (err instanceof ValidationError && isNotFoundMessage(err));
}
