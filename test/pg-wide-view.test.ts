// contacts_wide on PostgreSQL follows every location's custom field definitions when many
// processes change them at once (workers running first syncs): the rebuilds are shared, none is
// lost, and a change whose rebuild never ran (the process ended in between) is rebuilt on the next
// open of the database.
import { afterEach, describe, expect, it } from 'vitest';
import type { Mirror } from '../src/db/mirror.ts';
import { openMirror } from '../src/db/open-mirror.ts';
import { customFieldToRow } from '../src/db/rows.ts';
import { adminQuery, createTestDatabase, usePostgres } from './helpers/postgres.ts';

const cluster = usePostgres();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function mirror(url: string): Promise<Mirror> {
  const m = await openMirror(url);
  cleanups.push(() => m.close());
  return m;
}

const wideColumns = async (url: string) =>
  (await adminQuery<{ column_name: string }>(url, `SELECT column_name FROM information_schema.columns WHERE table_name = 'contacts_wide' ORDER BY ordinal_position`))
    .map((r) => r.column_name);

describe('contacts_wide on PostgreSQL', () => {
  it('eight processes changing their locations\' custom fields at once: the view has every location\'s column, no rebuild left owed', async () => {
    const url = await createTestDatabase(cluster());
    const mirrors = await Promise.all(Array.from({ length: 8 }, () => mirror(url)));
    await Promise.all(mirrors.map(async (m, i) => {
      const loc = `loc-${i}`;
      await m.upsertLocation({ id: loc, name: `Location ${i}` }, null);
      const changed = await m.upsertCustomFieldDefinitions(loc, [customFieldToRow({ id: `cf-${i}`, name: `Campo ${i}`, fieldKey: `contact.campo_${i}`, dataType: 'TEXT' }, loc)], null);
      expect(changed).toBe(true);
    }));
    const columns = await wideColumns(url);
    for (let i = 0; i < 8; i++) expect(columns).toContain(`Campo ${i}`);
    const owed = await adminQuery<{ n: number }>(url, `SELECT count(*)::int AS n FROM sync_state WHERE key = 'contacts_wide.pending'`);
    expect(owed[0]!.n).toBe(0);
    // Unchanged definitions ask for nothing.
    expect(await mirrors[0]!.upsertCustomFieldDefinitions('loc-0', [customFieldToRow({ id: 'cf-0', name: 'Campo 0', fieldKey: 'contact.campo_0', dataType: 'TEXT' }, 'loc-0')], null)).toBe(false);
  }, 60_000);

  it('a definitions change whose rebuild never ran is rebuilt when the database is next opened', async () => {
    const url = await createTestDatabase(cluster());
    const first = await mirror(url);
    await first.upsertLocation({ id: 'loc-x', name: 'X' }, null);
    // What a process killed between its commit and the rebuild leaves: the field, and the request.
    await adminQuery(url, `INSERT INTO custom_fields (id, location_id, name, field_key, data_type, raw, synced_at) VALUES ('cf-late', 'loc-x', 'Llegó tarde', 'contact.late', 'TEXT', '{}', now())`);
    await adminQuery(url, `INSERT INTO sync_state (location_id, key, value, updated_at) VALUES ('loc-x', 'contacts_wide.pending', 'killed', now())`);
    expect(await wideColumns(url)).not.toContain('Llegó tarde');
    await mirror(url);
    expect(await wideColumns(url)).toContain('Llegó tarde');
    const owed = await adminQuery<{ n: number }>(url, `SELECT count(*)::int AS n FROM sync_state WHERE key = 'contacts_wide.pending'`);
    expect(owed[0]!.n).toBe(0);
  }, 60_000);
});
