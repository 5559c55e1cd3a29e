// `ghl-etl leads import FILE`: leads from a CSV (a header row of LeadCars field names; custom
// values in `custom.<key>` columns) or a JSON file (an array of leads, or `{"leads": [...]}`),
// each validated as `POST /leads` validates it and stored in the inbox the same way, so a file
// imported twice adds nothing and every lead goes through the one delivery.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import { ConfigError } from '../config/errors.ts';
import type { Clock } from '../db/clock.ts';
import { insertInboxLead } from '../db/inbox.ts';
import type { Db } from '../db/open.ts';
import { leadDedupeKey, leadPayload, parseIntakeLead } from './lead.ts';

export interface ImportSummary {
  read: number;
  /** Stored in the inbox for delivery. */
  accepted: number;
  /** Already in the inbox (the same lead imported or posted before). */
  duplicates: number;
  /** Leads refused, with the 1-based record number and the reasons. */
  invalid: Array<{ record: number; reasons: string[] }>;
  /** Inbox ids of the leads of this file (new and already known). */
  inboxIds: number[];
}

/** The records of a CSV or JSON file, as objects of field name to value. */
export function readLeadFile(path: string): Array<Record<string, unknown>> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): check the path`);
  }
  const json = extname(path).toLowerCase() === '.json' || /^\s*[[{]/.test(text);
  if (json) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`${path} is not valid JSON (${(err as Error).message}): fix the file`);
    }
    const list = Array.isArray(data) ? data : (data as { leads?: unknown })?.leads;
    if (!Array.isArray(list)) throw new ConfigError(`${path}: expected an array of leads or {"leads": [...]}`);
    return list as Array<Record<string, unknown>>;
  }
  let rows: Array<Record<string, string>>;
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (err) {
    throw new ConfigError(`${path} is not a valid CSV (${(err as Error).message}): fix the file`);
  }
  return rows.map(csvRecord);
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

export function importLeads(db: Db, records: Array<Record<string, unknown>>, clock?: Clock): ImportSummary {
  const summary: ImportSummary = { read: records.length, accepted: 0, duplicates: 0, invalid: [], inboxIds: [] };
  records.forEach((record, i) => {
    const parsed = parseIntakeLead(record);
    if (!parsed.ok) {
      summary.invalid.push({ record: i + 1, reasons: parsed.reasons });
      return;
    }
    const stored = insertInboxLead(db, { dedupeKey: leadDedupeKey(parsed.lead), payload: leadPayload(parsed.lead), leadId: parsed.lead.id_lead ?? null }, clock);
    summary.inboxIds.push(stored.id);
    if (stored.created) summary.accepted++;
    else summary.duplicates++;
  });
  return summary;
}
