// Named segments and the scheduler's export list (config keys `segments`, `exports`, `status`).
// Kept beside schema.ts so the export feature's keys live in one place; schema.ts plugs them in.
import { z } from 'zod';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A day (`2026-03-31`, the whole UTC day) or an instant with its offset (`2026-03-31T12:00:00Z`). */
export const dateBound = z
  .string()
  .refine((s) => (DATE.test(s) || DATE_TIME.test(s)) && !Number.isNaN(Date.parse(s)), {
    message: 'must be a date (2026-03-31) or a date-time with offset (2026-03-31T12:00:00Z)',
  });

/** Both ends optional and inclusive; a bare date as `to` includes that whole day. */
export const dateRange = z
  .strictObject({ from: dateBound.optional(), to: dateBound.optional() })
  .refine((r) => r.from === undefined || r.to === undefined || Date.parse(r.from) <= Date.parse(r.to), {
    message: '"from" must not be after "to"',
  });

const tagList = z.array(z.string().trim().min(1, 'a tag must not be empty'));

/** What a segment selects; shared by named segments and ad-hoc rules (src/export/segment.ts). */
export const selectionSchema = z.strictObject({
  /** Contacts carrying these tags (any or all of them, per `match`); none = every contact. */
  tags: tagList.optional(),
  match: z.enum(['any', 'all']).optional(),
  /** Contacts carrying any of these are left out. */
  excludeTags: tagList.optional(),
  /** true: only contacts with an email; false: only those without; absent: either. */
  hasEmail: z.boolean().optional(),
  hasPhone: z.boolean().optional(),
  businessId: z.string().min(1).optional(),
  dateAdded: dateRange.optional(),
  dateUpdated: dateRange.optional(),
});

export const segmentSchema = selectionSchema.extend({
  /** How commands (`export --segment NAME`) and export_runs name it. */
  name: z.string().trim().min(1),
  tags: tagList.default([]),
  match: z.enum(['any', 'all']).default('any'),
  excludeTags: tagList.default([]),
  /** A location id: only that location's contacts. */
  location: z.string().min(1).optional(),
  /** Columns to write, in this order (default: all, see src/export/columns.ts). */
  columns: z.array(z.string().min(1)).min(1).optional(),
  /** The file ('-' for stdout, CSV only). Default: data/exports/<name>.csv (.xlsx for xlsx). */
  out: z.string().min(1).optional(),
  /** csv (default) or xlsx: a workbook with typed cells (text, numbers, dates). */
  format: z.enum(['csv', 'xlsx']).optional(),
  /** Add a UTF-8 byte order mark so Excel reads accents right (CSV only). */
  excel: z.boolean().default(false),
});

const exportKind = z.enum(['contacts', 'tasks', 'notes']);

/** One job of the nightly run: a named segment, or one CSV per tag into a folder. */
const exportEntry = z.preprocess(
  // A bare string is the common case: the segment of that name, written to its own `out`.
  (v) => (typeof v === 'string' ? { segment: v } : v),
  z
    .strictObject({
      segment: z.string().min(1).optional(),
      byTag: z.string().min(1).optional(),
      /** contacts (default), or the tasks / notes of the segment's contacts. */
      kind: exportKind.default('contacts'),
      /** Overrides the segment's `out` (for a tasks or notes export of the same segment). */
      out: z.string().min(1).optional(),
      /** csv or xlsx; default the segment's own format (csv for byTag). */
      format: z.enum(['csv', 'xlsx']).optional(),
    })
    .refine((e) => (e.segment === undefined) !== (e.byTag === undefined), {
      message: 'needs exactly one of "segment" (a name from "segments") or "byTag" (a folder)',
    })
    .refine((e) => e.out === undefined || e.segment !== undefined, {
      message: '"out" applies to a segment export; a byTag export writes into its folder',
    }),
);

export const segmentsSchema = z.array(segmentSchema).default([]);
export const exportsSchema = z.array(exportEntry).default([]);
export const statusSchema = z
  .strictObject({
    /** `status` reports unhealthy when a location's data (its last good sync) is older than this. */
    maxAgeHours: z.number().positive().default(36),
  })
  .prefault({});

export type SegmentConfig = z.infer<typeof segmentSchema>;
export type ExportEntry = z.infer<typeof exportEntry>;
export type DateRange = z.infer<typeof dateRange>;

/** Cross-key checks: segment names unique, every export naming a segment that exists. */
export function checkSegmentReferences(
  config: { segments: SegmentConfig[]; exports: ExportEntry[] },
  ctx: z.RefinementCtx,
): void {
  const seen = new Map<string, number>();
  config.segments.forEach((s, i) => {
    const key = s.name.toLowerCase();
    if (seen.has(key)) {
      ctx.addIssue({ code: 'custom', path: ['segments', i, 'name'], message: `repeats the segment name "${s.name}" (names must be unique)` });
    }
    seen.set(key, i);
    const named = /\.(csv|xlsx)$/i.exec(s.out ?? '')?.[1]?.toLowerCase();
    if (named !== undefined && named !== (s.format ?? 'csv')) {
      ctx.addIssue({ code: 'custom', path: ['segments', i, 'out'], message: `names a ${named} file but the segment's format is ${s.format ?? 'csv'}: set "format": "${named}" or name it .${s.format ?? 'csv'}` });
    }
    if (s.format === 'xlsx' && s.out === '-') {
      ctx.addIssue({ code: 'custom', path: ['segments', i, 'out'], message: 'is "-" (standard output), where an xlsx workbook cannot go: give a file or drop "format"' });
    }
  });
  const known = config.segments.map((s) => s.name);
  config.exports.forEach((e, i) => {
    if (e.segment !== undefined && !seen.has(e.segment.toLowerCase())) {
      ctx.addIssue({
        code: 'custom',
        path: ['exports', i, 'segment'],
        message: `names no segment in "segments" (${known.length ? `known: ${known.join(', ')}` : 'none defined'})`,
      });
    }
    if (e.format === 'xlsx' && e.out === '-') {
      ctx.addIssue({ code: 'custom', path: ['exports', i, 'out'], message: 'is "-" (standard output), where an xlsx workbook cannot go: give a file or drop "format"' });
    }
  });
}
