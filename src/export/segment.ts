// Segment selection: a rule over live contacts turned into a parameterised WHERE clause. The SQL
// text is built only from the rule's shape (how many tags, which filters are set); every value
// the user typed travels as a bound parameter.
import { z } from 'zod';
import { selectionSchema, type SegmentConfig } from '../config/segments.ts';
import { FOLD_TAG_SQL, foldTag, needsUnicodeFold } from '../db/tags.ts';
import { ExportUsageError } from './errors.ts';

export interface DateBounds {
  /** Inclusive. A date (`2026-03-01`) or a date-time with offset. */
  from?: string | undefined;
  /** Inclusive; a bare date includes that whole UTC day. */
  to?: string | undefined;
}

export interface SegmentRule {
  /** Contacts with these tags; none = no tag condition. */
  tags?: string[] | undefined;
  /** any (default): at least one of `tags`; all: every one of them. */
  match?: 'any' | 'all' | undefined;
  /** Contacts with any of these are left out. */
  excludeTags?: string[] | undefined;
  /** true: must have an email; false: must not; undefined: either. */
  hasEmail?: boolean | undefined;
  hasPhone?: boolean | undefined;
  businessId?: string | undefined;
  locationId?: string | undefined;
  dateAdded?: DateBounds | undefined;
  dateUpdated?: DateBounds | undefined;
  /**
   * Tags compare case-insensitively, in any script (HighLevel stores them lower-cased, users type
   * `VIP` or `FINANCIACIÓN`). The by-tag export sets this to match each stored tag exactly, so
   * tags differing only in case land in different files.
   */
  exactTags?: boolean | undefined;
}

export interface WhereClause {
  sql: string;
  params: unknown[];
}

const ruleSchema = selectionSchema.extend({
  locationId: z.string().min(1).optional(),
  exactTags: z.boolean().optional(),
});

/** Validates a rule (from flags or code); throws ExportUsageError naming the bad part. */
export function checkRule(rule: SegmentRule): SegmentRule {
  const parsed = ruleSchema.safeParse(rule);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ExportUsageError(`segment rule: "${issue.path.join('.') || 'rule'}" ${issue.message}`);
  }
  return parsed.data;
}

const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;

function dayAfter(date: string): string {
  const d = new Date(`${date}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

/**
 * Dates are compared through julianday(), not as text: HighLevel writes `...00Z` and
 * `...00.000Z` for the same instant, which sort differently as strings. A row whose date is
 * missing or unreadable matches no range.
 */
function dateConditions(column: string, bounds: DateBounds | undefined, out: WhereClause): void {
  if (bounds?.from !== undefined) {
    out.sql += ` AND julianday(${column}) >= julianday(?)`;
    out.params.push(bounds.from);
  }
  if (bounds?.to !== undefined) {
    if (BARE_DATE.test(bounds.to)) {
      out.sql += ` AND julianday(${column}) < julianday(?)`;
      out.params.push(dayAfter(bounds.to));
    } else {
      out.sql += ` AND julianday(${column}) <= julianday(?)`;
      out.params.push(bounds.to);
    }
  }
}

function presence(column: string, wanted: boolean | undefined, out: WhereClause): void {
  if (wanted === undefined) return;
  out.sql += wanted ? ` AND (${column} IS NOT NULL AND ${column} <> '')` : ` AND (${column} IS NULL OR ${column} = '')`;
}

/**
 * The WHERE clause (without the keyword) selecting the rule's contacts from a table or view
 * aliased `alias` that has the contacts columns (`contacts` or `contacts_wide`). It does not
 * test `deleted_at`: contacts_wide holds only live contacts, and callers reading `contacts`
 * add that themselves.
 */
export function segmentWhere(rule: SegmentRule, alias: string): WhereClause {
  const r = checkRule(rule);
  const col = (name: string) => `${alias}.${name}`;
  // ASCII tags compare under NOCASE (as fast as exact); others through fold_tag() (src/db/tags.ts).
  const unicode = !r.exactTags && needsUnicodeFold([...(r.tags ?? []), ...(r.excludeTags ?? [])]);
  const stored = unicode ? `${FOLD_TAG_SQL}(t.tag)` : 't.tag';
  const cmp = r.exactTags || unicode ? '' : ' COLLATE NOCASE';
  const typed = (tag: string) => (unicode ? foldTag(tag) : tag);
  const out: WhereClause = { sql: '1', params: [] };
  const tags = [...new Set(r.tags ?? [])];
  const hasTagIn = `EXISTS (SELECT 1 FROM contact_tags t, json_each(?) j WHERE t.contact_id = ${col('id')} AND ${stored} = j.value${cmp})`;
  if (tags.length > 0) {
    if ((r.match ?? 'any') === 'any') {
      out.sql += ` AND ${hasTagIn}`;
      out.params.push(JSON.stringify(tags.map(typed)));
    } else {
      for (const tag of tags) {
        out.sql += ` AND EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = ${col('id')} AND ${stored} = ?${cmp})`;
        out.params.push(typed(tag));
      }
    }
  }
  const excluded = [...new Set(r.excludeTags ?? [])];
  if (excluded.length > 0) {
    out.sql += ` AND NOT ${hasTagIn}`;
    out.params.push(JSON.stringify(excluded.map(typed)));
  }
  presence(col('email'), r.hasEmail, out);
  presence(col('phone'), r.hasPhone, out);
  if (r.businessId !== undefined) {
    out.sql += ` AND ${col('business_id')} = ?`;
    out.params.push(r.businessId);
  }
  if (r.locationId !== undefined) {
    out.sql += ` AND ${col('location_id')} = ?`;
    out.params.push(r.locationId);
  }
  dateConditions(col('date_added'), r.dateAdded, out);
  dateConditions(col('date_updated'), r.dateUpdated, out);
  return out;
}

/** A short human description of a rule, stored as export_runs.segment for ad-hoc exports. */
export function describeRule(rule: SegmentRule): string {
  const parts: string[] = [];
  if (rule.tags?.length) parts.push(`tags ${rule.match ?? 'any'}: ${rule.tags.join(', ')}`);
  if (rule.excludeTags?.length) parts.push(`not: ${rule.excludeTags.join(', ')}`);
  if (rule.hasEmail !== undefined) parts.push(rule.hasEmail ? 'with email' : 'without email');
  if (rule.hasPhone !== undefined) parts.push(rule.hasPhone ? 'with phone' : 'without phone');
  if (rule.businessId !== undefined) parts.push(`business ${rule.businessId}`);
  if (rule.locationId !== undefined) parts.push(`location ${rule.locationId}`);
  const range = (label: string, b: DateBounds | undefined) => {
    if (b?.from !== undefined || b?.to !== undefined) parts.push(`${label} ${b.from ?? '…'}..${b.to ?? '…'}`);
  };
  range('added', rule.dateAdded);
  range('updated', rule.dateUpdated);
  return parts.length ? parts.join('; ') : 'all contacts';
}

/** The rule of a named segment from the config file. */
export function ruleFromSegment(segment: SegmentConfig): SegmentRule {
  return {
    tags: segment.tags,
    match: segment.match,
    excludeTags: segment.excludeTags,
    hasEmail: segment.hasEmail,
    hasPhone: segment.hasPhone,
    businessId: segment.businessId,
    locationId: segment.location,
    dateAdded: segment.dateAdded,
    dateUpdated: segment.dateUpdated,
  };
}
