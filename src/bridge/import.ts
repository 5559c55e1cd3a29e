// `ghl-etl leads import FILE`: leads from a CSV (a header row of LeadCars field names, comma- or
// semicolon-separated; custom values in `custom.<key>` columns) or a JSON file (an array of
// leads, or `{"leads": [...]}`), in UTF-8, UTF-16 or windows-1252, or standard input (`-`),
// each validated as `POST /leads` validates it and stored in the inbox the same way, so a file
// imported twice adds nothing and every lead goes through the one delivery.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import { ConfigError } from '../config/errors.ts';
import type { Clock } from '../db/clock.ts';
import type { Mirror } from '../db/mirror.ts';
import type { Db } from '../db/open.ts';
import { mirrorOf } from '../db/sqlite-mirror.ts';
import { intakeLeadSchema, leadDedupeKey, leadPayload, parseIntakeLead } from './lead.ts';

export interface ImportSummary {
  read: number;
  /** Stored in the inbox for delivery. */
  accepted: number;
  /** Already in the inbox (the same lead imported or posted before). */
  duplicates: number;
  /**
   * Leads refused, with the reasons: `line` in a CSV file (a row that could not even be read has
   * only a line), `record` (1-based) among the file's records.
   */
  invalid: Array<{ record?: number; line?: number; reasons: string[] }>;
  /** Inbox ids of the leads of this file (new and already known). */
  inboxIds: number[];
}

/** A lead file read: its records, the CSV line each starts on, and the rows that could not be read. */
export interface LeadFile {
  records: Array<Record<string, unknown>>;
  /** For a CSV: the line each record starts on. */
  lines?: number[];
  /** CSV rows that could not be read at all (a wrong number of cells, an unclosed quote). */
  unreadable: Array<{ line: number; reasons: string[] }>;
  /** The text encoding the file was read in. */
  encoding: string;
}

/** Encodings `--encoding` takes, by the names users write. */
const ENCODINGS: Record<string, string> = {
  'utf-8': 'utf-8', utf8: 'utf-8', 'windows-1252': 'windows-1252', cp1252: 'windows-1252', 'latin-1': 'windows-1252',
  latin1: 'windows-1252', 'iso-8859-1': 'windows-1252', 'iso-8859-15': 'iso-8859-15', 'utf-16le': 'utf-16le', 'utf-16': 'utf-16le',
};

/** The encoding `--encoding NAME` names; ConfigError (exit 2) listing the choices otherwise. */
export function leadFileEncoding(name: string): string {
  const encoding = ENCODINGS[name.trim().toLowerCase()];
  if (!encoding) throw new ConfigError(`--encoding takes utf-8, windows-1252 (what Spanish Excel writes; also latin1), iso-8859-15 or utf-16le, not "${name}"`);
  return encoding;
}

