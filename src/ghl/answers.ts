// The tolerant reader's one rule (NOTES.md: "keep every field you receive, type the ones you use,
// tolerate missing and null ones"): an answer is refused only for what the mirror depends on, and
// every other departure from the documented shape is passed on as drift.
//
// Depended on: the list or object an answer is about, every record's id, and a date that is
// present but does not parse (the incremental sync and the paging cursor order by them). A
// missing `dateUpdated` is not refused: the row falls back to `dateAdded`, recorded as drift.
import type { AnswerDeparture } from '../highlevel-api/validator.ts';

export interface AnswerCheck {
  /** What the mirror cannot do without: the answer is refused (UnexpectedAnswerError). */
  problems: string[];
  /** Tolerated departures the schema check cannot see (a fallback taken). */
  drift: AnswerDeparture[];
}

/** What one request depends on in its answer. */
export type AnswerNeeds = (body: unknown) => AnswerCheck;

/** A departure counted: what `answer_drift` stores per answer. */
export interface DriftCount extends AnswerDeparture {
  count: number;
}

/** Tolerated departures of one answer, for one location and operation (`GET /contacts/`). */
export interface DriftReport {
  locationId: string;
  operation: string;
  seen: DriftCount[];
}

export function countDepartures(departures: AnswerDeparture[]): DriftCount[] {
  const counts = new Map<string, DriftCount>();
  for (const d of departures) {
    const key = `${d.field}\u0000${d.problem}`;
    const known = counts.get(key);
    if (known) known.count++;
    else counts.set(key, { ...d, count: 1 });
  }
  return [...counts.values()];
}

export interface RecordNeeds {
  /** Date fields that, when present, must parse. */
  dates?: readonly string[];
  /** Falls back to `dateAdded` when missing (recorded as drift). */
  dateUpdatedFallback?: boolean;
}

export const CONTACT_NEEDS: RecordNeeds = { dates: ['dateAdded', 'dateUpdated'], dateUpdatedFallback: true };
export const TASK_NEEDS: RecordNeeds = { dates: ['dueDate'] };
export const NOTE_NEEDS: RecordNeeds = { dates: ['dateAdded'] };
export const ID_ONLY: RecordNeeds = {};

function kind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** True for an ISO-8601 (or RFC 2822) date string JavaScript can read. */
export function parsesAsDate(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Date.parse(value));
}

function checkRecord(record: unknown, path: string, needs: RecordNeeds, out: AnswerCheck, fieldPath: string): void {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    out.problems.push(`${path} must be an object, got ${kind(record)}`);
    return;
  }
  const r = record as Record<string, unknown>;
  if (typeof r.id !== 'string' || r.id.trim() === '') {
    out.problems.push(r.id === undefined || r.id === null ? `${path}.id is required` : `${path}.id must be a non-empty string, got ${kind(r.id)}`);
  }
  for (const field of needs.dates ?? []) {
    const value = r[field];
    if (value === undefined || value === null) continue;
    if (!parsesAsDate(value)) out.problems.push(`${path}.${field} is not a date (got ${typeof value === 'string' ? 'an unreadable string' : kind(value)})`);
  }
  if (needs.dateUpdatedFallback && (r.dateUpdated === undefined || r.dateUpdated === null) && parsesAsDate(r.dateAdded)) {
    out.drift.push({ field: `${fieldPath}.dateUpdated`, problem: 'missing (dateAdded used)' });
  }
}

/** The answer's `key` is a list of records (contacts, tasks, notes, ...). */
export function listOf(key: string, needs: RecordNeeds = ID_ONLY): AnswerNeeds {
  return (body) => {
    const out: AnswerCheck = { problems: [], drift: [] };
    const list = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
    if (!Array.isArray(list)) {
      out.problems.push(list === undefined ? `${key} is required` : `${key} must be an array, got ${kind(list)}`);
      return out;
    }
    list.forEach((record, i) => checkRecord(record, `${key}[${i}]`, needs, out, `${key}[]`));
    return out;
  };
}

/** The answer's `key` is the record it is about (a get, create or update). */
export function oneOf(key: string, needs: RecordNeeds = ID_ONLY): AnswerNeeds {
  return (body) => {
    const out: AnswerCheck = { problems: [], drift: [] };
    const record = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
    if (record === undefined) out.problems.push(`${key} is required`);
    else checkRecord(record, key, needs, out, key);
    return out;
  };
}
