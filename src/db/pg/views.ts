// contacts_wide on PostgreSQL: the same columns, in the same order, as SQLite's (src/db/views.ts
// plans them from the custom field definitions; only the SQL that reads a value differs).
import type pg from 'pg';
import { planContactsWideColumns, wideViewSql, type FieldDefinition, type WideColumn, type WideColumnKind } from '../views.ts';

/** A decimal number as SQLite's CAST(... AS NUMERIC) reads one; anything else reads NULL, not an error. */
const NUMBER_PATTERN = `'^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$'`;

/**
 * How a stored value (text, see contact_custom_fields.value_type) reads in each kind of column,
 * as on SQLite: numbers numeric, dates as ISO text (a number is epoch milliseconds), lists as
 * "a | b".
 */
const VALUE_AS: Record<WideColumnKind, string> = {
  number:
    `CASE WHEN (v.value_type = 'number' OR v.value_type = 'string') AND trim(v.value) ~ ${NUMBER_PATTERN} ` +
    `THEN CAST(trim(v.value) AS numeric) END`,
  date:
    `CASE WHEN v.value_type = 'number' AND trim(v.value) ~ ${NUMBER_PATTERN} ` +
    `THEN to_char(to_timestamp(CAST(trim(v.value) AS double precision) / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') ` +
    `ELSE v.value END`,
  text:
    `CASE WHEN v.value_type = 'list' THEN (SELECT string_agg(j.value, ' | ' ORDER BY j.n) ` +
    `FROM jsonb_array_elements_text(CAST(v.value AS jsonb)) WITH ORDINALITY AS j(value, n)) ELSE v.value END`,
};

/** PostgreSQL's CREATE VIEW statement for the given columns (pure). */
export function contactsWideViewSql(columns: WideColumn[]): string {
  return wideViewSql(columns, {
    valueAs: VALUE_AS,
    // Byte order (COLLATE "C"), as SQLite sorts text: the same tags cell on both engines.
    tags: `  (SELECT string_agg(t.tag, ' | ' ORDER BY t.tag COLLATE "C") FROM contact_tags t WHERE t.contact_id = c.id) AS tags`,
  });
}

/** Drops and recreates contacts_wide from the live custom field definitions; call inside a transaction. */
export async function replaceContactsWideView(client: pg.ClientBase | pg.Pool): Promise<WideColumn[]> {
  const defs = (await client.query<FieldDefinition>(
    `SELECT id, name, field_key AS "fieldKey", data_type AS "dataType" FROM custom_fields WHERE deleted_at IS NULL`,
  )).rows;
  const columns = planContactsWideColumns(defs);
  await client.query('DROP VIEW IF EXISTS contacts_wide');
  await client.query(contactsWideViewSql(columns));
  return columns;
}

/** Drops and recreates contacts_wide from the live custom field definitions, in one transaction. */
export async function rebuildContactsWideView(client: pg.ClientBase): Promise<WideColumn[]> {
  await client.query('BEGIN');
  try {
    const columns = await replaceContactsWideView(client);
    await client.query('COMMIT');
    return columns;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