/** The 1-based line of byte `offset` of `bytes`. */
function lineOf(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < bytes.length; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** C1 control characters: what bytes of another encoding become when read as windows-1252. */
const C1_CONTROL = /[\u0080-\u009f\u0000]/;

/**
 * The file's text. Given no encoding, UTF-8 (with or without BOM) or UTF-16 with its BOM is
 * taken as such, and anything else that is not valid UTF-8 is read as windows-1252 (what Excel
 * saves on a Spanish Windows: "José" would otherwise become "Jos\uFFFD"). Text that does not
 * decode in the encoding is refused, naming the line, rather than imported garbled.
 */
function decode(bytes: Buffer, source: string, asked: string | undefined): { text: string; encoding: string } {
  if (asked === undefined && bytes[0] === 0xff && bytes[1] === 0xfe) return decode(bytes, source, 'utf-16le');
  const encoding = asked ?? 'utf-8';
  try {
    const text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
    const control = C1_CONTROL.exec(text);
    if (control && encoding !== 'utf-8') {
      throw new ConfigError(`${source} does not read as ${encoding} (a control character on line ${text.slice(0, control.index).split('\n').length}): pass the file's encoding with --encoding`);
    }
    return { text: text.replace(/^\uFEFF/, ''), encoding };
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    if (asked === undefined) return decode(bytes, source, 'windows-1252');
    const bad = firstInvalidUtf8(bytes);
    throw new ConfigError(`${source} is not valid ${encoding}${bad === undefined ? '' : ` (line ${lineOf(bytes, bad)})`}: save it as UTF-8, or pass its encoding with --encoding (e.g. windows-1252)`);
  }
}

/** Offset of the first byte that breaks UTF-8, if any. */
function firstInvalidUtf8(bytes: Buffer): number | undefined {
  let lo = 0;
  let hi = bytes.length;
  const valid = (n: number) => { try { new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n)); return true; } catch { return false; } };
  if (valid(hi)) return undefined;
  // The longest valid prefix (a prefix cut inside a character reads as invalid too: close enough for a line number).
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (valid(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The CSV's delimiter, from its header row: semicolons (Spanish Excel) or commas. */
function delimiterOf(text: string): ';' | ',' {
  const header = text.slice(0, text.search(/\r?\n|$/));
  return (header.match(/;/g)?.length ?? 0) > (header.match(/,/g)?.length ?? 0) ? ';' : ',';
}

/**
 * The records of a CSV or JSON file (`-`: standard input), as objects of field name to value. A
 * CSV row that cannot be read is set aside with its line, the others still read.
 */
export function readLeadFile(path: string, options: { encoding?: string } = {}): LeadFile {
  const source = path === '-' ? 'standard input' : path;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path === '-' ? 0 : path);
  } catch (err) {
    throw new ConfigError(`cannot read ${source} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): check the path`);
  }
  const { text, encoding } = decode(bytes, source, options.encoding === undefined ? undefined : leadFileEncoding(options.encoding));
  const json = (path !== '-' && extname(path).toLowerCase() === '.json') || /^\s*[[{]/.test(text);
  if (json) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`${source} is not valid JSON (${(err as Error).message}): fix the file`);
    }
    const list = Array.isArray(data) ? data : (data as { leads?: unknown })?.leads;
    if (!Array.isArray(list)) throw new ConfigError(`${source}: expected an array of leads or {"leads": [...]}`);
    return { records: list as Array<Record<string, unknown>>, unreadable: [], encoding };
  }
  const delimiter = delimiterOf(text);
  const unreadable: LeadFile['unreadable'] = [];
  let rows: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    rows = parse(text, {
      columns: true, skip_empty_lines: true, trim: true, bom: true, delimiter, info: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        if (err) unreadable.push({ line: (err as { lines?: number }).lines ?? 0, reasons: [err.message.replace(/ on line \d+$/, '')] });
        return undefined;
      },
    }) as Array<{ record: Record<string, string>; info: { lines: number } }>;
  } catch (err) {
    throw new ConfigError(`${source} is not a valid CSV (${(err as Error).message}): fix the file`);
  }
  const known = new Set(Object.keys(intakeLeadSchema.shape));
  const header = rows[0] ? Object.keys(rows[0].record) : [];
  if (rows.length > 0 && !header.some((column) => known.has(column) || column.startsWith('custom.'))) {
    throw new ConfigError(
      `${source}: the header row names no LeadCars field (got ${JSON.stringify(header.join(delimiter)).slice(0, 80)}): ` +
        'the first row must be field names such as nombre,apellidos,email,telefono,concesionario,tipo_lead (comma- or semicolon-separated)',
    );
  }
  return { records: rows.map((r) => csvRecord(r.record)), lines: rows.map((r) => r.info.lines), unreadable, encoding };
}

/** Empty cells are absent fields; `custom.<key>` columns become the custom object. */
function csvRecord(row: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const custom: Record<string, string> = {};
  for (const [column, value] of Object.entries(row)) {
    if (value === '') continue;
    if (column.startsWith('custom.')) custom[column.slice('custom.'.length)] = value;
    else out[column] = value;
  }
  if (Object.keys(custom).length > 0) out.custom = custom;
  return out;
}

/**
 * Stores each valid lead in the inbox (the good ones whatever the bad ones); the invalid are
 * listed with their record number (and `lines[i]`, a CSV's line, when given).
 */
export async function importLeads(
  db: Db | Mirror, records: Array<Record<string, unknown>>, options: { phoneCountry?: string; clock?: Clock; lines?: number[] } = {},
): Promise<ImportSummary> {
  const { clock } = options;
  const { bridge } = mirrorOf(db);
  const summary: ImportSummary = { read: records.length, accepted: 0, duplicates: 0, invalid: [], inboxIds: [] };
  for (const [i, record] of records.entries()) {
    const parsed = parseIntakeLead(record, { phoneCountry: options.phoneCountry ?? 'ES' });
    if (!parsed.ok) {
      const line = options.lines?.[i];
      summary.invalid.push({ record: i + 1, ...(line !== undefined ? { line } : {}), reasons: parsed.reasons });
      continue;
    }
    const stored = await bridge.insertInboxLead({ dedupeKey: leadDedupeKey(parsed.lead), payload: leadPayload(parsed.lead), leadId: parsed.lead.id_lead ?? null }, clock);
    summary.inboxIds.push(stored.id);
    if (stored.created) summary.accepted++;
    else summary.duplicates++;
  }
  return summary;
}
