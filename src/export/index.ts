// The export library's public surface (commands and the scheduler import from here).
export { exportSegment, exportQuery, STDOUT } from './export-segment.ts';
export type { ExportOptions, ExportResult } from './export-segment.ts';
export { exportByTag, fileFor, liveTags, tagFileNames, safeFileBase, slugify } from './by-tag.ts';
export type { ByTagOptions, ByTagResult } from './by-tag.ts';
export {
  DEFAULT_EXPORT_DIR, exportAllSegments, exportNamedSegment, findSegment, runConfiguredExports, segmentExportOptions,
} from './configured.ts';
export type { ConfiguredExportsResult, ExportFailure, SegmentOverrides } from './configured.ts';
export { availableColumns, pickColumns } from './columns.ts';
export type { ExportColumn } from './columns.ts';
export { checkRule, describeRule, ruleFromSegment, segmentWhere } from './segment.ts';
export type { DateBounds, SegmentRule, WhereClause } from './segment.ts';
export { guardCell } from './formula-guard.ts';
export { writeCsv } from './csv-stream.ts';
export type { CsvFormat, CsvWritten } from './csv-stream.ts';
export { writeFileAtomically } from './atomic-file.ts';
export { EXPORT_FORMATS, formatOfPath, withFormatExtension } from './format.ts';
export type { ExportFormat } from './format.ts';
export { exportTagWorkbook } from './tag-workbook.ts';
export type { TagWorkbookResult } from './tag-workbook.ts';
export { sheetNames, safeSheetName } from './sheet-names.ts';
export { ExportUsageError } from './errors.ts';
