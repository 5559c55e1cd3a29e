// Exports described in the config file: named segments (`segments`) and the scheduler's list
// (`exports`). The CLI and the scheduler call these; they hold no logic of their own beyond
// mapping config entries to exportSegment / exportByTag calls.
import type { Config } from '../config/schema.ts';
import type { SegmentConfig } from '../config/segments.ts';
import type { Mirror } from '../db/mirror.ts';
import type { Db } from '../db/open.ts';
import { exportByTag, fileFor, safeFileBase, type ByTagResult } from './by-tag.ts';
import { ExportUsageError } from './errors.ts';
import { exportSegment, type ExportOptions, type ExportResult } from './export-segment.ts';
import { withFormatExtension } from './format.ts';
import { ruleFromSegment } from './segment.ts';

/** Where a segment without `out` is written, relative to the working directory. */
export const DEFAULT_EXPORT_DIR = 'data/exports';

type SegmentsConfig = Pick<Config, 'segments'>;

/** The named segment (names compare case-insensitively); ExportUsageError listing the known ones. */
export function findSegment(config: SegmentsConfig, name: string): SegmentConfig {
  const found = config.segments.find((s) => s.name.toLowerCase() === name.trim().toLowerCase());
  if (found) return found;
  const known = config.segments.map((s) => s.name);
  throw new ExportUsageError(
    `no segment named "${name}" in the config file; ${known.length ? `known segments: ${known.join(', ')}` : 'define it under "segments"'}`,
  );
}

/** Options overriding a segment's own settings (the CLI's flags, a scheduler entry). */
export type SegmentOverrides = Partial<Omit<ExportOptions, 'rule' | 'segment'>>;

/** The export options a named segment stands for, `overrides` winning. */
export function segmentExportOptions(segment: SegmentConfig, overrides: SegmentOverrides = {}): ExportOptions {
  const kind = overrides.kind ?? 'contacts';
  const format = overrides.format ?? segment.format ?? 'csv';
  // A segment's own out names its contacts file (its extension following a format asked for
  // over the segment's own); its tasks / notes default beside it.
  const ownOut = kind === 'contacts' ? segment.out : undefined;
  const own = ownOut !== undefined && overrides.format !== undefined ? withFormatExtension(ownOut, format) : ownOut;
  const out = overrides.out ?? own ?? fileFor(DEFAULT_EXPORT_DIR, safeFileBase(segment.name), kind, format);
  // A flag left unset (undefined) must not wipe the segment's own setting.
  const set = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return {
    excel: segment.excel,
    // The segment's columns are contact columns; a tasks or notes export writes all of its own.
    columns: kind === 'contacts' ? segment.columns : undefined,
    ...set,
    kind,
    format,
    out,
    rule: ruleFromSegment(segment),
    segment: segment.name,
  };
}

export async function exportNamedSegment(
  db: Db | Mirror, config: SegmentsConfig, name: string, overrides: SegmentOverrides = {},
): Promise<ExportResult> {
  return exportSegment(db, segmentExportOptions(findSegment(config, name), overrides));
}

export interface ExportFailure {
  /** What failed: a segment name or `byTag:<dir>`. */
  what: string;
  error: Error;
}

export interface ConfiguredExportsResult {
  exported: Array<ExportResult | ByTagResult>;
  failed: ExportFailure[];
}

const asError = (err: unknown) => (err instanceof Error ? err : new Error(String(err)));

/** Every segment of the config file, one after another; a failure does not stop the others. */
export async function exportAllSegments(
  db: Db | Mirror, config: SegmentsConfig, overrides: SegmentOverrides = {},
): Promise<ConfiguredExportsResult> {
  const result: ConfiguredExportsResult = { exported: [], failed: [] };
  for (const segment of config.segments) {
    try {
      result.exported.push(await exportSegment(db, segmentExportOptions(segment, overrides)));
    } catch (err) {
      result.failed.push({ what: segment.name, error: asError(err) });
    }
  }
  return result;
}

/**
 * The scheduler's exports (`exports` in the config file), in order. Each is recorded in
 * export_runs; a failure is collected and the rest still run, so one bad segment does not cost
 * the sales team every other file.
 */
export async function runConfiguredExports(
  db: Db | Mirror, config: Pick<Config, 'segments' | 'exports'>, overrides: Pick<SegmentOverrides, 'clock' | 'stdout'> = {},
): Promise<ConfiguredExportsResult> {
  const result: ConfiguredExportsResult = { exported: [], failed: [] };
  for (const entry of config.exports) {
    const what = entry.segment ?? `byTag:${entry.byTag}`;
    try {
      if (entry.segment !== undefined) {
        const segment = findSegment(config, entry.segment);
        result.exported.push(
          await exportSegment(db, segmentExportOptions(segment, { ...overrides, kind: entry.kind, out: entry.out, format: entry.format })),
        );
      } else {
        result.exported.push(await exportByTag(db, entry.byTag!, { ...overrides, kind: entry.kind, format: entry.format }));
      }
    } catch (err) {
      result.failed.push({ what, error: asError(err) });
    }
  }
  return result;
}
