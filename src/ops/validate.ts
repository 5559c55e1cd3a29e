// Input checks that run before any request: a bad value throws OperationInputError naming the
// field, so nothing is sent. The last check of every body is HighLevel's own contract (the
// vendored spec + overlay), so "required fields as the spec says" holds by construction.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { Mirror } from '../db/mirror.ts';
import type { CustomFieldDefinitionRow } from '../db/write-through.ts';
import { createSpecValidator, type SpecValidator } from '../highlevel-api/validator.ts';
import { API_VERSION } from '../ghl/transport.ts';
import type { PlannedRequest } from './context.ts';
import { OperationInputError } from './errors.ts';

// Practical, not RFC 5322: one @, no spaces, a dot in the domain; what HighLevel's forms accept.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

export function checkEmail(field: string, value: unknown): string {
  if (typeof value !== 'string' || !EMAIL.test(value.trim())) {
    throw new OperationInputError(field, `${JSON.stringify(value)} is not an email address (expected name@domain.tld)`);
  }
  return value.trim().toLowerCase();
}

/** `text` as E.164 (+34612345678), numbers without a country code read in `defaultCountry`; undefined when it is not a valid number. */
export function toE164(text: string, defaultCountry: string): string | undefined {
  const parsed = parsePhoneNumberFromString(text.trim(), defaultCountry.toUpperCase() as CountryCode);
  return parsed && parsed.isValid() ? parsed.number : undefined;
}

/** Why `text` is not a phone number, in the words every caller uses. */
export function phoneProblem(text: string, defaultCountry: string): string {
  return `${JSON.stringify(text)} is not a valid phone number (default country ${defaultCountry}; write +CC... for another country)`;
}

/** A phone as E.164 (+34612345678); numbers without a country code use `defaultCountry`. */
export function checkPhone(field: string, value: unknown, defaultCountry: string): string {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || text.trim() === '') throw new OperationInputError(field, 'a phone number is required here');
  const e164 = toE164(text, defaultCountry);
  if (e164 === undefined) throw new OperationInputError(field, phoneProblem(text, defaultCountry));
  return e164;
}

/** Trimmed, non-empty, without repeats (HighLevel stores tags lower-cased; case is left to it). */
export function checkTags(field: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw new OperationInputError(field, 'expected a list of tags');
  const tags: string[] = [];
  const seen = new Set<string>();
  for (const item of value) {
    if (typeof item !== 'string') throw new OperationInputError(field, `tag ${JSON.stringify(item)} is not text`);
    const tag = item.trim();
    if (tag === '' || seen.has(tag.toLowerCase())) continue;
    seen.add(tag.toLowerCase());
    tags.push(tag);
  }
  return tags;
}

export function checkText(field: string, value: unknown, opts: { required?: boolean } = {}): string | undefined {
  if (value === undefined || value === null) {
    if (opts.required) throw new OperationInputError(field, 'is required');
    return undefined;
  }
  if (typeof value !== 'string') throw new OperationInputError(field, 'must be text');
  const text = value.trim();
  if (opts.required && text === '') throw new OperationInputError(field, 'must not be empty');
  return text;
}

/** An ISO-8601 date-time, returned in UTC with milliseconds (2026-12-01T09:00:00.000Z). */
export function checkIsoDate(field: string, value: unknown): string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) {
    throw new OperationInputError(field, `${JSON.stringify(value)} is not an ISO-8601 date (e.g. 2026-12-01T09:00:00Z)`);
  }
  const ms = Date.parse(value.trim());
  if (Number.isNaN(ms)) throw new OperationInputError(field, `${JSON.stringify(value)} is not a real date`);
  return new Date(ms).toISOString();
}

export function checkId(field: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(value)) {
    throw new OperationInputError(field, `${JSON.stringify(value)} is not a HighLevel id`);
  }
  return value;
}

// ---- custom fields -----------------------------------------------------------------------------

export type FieldValue = string | number | boolean | string[] | null;
export interface CustomFieldWrite { id: string; field_value: FieldValue }

/**
 * Maps custom field values given by the definition's name (case-insensitive), its key
 * ("contact.budget" or "budget") or its id to HighLevel's `{id, field_value}`, from the
 * definitions the last sync stored.
 */
export async function resolveCustomFields(db: Mirror, locationId: string, values: Array<{ ref: string; field: string; value: FieldValue }>): Promise<CustomFieldWrite[]> {
  if (values.length === 0) return [];
  const definitions = await db.customFieldDefinitions(locationId);
  return values.map(({ ref, field, value }) => {
    const definition = findDefinition(definitions, ref, field, locationId);
    return { id: definition.id, field_value: checkFieldValue(field, definition, value) };
  });
}

function findDefinition(definitions: CustomFieldDefinitionRow[], ref: string, field: string, locationId: string): CustomFieldDefinitionRow {
  const wanted = ref.trim();
  const byId = definitions.find((d) => d.id === wanted);
  if (byId) return byId;
  const key = wanted.replace(/^contact\./, '');
  const byKey = definitions.find((d) => d.fieldKey !== null && d.fieldKey.replace(/^contact\./, '') === key);
  if (byKey) return byKey;
  const byName = definitions.filter((d) => d.name.toLowerCase() === wanted.toLowerCase());
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) {
    throw new OperationInputError(field, `${byName.length} custom fields are named "${wanted}"; use a key instead (${byName.map((d) => d.fieldKey ?? d.id).join(', ')})`);
  }
  const hint = definitions.length === 0 ? `the mirror has no custom field definitions for location ${locationId}; run \`ghl-etl sync\` first` : 'use its name, key or id (run `ghl-etl sync` if it is new)';
  throw new OperationInputError(field, `no custom field "${wanted}" in location ${locationId}; ${hint}`);
}

function checkFieldValue(field: string, definition: CustomFieldDefinitionRow, value: FieldValue): FieldValue {
  if (value === null || value === '') return value;
  switch (definition.dataType) {
    case 'NUMERICAL':
    case 'MONETORY': {
      const number = typeof value === 'number' ? value : Number(String(value).trim().replace(',', '.'));
      if (!Number.isFinite(number)) throw new OperationInputError(field, `${definition.name} takes a number, not ${JSON.stringify(value)}`);
      return number;
    }
    case 'CHECKBOX':
    case 'MULTIPLE_OPTIONS':
      return Array.isArray(value) ? value.map(String) : String(value).split('|').map((s) => s.trim()).filter((s) => s !== '');
    default:
      return Array.isArray(value) ? value.join(', ') : typeof value === 'string' ? value.trim() : value;
  }
}

// ---- the spec as the final check ---------------------------------------------------------------------

let validator: SpecValidator | undefined;

/** Refuses a request HighLevel would refuse (unknown or missing properties, wrong types). */
export function checkAgainstSpec(request: PlannedRequest): void {
  validator ??= createSpecValidator();
  const op = validator.match(request.method, request.path);
  if (!op) throw new Error(`${request.method} ${request.path} is not in the vendored spec`);
  const problems = validator.checkRequest(op, { headers: { Version: API_VERSION }, query: request.query ?? {}, body: request.body });
  const first = problems[0];
  if (!first) return;
  const field = /^(?:property )?([\w.[\]]+)/.exec(first.message)?.[1] ?? first.in;
  throw new OperationInputError(field, problems.map((p) => p.message).join('; '));
}
