// A contact's tags (`contact_tags`) and custom values (`contact_custom_fields`): replaced as a
// whole whenever the contact row is rewritten. A brand-new contact has none yet, so its rows
// are plain INSERTs with nothing to delete first.
import type { Db } from './open.ts';
import type { ContactRow } from './rows.ts';
import { prepared } from './statements.ts';

/** Writes the contact's tags and custom values; `existing` clears the old ones first. Call inside a transaction. */
export function writeTagsAndValues(db: Db, row: ContactRow, existing: boolean): void {
  if (existing) {
    prepared(db, `DELETE FROM contact_tags WHERE contact_id = ?`).run(row.id);
    prepared(db, `DELETE FROM contact_custom_fields WHERE contact_id = ?`).run(row.id);
  }
  // contactToRow de-duplicates tags and field ids, so plain INSERTs cannot collide.
  if (row.tags.length > 0) {
    const insertTag = prepared(db, `INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?)`);
    for (const tag of row.tags) insertTag.run(row.id, tag);
  }
  if (row.customValues.length > 0) {
    const insertValue = prepared(db, `INSERT INTO contact_custom_fields (contact_id, field_id, value, value_type) VALUES (?, ?, ?, ?)`);
    for (const v of row.customValues) insertValue.run(row.id, v.fieldId, v.value, v.valueType);
  }
}
