// `ghl-etl export`: segment CSVs from the mirror (src/export/). One of four forms: an ad-hoc rule
// (--tag, --exclude-tag, --has-email...), --by-tag (one file per tag), --segment NAME (from the
// config file) or --all-segments. Prints one line per file written: path, rows, short sha256.
import type { Command } from 'commander';
import type { ExportKind } from '../../db/exports.ts';
import type { Mirror } from '../../db/mirror.ts';
import {
  DEFAULT_EXPORT_DIR, describeRule, exportAllSegments, exportByTag, exportNamedSegment, exportSegment,
  ExportUsageError, exportTagWorkbook, fileFor, findSegment, safeFileBase, STDOUT, type ByTagResult, type ExportFailure, type ExportResult, type SegmentRule,
} from '../../export/index.ts';
import { oneOf, UsageError } from '../args.ts';
import { formatOf, type FormatFlags } from '../export-format-flags.ts';
import { configOf, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { isUsageProblem } from '../errors.ts';
import { writeErr } from '../../terminal-text.ts';

interface ExportFlags extends FormatFlags {
  tag: string[];
  match?: 'any' | 'all';
  excludeTag: string[];
  location?: string;
  business?: string;
  hasEmail?: boolean;
  hasPhone?: boolean;
  columns: string[];
  out?: string;
  byTag?: boolean;
  outDir?: string;
  segment?: string;
  allSegments?: boolean;
  tasks?: boolean;
  notes?: boolean;
  excel?: boolean;
  raw?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** The rule flags given, for refusing them where the rule comes from elsewhere. */
function ruleFlags(f: ExportFlags): string[] {
  const given: Array<[string, boolean]> = [
    ['--tag', f.tag.length > 0], ['--match', f.match !== undefined], ['--exclude-tag', f.excludeTag.length > 0],
    ['--location', f.location !== undefined], ['--business', f.business !== undefined],
    ['--has-email', f.hasEmail === true], ['--has-phone', f.hasPhone === true],
  ];
  return given.filter(([, set]) => set).map(([name]) => name);
}

/** Checks the combination of flags; returns the form asked for. */
function formOf(f: ExportFlags, json: boolean): 'rule' | 'byTag' | 'segment' | 'allSegments' {
  const forms = [f.byTag && '--by-tag', f.segment !== undefined && '--segment', f.allSegments && '--all-segments'].filter(Boolean);
  if (forms.length > 1) throw new UsageError(`${forms.join(' and ')} cannot be combined: pick one`);
  if (f.tasks && f.notes) throw new UsageError('--tasks and --notes cannot be combined: export one, then the other');
  if (f.outDir !== undefined && !f.byTag) throw new UsageError('--out-dir goes with --by-tag; for one file use --out FILE');
  if (f.out === STDOUT && json) throw new UsageError('--out - writes the CSV on stdout, where --json would print its document: drop one of them');
  if (f.segment !== undefined || f.allSegments) {
    const extra = ruleFlags(f);
    if (extra.length > 0) {
      throw new UsageError(`${extra.join(', ')} cannot be combined with ${forms[0]}: a named segment's rule comes from the config file ("segments")`);
    }
    if (f.allSegments && f.out !== undefined) throw new UsageError('--out names one file; --all-segments writes each segment to its own "out"');
    return f.allSegments ? 'allSegments' : 'segment';
  }
  if (f.byTag) {
    if (f.tag.length > 0 || f.match !== undefined) throw new UsageError('--by-tag writes one file per tag: drop --tag/--match (--exclude-tag, --location, --business, --has-* still apply)');
    if (f.out !== undefined) throw new UsageError('--by-tag writes into a folder: use --out-dir DIR instead of --out');
    return 'byTag';
  }
  return 'rule';
}

function ruleOf(f: ExportFlags): SegmentRule {
  return {
    ...(f.tag.length > 0 ? { tags: f.tag } : {}),
    ...(f.match !== undefined ? { match: f.match } : {}),
    ...(f.excludeTag.length > 0 ? { excludeTags: f.excludeTag } : {}),
    ...(f.location !== undefined ? { locationId: f.location } : {}),
    ...(f.business !== undefined ? { businessId: f.business } : {}),
    ...(f.hasEmail ? { hasEmail: true } : {}),
    ...(f.hasPhone ? { hasPhone: true } : {}),
  };
}

/**
 * --columns values as column names: "id,name,email" splits on commas, but a value that is itself
 * a column's name stays whole (custom field names may hold commas).
 */
export function columnNames(values: string[], known: string[]): string[] | undefined {
  if (values.length === 0) return undefined;
  const names = new Set(known.map((k) => k.toLowerCase()));
  const out = values.flatMap((v) => (names.has(v.trim().toLowerCase()) ? [v.trim()] : v.split(',').map((s) => s.trim())));
  if (out.some((c) => c === '')) throw new ExportUsageError(`--columns has an empty name: list names separated by commas, e.g. --columns id,name,email`);
  return out;
}

/** The line printed for each file: path, rows, short sha256. */
export function describeFile(r: Pick<ExportResult, 'path' | 'rows' | 'sha256'>): string {
  return `${r.path}\t${r.rows} ${r.rows === 1 ? 'row' : 'rows'}\tsha256 ${r.sha256.slice(0, 12)}`;
}

function fileJson(r: ExportResult & { tag?: string; sheets?: unknown }) {
  return {
    segment: r.segment, ...(r.tag !== undefined ? { tag: r.tag } : {}), kind: r.kind, format: r.format, path: r.path, rows: r.rows,
    bytes: r.bytes, sha256: r.sha256, columns: r.columns, ...(r.sheets !== undefined ? { sheets: r.sheets } : {}),
  };
}

/**
 * What the rule names that the mirror does not have: a tag no contact carries (in any case), a
 * location neither configured nor synced. Said on stderr, as the likely reason for 0 rows.
 */
async function ruleWarnings(db: Mirror, f: ExportFlags, config: ReturnType<typeof configOf>): Promise<string[]> {
  const out: string[] = [];
  for (const tag of await db.tagsNotInMirror([...f.tag, ...f.excludeTag])) out.push(`no contact in the mirror has the tag "${tag}" (tags match in any case)`);
  if (f.location !== undefined && !config.locations.some((l) => l.id === f.location) && !(await db.locationInMirror(f.location))) {
    const known = config.locations.map((l) => l.id);
    out.push(`location "${f.location}" is neither configured nor in the mirror${known.length ? ` (configured: ${known.join(', ')})` : ''}`);
  }
  return out;
}

const warn = (warnings: string[]) => { for (const w of warnings) writeErr(`warning: ${w}\n`); };

interface Outcome {
  files: Array<ExportResult & { tag?: string }>;
  failed: ExportFailure[];
  /** --by-tag: files of tags no contact has any more (see by-tag.ts removeVanishedTagFiles). */
  removed?: ByTagResult['removed'];
  keptChanged?: ByTagResult['keptChanged'];
}

async function run(db: Mirror, f: ExportFlags, form: ReturnType<typeof formOf>, config: ReturnType<typeof configOf>): Promise<Outcome> {
  const kind: ExportKind = f.tasks ? 'tasks' : f.notes ? 'notes' : 'contacts';
  const columns = columnNames(f.columns, (await db.availableColumns(kind)).map((c) => c.name));
  const fileFormat = formatOf(f);
  // --format only when given: a named segment's own "format" stands otherwise.
  const format = { kind, columns, ...(f.format || f.workbook ? { format: fileFormat } : {}), ...(f.excel ? { excel: true } : {}), ...(f.raw ? { raw: true } : {}) };
  switch (form) {
    case 'rule': {
      const rule = ruleOf(f);
      const segment = describeRule(rule);
      const out = f.out ?? fileFor(DEFAULT_EXPORT_DIR, safeFileBase(f.tag.length === 1 && Object.keys(rule).length === 1 ? f.tag[0]! : segment), kind, fileFormat);
      const file = await exportSegment(db, { ...format, rule, out, segment });
      warn(await ruleWarnings(db, f, config)); // after the rule was found valid
      return { files: [file], failed: [] };
    }
    case 'byTag': {
      if (f.workbook !== undefined) return { files: [await exportTagWorkbook(db, f.workbook, { ...format, rule: ruleOf(f) })], failed: [] };
      const result = await exportByTag(db, f.outDir ?? DEFAULT_EXPORT_DIR, { ...format, rule: ruleOf(f) });
      warn(await ruleWarnings(db, f, config));
      return { files: result.files, failed: [], removed: result.removed, keptChanged: result.keptChanged };
    }
    case 'segment':
      findSegment(config, f.segment!); // an unknown name is a usage error before anything is written
      return { files: [await exportNamedSegment(db, config, f.segment!, { ...format, ...(f.out !== undefined ? { out: f.out } : {}) })], failed: [] };
    case 'allSegments': {
      if (config.segments.length === 0) throw new ExportUsageError('no segments in the config file: define them under "segments" (see ghl-etl.config.example.json)');
      const result = await exportAllSegments(db, config, format);
      return { files: result.exported as ExportResult[], failed: result.failed };
    }
  }
}

export function register(program: Command): void {
  leaf<ExportFlags>(program.command('export')
    .summary('Write segment CSVs from the mirror: by tag rule, one file per tag, or named segments')
    .description(
      'Write CSVs of the live contacts (or their tasks or notes) from the mirror. One of:\n' +
      '  --tag T [--tag T2] [--match any|all] [--exclude-tag X] ...   one file for a tag rule\n' +
      '  --by-tag [--out-dir DIR]                                      one file per tag\n' +
      '  --segment NAME                                                a named segment of the config file\n' +
      '  --all-segments                                                every named segment\n' +
      'Columns: id, the contact fields, tags, each custom field (named as in contacts_wide), open_tasks, next_task,\n' +
      'next_task_due, last_note_at. Cells starting with = + - @ tab or CR get a leading \' (not numbers or phones).\n' +
      '--format xlsx writes workbooks of typed cells instead (no guard needed); --by-tag --workbook FILE, one sheet per tag.\n' +
      'Prints one line per file: path, rows, sha256 (short). --by-tag also removes the files it wrote earlier for tags\n' +
      'no contact has now (unless edited since), a line each.',
    )
    .option('--tag <tag>', 'contacts with this tag (repeat for several; case-insensitive)', collect, [])
    .option('--match <how>', 'any (default): at least one of the tags; all: every one of them', oneOf(['any', 'all'] as const))
    .option('--exclude-tag <tag>', 'leave out contacts with this tag (repeatable)', collect, [])
    .option('--location <id>', 'only this location\'s contacts')
    .option('--business <id>', 'only contacts of this business (businessId)')
    .option('--has-email', 'only contacts with an email')
    .option('--has-phone', 'only contacts with a phone')
    .option('--columns <list>', 'columns to write, in this order, separated by commas (default all)', collect, [])
    .option('--out <file>', `the CSV file, or - for standard output (default ${DEFAULT_EXPORT_DIR}/<rule>.csv)`)
    .option('--by-tag', 'one CSV per tag (file names safe for any tag text)')
    .option('--out-dir <dir>', `the folder for --by-tag, created if missing (default ${DEFAULT_EXPORT_DIR})`)
    .option('--segment <name>', 'a named segment from the config file ("segments")')
    .option('--all-segments', 'every named segment, each to its own file')
    .option('--tasks', 'the live tasks of the selected contacts instead of the contacts')
    .option('--notes', 'the live notes of the selected contacts instead of the contacts')
    .option('--excel', 'start the file with a UTF-8 byte order mark, so Excel reads accents right')
    .option('--raw', 'write cells exactly as stored (no formula guard)')
    .option('--format <format>', 'csv (default) or xlsx: a workbook with typed cells (text, numbers, dates)', oneOf(['csv', 'xlsx'] as const))
    .option('--workbook <file>', 'with --by-tag: one xlsx workbook with a sheet per tag instead of a file per tag'),
  async (opts) => {
    const form = formOf(opts, opts.json === true);
    formatOf(opts);
    const config = configOf(opts);
    return withApp(config, async (app) => {
      const { files, failed, removed, keptChanged } = await run(await app.mirror(), opts, form, config);
      if (opts.json) {
        printJson({
          files: files.map(fileJson), failed: failed.map((x) => ({ what: x.what, error: x.error.message })),
          ...(removed ? { removed } : {}), ...(keptChanged ? { keptChanged } : {}),
        });
      } else {
        // With --out - the CSV owns stdout: the summary goes to stderr.
        const out = opts.out === STDOUT ? process.stderr : process.stdout;
        for (const file of files) out.write(describeFile(file) + '\n');
        for (const r of removed ?? []) out.write(`${r.path}\tremoved: no contact has the tag ${JSON.stringify(r.tag)} now\n`);
      }
      for (const k of keptChanged ?? []) {
        writeErr(`warning: ${k.path} is of the tag ${JSON.stringify(k.tag)}, which no contact has now; it changed since it was exported, so it was left in place: delete it if it is not needed\n`);
      }
      for (const x of failed) writeErr(`ghl-etl export: segment "${x.what}": ${x.error.message}\n`);
      if (failed.length === 0) return EXIT.ok;
      return failed.every((x) => isUsageProblem(x.error)) ? EXIT.usage : EXIT.failed;
    }, { postgres: true });
  });
}
