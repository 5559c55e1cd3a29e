// Segment rules: checked, described, taken from the config file. The database turns a checked
// rule into its WHERE clause (src/db/export-rows.ts).
import { z } from 'zod';
import { selectionSchema, type SegmentConfig } from '../config/segments.ts';
import { ExportUsageError } from './errors.ts';

export type { DateBounds, SegmentRule, WhereClause } from '../db/export-rows.ts';
import type { DateBounds, SegmentRule } from '../db/export-rows.ts';

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
