// segmentPreview of src/db/segment-reads.ts on PostgreSQL: the export's own selection
// (segmentWhere of pg/export-rows.ts over contacts_wide), so the count is the number of rows
// `export` writes for the rule on this engine too; the first contacts in byte order of id.
import type pg from 'pg';
import type { SegmentRule } from '../export-rows.ts';
import type { ContactSummary } from '../mcp-reads.ts';
import type { SegmentPreview } from '../segment-reads.ts';
import { segmentWhere, type Where } from './export-rows.ts';

/** The summary columns of contacts `c`, tags as a text[] in byte order (mcp-reads.ts: ContactSummary). */
export const CONTACT_SUMMARY_COLUMNS = `c.id, c.location_id AS "locationId", c.first_name AS "firstName", c.last_name AS "lastName", c.email, c.phone,
  c.company_name AS "companyName", c.date_updated AS "dateUpdated",
  ARRAY(SELECT tag FROM contact_tags WHERE contact_id = c.id ORDER BY tag COLLATE "C") AS tags`;

export async function segmentPreviewPg(q: pg.Pool | pg.ClientBase, rule: SegmentRule, limit: number): Promise<SegmentPreview> {
  const where: Where = { sql: 'TRUE', params: [] };
  segmentWhere(rule, 'w', where);
  const [{ count }] = (await q.query<{ count: number }>(`SELECT count(*) AS count FROM contacts_wide w WHERE ${where.sql}`, where.params)).rows as [{ count: number }];
  const contacts = (await q.query<ContactSummary>(
    `SELECT ${CONTACT_SUMMARY_COLUMNS} FROM contacts_wide w JOIN contacts c ON c.id = w.id WHERE ${where.sql}
     ORDER BY w.id COLLATE "C" LIMIT $${where.params.length + 1}`,
    [...where.params, limit],
  )).rows;
  return { count, contacts };
}
