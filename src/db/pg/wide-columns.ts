// contactsWideCustomColumns of views.ts on PostgreSQL: contacts_wide's custom columns as the
// live definitions plan them (the xlsx exports' date columns).
import type pg from 'pg';
import { planContactsWideColumns, type FieldDefinition, type WideColumn } from '../views.ts';

export async function contactsWideCustomColumnsPg(q: pg.Pool | pg.ClientBase): Promise<WideColumn[]> {
  const defs = (await q.query<FieldDefinition>(
    `SELECT id, name, field_key AS "fieldKey", data_type AS "dataType" FROM custom_fields WHERE deleted_at IS NULL`,
  )).rows;
  return planContactsWideColumns(defs);
}
