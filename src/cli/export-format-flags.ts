// `export --format csv|xlsx` and `--workbook FILE`: the combinations they refuse (exit 2), kept
// apart from export.ts so the command's own checks stay readable.
import { STDOUT } from '../export/index.ts';
import { UsageError } from './args.ts';

export interface FormatFlags {
  format?: 'csv' | 'xlsx';
  workbook?: string;
  byTag?: boolean;
  out?: string;
  outDir?: string;
  excel?: boolean;
  raw?: boolean;
}

/** The format asked for (`--workbook` means xlsx); throws UsageError for a combination that cannot be. */
export function formatOf(f: FormatFlags): 'csv' | 'xlsx' {
  if (f.workbook !== undefined) {
    if (!f.byTag) throw new UsageError('--workbook writes one sheet per tag: add --by-tag (for one segment use --format xlsx --out FILE.xlsx)');
    if (f.outDir !== undefined) throw new UsageError('--workbook names the one file --by-tag writes: drop --out-dir');
    if (f.format === 'csv') throw new UsageError('--workbook writes an xlsx workbook: drop --format csv');
  }
  const format = f.workbook !== undefined ? 'xlsx' : (f.format ?? 'csv');
  if (format === 'xlsx') {
    if (f.out === STDOUT) throw new UsageError('--format xlsx cannot write to standard output (--out -): give a file (--out FILE.xlsx) or use --format csv');
    if (f.excel) throw new UsageError('--excel adds a byte order mark to a CSV; an xlsx needs none: drop --excel');
    if (f.raw) throw new UsageError('--raw turns off the CSV formula guard; xlsx text cells never run as formulas: drop --raw');
  }
  return format;
}
