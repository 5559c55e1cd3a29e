// Compares a mirror database with the sandbox's ground truth (`GET /__sandbox/state`), field by
// field. Returns human-readable differences (empty when equal) so a failing test says what is
// wrong, not just that something is.
import Database from 'better-sqlite3';
import type { SandboxContact, SandboxCustomField, SandboxNote, SandboxTask } from '../../src/sandbox/types.ts';

export interface Truth {
  contacts: SandboxContact[];
  tasks: SandboxTask[];
  notes: SandboxNote[];
  customFields: SandboxCustomField[];
}

export async function fetchTruth(sandboxUrl: string, locationId?: string): Promise<Truth> {
  const url = new URL('/__sandbox/state', sandboxUrl);
  if (locationId) url.searchParams.set('locationId', locationId);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url.pathname}: ${res.status}`);
  return (await res.json()) as Truth;
}

export interface CompareOptions {
  /** Only these locations are compared (default: every location in the truth). */
  locationIds?: string[];
  /** Compare tasks and notes only for these contacts (default: all). */
  childrenOf?: Set<string>;
  /** Skip tasks and notes entirely. */
  skipChildren?: boolean;
  /** The answers departed from the truth's shape (a sandbox with quirks): `raw` keeps them, so it is not compared. */
  rawDeparts?: boolean;
  /** Stop after this many differences (default 20). */
  limit?: number;
}

type Row = Record<string, unknown>;

const CONTACT_COLUMNS: Array<[column: string, field: keyof SandboxContact]> = [
  ['location_id', 'locationId'], ['first_name', 'firstName'], ['last_name', 'lastName'], ['email', 'email'],
  ['phone', 'phone'], ['company_name', 'companyName'], ['business_id', 'businessId'], ['source', 'source'],
  ['type', 'type'], ['assigned_to', 'assignedTo'], ['address1', 'address1'], ['city', 'city'], ['state', 'state'],
  ['postal_code', 'postalCode'], ['country', 'country'], ['timezone', 'timezone'], ['date_of_birth', 'dateOfBirth'],
  ['date_added', 'dateAdded'], ['date_updated', 'dateUpdated'],
];

function norm(v: unknown): unknown {
  return v === undefined ? null : v;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Key order does not matter in JSON objects; array order does. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Row)[k])]));
  }
  return norm(v);
}

/** A stored custom value back to the JSON value HighLevel returned. */
export function storedCustomValue(value: unknown, valueType: unknown): unknown {
  if (value === null) return null;
  switch (valueType) {
    case 'list': return JSON.parse(String(value)) as unknown;
    case 'number': return Number(value);
    case 'boolean': return value === 'true' || value === '1';
    default: return value;
  }
}

export function compareWithTruth(dbPath: string, truth: Truth, opts: CompareOptions = {}): string[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return compare(db, truth, opts);
  } finally {
    db.close();
  }
}

function compare(db: Database.Database, truth: Truth, opts: CompareOptions): string[] {
  const diffs: string[] = [];
  const limit = opts.limit ?? 20;
  const add = (d: string) => {
    if (diffs.length < limit) diffs.push(d);
  };
  const locations = opts.locationIds ?? [...new Set(truth.contacts.map((c) => c.locationId))];
  const inScope = (locationId: string) => locations.includes(locationId);
  const placeholders = locations.map(() => '?').join(',') || "''";

  // Contacts, field by field, and no extra live ones.
  const rows = db.prepare(`SELECT * FROM contacts WHERE location_id IN (${placeholders}) AND deleted_at IS NULL`).all(...locations) as Row[];
  const byId = new Map(rows.map((r) => [String(r.id), r]));
  const truthContacts = truth.contacts.filter((c) => inScope(c.locationId));
  const contactLocation = new Map(truthContacts.map((c) => [c.id, c.locationId]));
  for (const c of truthContacts) {
    const row = byId.get(c.id);
    if (!row) {
      add(`contact ${c.id} missing (or marked deleted)`);
      continue;
    }
    for (const [column, field] of CONTACT_COLUMNS) {
      if (!same(row[column], c[field])) add(`contact ${c.id} ${column}: db ${JSON.stringify(row[column])} != truth ${JSON.stringify(c[field])}`);
    }
    if (row.dnd !== (c.dnd ? 1 : 0)) add(`contact ${c.id} dnd: db ${String(row.dnd)} != truth ${c.dnd}`);
    const raw = JSON.parse(String(row.raw)) as Row;
    if (!opts.rawDeparts && !same(raw, c)) add(`contact ${c.id} raw differs: db ${JSON.stringify(canonical(raw))} != truth ${JSON.stringify(canonical(c))}`);
  }
  for (const row of rows) if (!contactLocation.has(String(row.id))) add(`contact ${String(row.id)} live in db but gone from HighLevel`);
  const countAll = db.prepare(`SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS d FROM contacts`).get() as { n: number; d: number };
  if (countAll.n !== countAll.d) add(`contacts has duplicate ids: ${countAll.n} rows, ${countAll.d} distinct`);

  // Tags and custom values of live contacts.
  const tagRows = db.prepare(
    `SELECT t.contact_id, t.tag FROM contact_tags t JOIN contacts c ON c.id = t.contact_id
     WHERE c.location_id IN (${placeholders}) AND c.deleted_at IS NULL ORDER BY t.contact_id, t.tag`,
  ).all(...locations) as Array<{ contact_id: string; tag: string }>;
  const tagsOf = new Map<string, string[]>();
  for (const t of tagRows) tagsOf.set(t.contact_id, [...(tagsOf.get(t.contact_id) ?? []), t.tag]);
  const valueRows = db.prepare(
    `SELECT v.contact_id, v.field_id, v.value, v.value_type FROM contact_custom_fields v JOIN contacts c ON c.id = v.contact_id
     WHERE c.location_id IN (${placeholders}) AND c.deleted_at IS NULL`,
  ).all(...locations) as Array<{ contact_id: string; field_id: string; value: unknown; value_type: unknown }>;
  const valuesOf = new Map<string, Map<string, unknown>>();
  for (const v of valueRows) {
    const m = valuesOf.get(v.contact_id) ?? new Map<string, unknown>();
    m.set(v.field_id, storedCustomValue(v.value, v.value_type));
    valuesOf.set(v.contact_id, m);
  }
  for (const c of truthContacts) {
    if (!byId.has(c.id)) continue;
    const want = [...new Set(c.tags)].sort();
    const got = (tagsOf.get(c.id) ?? []).slice().sort();
    if (!same(got, want)) add(`contact ${c.id} tags: db ${JSON.stringify(got)} != truth ${JSON.stringify(want)}`);
    const gotValues = valuesOf.get(c.id) ?? new Map<string, unknown>();
    const wantValues = new Map(c.customFields.map((f) => [f.id, f.value] as const));
    for (const [fieldId, value] of wantValues) {
      if (!same(gotValues.get(fieldId), value)) add(`contact ${c.id} custom field ${fieldId}: db ${JSON.stringify(gotValues.get(fieldId))} != truth ${JSON.stringify(value)}`);
    }
    for (const fieldId of gotValues.keys()) if (!wantValues.has(fieldId)) add(`contact ${c.id} custom field ${fieldId} in db but not in truth`);
  }

  // Custom field definitions.
  const defRows = db.prepare(`SELECT * FROM custom_fields WHERE location_id IN (${placeholders}) AND deleted_at IS NULL`).all(...locations) as Row[];
  const defs = new Map(defRows.map((r) => [String(r.id), r]));
  const truthDefs = truth.customFields.filter((f) => inScope(f.locationId));
  for (const f of truthDefs) {
    const row = defs.get(f.id);
    if (!row) add(`custom field ${f.id} missing`);
    else if (row.name !== f.name || row.field_key !== f.fieldKey || row.data_type !== f.dataType) add(`custom field ${f.id} differs`);
  }
  if (defRows.length !== truthDefs.length) add(`custom fields: db ${defRows.length} live != truth ${truthDefs.length}`);

  if (!opts.skipChildren) {
    const wanted = (contactId: string) => contactLocation.has(contactId) && (!opts.childrenOf || opts.childrenOf.has(contactId));
    compareChildren(db, 'tasks', truth.tasks.filter((t) => wanted(t.contactId)), wanted, placeholders, locations, add, (_row, t) => [
      ['contact_id', t.contactId], ['title', t.title], ['body', t.body], ['due_date', t.dueDate],
      ['completed', t.completed ? 1 : 0], ['assigned_to', t.assignedTo],
    ]);
    compareChildren(db, 'notes', truth.notes.filter((n) => wanted(n.contactId)), wanted, placeholders, locations, add, (_row, n) => [
      ['contact_id', n.contactId], ['body', n.body], ['user_id', n.userId], ['date_added', n.dateAdded],
    ]);
  }
  return diffs;
}

function compareChildren<T extends { id: string; contactId: string }>(
  db: Database.Database,
  table: 'tasks' | 'notes',
  truthRows: T[],
  wanted: (contactId: string) => boolean,
  placeholders: string,
  locations: string[],
  add: (d: string) => void,
  fields: (row: Row, t: T) => Array<[string, unknown]>,
): void {
  const rows = (db.prepare(`SELECT * FROM ${table} WHERE location_id IN (${placeholders}) AND deleted_at IS NULL`).all(...locations) as Row[])
    .filter((r) => wanted(String(r.contact_id)));
  const byId = new Map(rows.map((r) => [String(r.id), r]));
  const truthIds = new Set(truthRows.map((t) => t.id));
  for (const t of truthRows) {
    const row = byId.get(t.id);
    if (!row) {
      add(`${table} ${t.id} (contact ${t.contactId}) missing`);
      continue;
    }
    for (const [column, value] of fields(row, t)) {
      if (!same(row[column], value)) add(`${table} ${t.id} ${column}: db ${JSON.stringify(row[column])} != truth ${JSON.stringify(value)}`);
    }
  }
  for (const row of rows) if (!truthIds.has(String(row.id))) add(`${table} ${String(row.id)} live in db but gone from HighLevel`);
}
