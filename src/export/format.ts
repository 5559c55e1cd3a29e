// The file formats an export writes, and keeping a file's name in line with its format: the
// extension is how people, `ghl-etl runs` and export_runs.path tell a workbook from a CSV.
import { extname } from 'node:path';
import { ExportUsageError } from './errors.ts';

export type ExportFormat = 'csv' | 'xlsx';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'xlsx'];

/** `.csv` or `.xlsx`. */
export const extensionOf = (format: ExportFormat): string => `.${format}`;

/** The format a file name's extension names, if it names one (case-insensitive). */
export function formatOfPath(path: string): ExportFormat | undefined {
  const ext = extname(path).toLowerCase();
  return EXPORT_FORMATS.find((f) => extensionOf(f) === ext);
}

/** `path` with the extension of `format` in place of a format extension (other names kept). */
export function withFormatExtension(path: string, format: ExportFormat): string {
  return formatOfPath(path) === undefined ? path : path.slice(0, -extname(path).length) + extensionOf(format);
}

/**
 * Refuses a file whose extension names the other format (`hot.csv` written as a workbook): a
 * spreadsheet would open it with the wrong reader. `stdout`: the value meaning standard output,
 * where only a CSV can go.
 */
export function checkOutFormat(out: string, format: ExportFormat, stdout: string): void {
  if (out === stdout) {
    if (format === 'xlsx') throw new ExportUsageError('an xlsx workbook cannot be written to standard output: give a file (--out FILE.xlsx) or use --format csv');
    return;
  }
  const named = formatOfPath(out);
  if (named !== undefined && named !== format) {
    throw new ExportUsageError(`"${out}" names a ${named} file but the export writes ${format}: name it ${extensionOf(format)} or use --format ${named}`);
  }
}
