// A small mirror with hostile values, written through the real migrations and the db layer's
// own upserts: commas, quotes, newlines, unicode, cells that would start formulas, phones with
// '+', tags differing only in case or punctuation, a soft-deleted contact.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  contactToRow, customFieldToRow, markContactDeletedById, noteToRow, openDatabase, replaceContactChildren, taskToRow,
  upsertContacts, upsertCustomFieldDefinitions, upsertLocation, type Db, type HighLevelContact,
} from '../../src/db/index.ts';
import { sqliteOf } from '../../src/db/connection.ts';
import { insertInboxLead } from '../../src/db/inbox.ts';
import { settleInboxLead } from '../../src/db/inbox-delivery.ts';
import { insertLeadLink } from '../../src/db/lead-links.ts';
import { enqueueOutbox } from '../../src/db/outbox.ts';
import { recordWebhookEvent } from '../../src/db/webhook-events.ts';

export const LOC = 'locA';
export const LOC_B = 'locB';

export const FIELDS = [
  { id: 'cf_budget', name: 'Budget', fieldKey: 'contact.budget', dataType: 'NUMERICAL' },
  { id: 'cf_colors', name: 'Colors', fieldKey: 'contact.colors', dataType: 'MULTIPLE_OPTIONS' },
  // A custom field whose very name is hostile: it becomes a CSV header.
  { id: 'cf_evil', name: '=Evil, "Header"', fieldKey: 'contact.evil', dataType: 'TEXT' },
];

const base = (id: string, over: Partial<HighLevelContact>): HighLevelContact => ({
  id,
  locationId: LOC,
  dnd: false,
  type: 'lead',
  dateAdded: '2026-01-10T09:00:00.000Z',
  dateUpdated: '2026-02-01T09:00:00.000Z',
  tags: [],
  customFields: [],
  ...over,
});

export const CONTACTS: HighLevelContact[] = [
  base('c01', {
    firstName: 'Ana, "la jefa"', lastName: 'Núñez\nSegunda línea', email: 'ana@example.com', phone: '+34 600 123 456',
    companyName: '=HYPERLINK("http://evil.example","x")', tags: ['vip', 'madrid'],
    customFields: [{ id: 'cf_budget', value: 1200 }, { id: 'cf_colors', value: ['red', 'blue, green'] }, { id: 'cf_evil', value: '@SUM(A1)' }],
    dateAdded: '2026-01-01T00:00:00.000Z', dateUpdated: '2026-03-15T12:00:00Z',
  }),
  base('c02', {
    firstName: '@SUM(1+1)', lastName: 'Plain', phone: '+34600000002', tags: ['vip'], businessId: 'biz1',
    customFields: [{ id: 'cf_budget', value: -12.5 }], dateAdded: '2026-01-31T23:59:59.999Z',
  }),
  base('c03', {
    firstName: '+cmd|calc', lastName: '-2+3', email: 'c03@example.com', city: '-12.5', tags: ['madrid', 'spam'],
    businessId: 'biz1', dateAdded: '2026-02-01T00:00:00.000Z',
  }),
  base('c04', {
    firstName: '\tTabbed', lastName: '\rCarriage', email: 'c04@example.com', phone: '+1 (555) 010-2000',
    tags: ['VIP', 'v.i.p', 'v i p'], dateAdded: '2026-02-15T10:00:00+01:00',
  }),
  base('c05', {
    firstName: 'Zoë 😀', lastName: '日本語', email: 'zoe@example.com', tags: ['ñandú', '../etc/passwd', 'con', 'a/b'],
    customFields: [{ id: 'cf_colors', value: ['rojo'] }],
  }),
  base('c06', { firstName: 'Nobody', lastName: 'Tagless', locationId: LOC_B, email: '', phone: '+34600000006' }),
  // Soft-deleted below: never exported, and purge's target.
  base('c07', {
    firstName: 'Gone', lastName: 'Person', email: 'gone@example.com', phone: '+34600000007', tags: ['vip', 'madrid'],
    customFields: [{ id: 'cf_budget', value: 5 }],
  }),
];

export interface Fixture {
  dir: string;
  dbPath: string;
  db: Db;
  cleanup(): void;
}

