// Which export columns hold dates (written as date cells in an xlsx); every other cell is typed
// by its value (numbers from SQLite stay numbers, text stays text). Mirrors the column list of
// columns.ts: contacts_wide's date columns, the custom fields of type DATE, the activity dates.
import type { ExportKind } from '../db/exports.ts';
import type { Mirror } from '../db/mirror.ts';
import type { XlsxColumnKind } from './xlsx-cell.ts';

const CONTACT_DATES = new Set(['date_of_birth', 'date_added', 'date_updated', 'synced_at']);
// Activity columns keep their name, or take a _2, _3... suffix when a custom field has it (columns.ts).
const ACTIVITY_DATE = /^(next_task_due|last_note_at)(_\d+)?$/;
const DATES: Record<Exclude<ExportKind, 'contacts'>, ReadonlySet<string>> = {
  tasks: new Set(['due_date']),
  notes: new Set(['date_added']),
};

/** The kind of each of `header`'s columns, for an export of `kind`. */
export async function xlsxColumnKinds(db: Pick<Mirror, 'contactsWideCustomColumns'>, kind: ExportKind, header: string[]): Promise<XlsxColumnKind[]> {
  if (kind !== 'contacts') return header.map((name) => (DATES[kind].has(name) ? 'date' : 'value'));
  const custom = new Map((await db.contactsWideCustomColumns()).map((c) => [c.column, c.kind]));
  return header.map((name) => {
    const customKind = custom.get(name);
    if (customKind !== undefined) return customKind === 'date' ? 'date' : 'value';
    return CONTACT_DATES.has(name) || ACTIVITY_DATE.test(name) ? 'date' : 'value';
  });
}
