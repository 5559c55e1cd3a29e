// A segment's contacts as the MCP face previews them: how many, and the first ones as summaries.
// The selection is the export's own (segmentWhere over contacts_wide, src/db/export-rows.ts), so
// the count is the number of rows `export` writes for the same rule.
import { sqliteOf, type Db } from './connection.ts';
import { segmentWhere, type SegmentRule } from './export-rows.ts';
import type { ContactSummary } from './mcp-reads.ts';

export interface SegmentPreview {
  count: number;
  contacts: ContactSummary[];
}

/** The rule's live contacts: their number and the first `limit` by id. The rule is already checked. */
export function segmentPreview(db: Db, rule: SegmentRule, limit: number): SegmentPreview {
  const where = segmentWhere(rule, 'w');
  const conn = sqliteOf(db);
  const { count } = conn.prepare(`SELECT COUNT(*) AS count FROM contacts_wide w WHERE ${where.sql}`).get(...where.params) as { count: number };
  const rows = conn.prepare(
    `SELECT c.id, c.location_id AS locationId, c.first_name AS firstName, c.last_name AS lastName, c.email, c.phone,
       c.company_name AS companyName, c.date_updated AS dateUpdated,
       (SELECT json_group_array(tag) FROM (SELECT tag FROM contact_tags WHERE contact_id = c.id ORDER BY tag)) AS tags
     FROM contacts_wide w JOIN contacts c ON c.id = w.id WHERE ${where.sql} ORDER BY w.id LIMIT ?`,
  ).all(...where.params, limit) as Array<Omit<ContactSummary, 'tags'> & { tags: string }>;
  return { count, contacts: rows.map((r) => ({ ...r, tags: JSON.parse(r.tags) as string[] })) };
}