/** A fresh temp dir with the mirror seeded; `cleanup()` closes and removes it. */
export function seedExportFixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-export-'));
  const dbPath = join(dir, 'ghl.sqlite');
  const db = openDatabase(dbPath);
  for (const loc of [LOC, LOC_B]) upsertLocation(db, { id: loc, name: `Location ${loc}` });
  upsertCustomFieldDefinitions(db, LOC, FIELDS.map((f) => customFieldToRow({ ...f, locationId: LOC } as never, LOC)), null);
  upsertContacts(db, CONTACTS.map((c) => contactToRow(c, c.locationId ?? LOC)), 1);
  const children = (contactId: string, loc: string, tasks: object[], notes: object[]) =>
    replaceContactChildren(
      db, contactId,
      tasks.map((t) => taskToRow(t as never, contactId, loc)),
      notes.map((n) => noteToRow(n as never, contactId, loc)),
      1,
    );
  children('c01', LOC, [
    { id: 't1', title: 'Call, "urgently"\nthen email', dueDate: '2026-04-01T10:00:00.000Z', completed: false },
    { id: 't2', title: 'Earlier but done', dueDate: '2026-03-01T10:00:00.000Z', completed: true },
    { id: 't3', title: '=cmd()', dueDate: '2026-05-01T10:00:00.000Z', completed: false },
  ], [
    { id: 'n1', body: 'First note', dateAdded: '2026-01-05T10:00:00.000Z' },
    { id: 'n2', body: 'Newest note, with "quotes"', dateAdded: '2026-03-05T10:00:00.000Z' },
  ]);
  children('c02', LOC, [{ id: 't4', title: 'Undated', completed: false }], []);
  children('c07', LOC, [{ id: 't7', title: 'Secret task about Gone Person', completed: false }], [
    { id: 'n7', body: 'Gone Person told us a secret', dateAdded: '2026-01-02T00:00:00.000Z' },
  ]);
  markContactDeletedById(db, ['c07'], () => new Date('2026-03-01T00:00:00.000Z'));
  return {
    dir, dbPath, db,
    cleanup() {
      if (sqliteOf(db).open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An instant older than the default retention (90 days) before the tests' purge dates. */
export const OLD = (): Date => new Date('2025-01-01T00:00:00Z');

/**
 * The traces of the fixture's soft-deleted contact c07 beyond its own rows, which `purge` must
 * erase: an inbox lead with its LeadCars link, outbox calls, an operation's idempotency record,
 * a webhook payload; and an old finished inbox lead and webhook event of the live contact c01,
 * which retention removes.
 */
export function seedPurgeTraces(db: Db): void {
  const lead = JSON.stringify({ nombre: 'Gone', apellidos: 'Person', email: 'gone@example.com', telefono: '+34600000007' });
  const delivered = insertInboxLead(db, { dedupeKey: 'sha256:gone', payload: lead, leadId: '4242' });
  settleInboxLead(db, delivered.id, { status: 'delivered', contactId: 'c07', attempted: true });
  insertLeadLink(db, { contactId: 'c07', leadId: '4242', locationId: 'locA' });
  enqueueOutbox(db, { kind: 'leadcars.createLead', dedupeKey: 'create:c07', payload: { contactId: 'c07', locationId: 'locA', lead: JSON.parse(lead) } });
  enqueueOutbox(db, { kind: 'leadcars.comment', dedupeKey: 'comment:4242:note', payload: { leadId: 4242, text: 'Nota: call back' } });
  sqliteOf(db).prepare(`INSERT INTO op_idempotency (key, action, location_id, request, status, result, created_at) VALUES (?, 'createContact', 'locA', ?, 'done', ?, '2026-01-01T00:00:00Z')`)
    .run('k1', JSON.stringify({ email: 'gone@example.com', phone: '+34600000007' }), JSON.stringify({ id: 'c07' }));
  recordWebhookEvent(db, { webhookId: 'wh-gone', type: 'ContactUpdate', locationId: 'locA', payload: JSON.stringify({ type: 'ContactUpdate', id: 'c07', email: 'gone@example.com' }) });
  const oldDelivered = insertInboxLead(db, { dedupeKey: 'sha256:old', payload: '{"email":"ana@example.com"}', leadId: null }, OLD);
  settleInboxLead(db, oldDelivered.id, { status: 'delivered', contactId: 'c01', attempted: true });
  recordWebhookEvent(db, { webhookId: 'wh-old', type: 'ContactUpdate', locationId: 'locA', payload: '{"id":"c01"}' }, OLD);
}
