// Lost answers: with faults (connections dropped and 502s after the sandbox committed the write,
// 500/503 before it), creates are resolved by looking the record up before any retry, so they
// never duplicate; a delete whose retry finds nothing left has succeeded.
import pLimit from 'p-limit';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { startIdempotencyKey } from '../src/db/write-through.ts';
import { setLogLevel } from '../src/log.ts';
import { createContact, createNote, createTask, deleteContact, deleteTask } from '../src/ops/index.ts';
import { losingProxy } from './helpers/losing-proxy.ts';
import { opsFixture, type OpsFixture } from './helpers/ops.ts';
import { sandboxState } from './helpers/sandbox.ts';
import { sqliteOf } from '../src/db/connection.ts';

setLogLevel('error');

let f: OpsFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('no duplicates when answers are lost', () => {
  it('faults at 10% on a location that allows duplicates: 200 contact creates make 200 contacts, 200 task creates 200 tasks', async () => {
    // Every fourth location allows duplicate contacts (src/sandbox/seed.ts): the fourth here.
    f = await opsFixture({ locations: 4, contacts: 4, faults: 0.1, faultSeed: 7, slowMs: 30 });
    const index = 3;
    const ctx = f.ctx(index);
    expect(f.sandbox.store.location(ctx.locationId)!.allowDuplicateContact).toBe(true);
    await f.sync(index);
    const limit = pLimit(8);

    const contacts = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      limit(() => createContact(ctx, { email: `fault.${i}@example.com`, firstName: `F${i}` }))));
    const tasks = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      limit(() => createTask(ctx, contacts[i % 10]!.contact.id, { title: `Fault task ${i}`, dueDate: '2026-12-01T10:00:00Z' }))));

    const faults = f.sandbox.stats().faults;
    expect((faults.drop ?? 0) + (faults.http502 ?? 0)).toBeGreaterThan(0);
    expect(contacts.some((c) => c.recovered) || tasks.some((t) => t.recovered)).toBe(true);

    const state = await sandboxState(f.sandbox, ctx.locationId);
    const ours = state.contacts.filter((c) => c.email?.startsWith('fault.'));
    expect(ours).toHaveLength(200);
    expect(new Set(ours.map((c) => c.email)).size).toBe(200);
    const ourTasks = state.tasks.filter((t) => t.title.startsWith('Fault task '));
    expect(ourTasks).toHaveLength(200);
    expect(new Set(ourTasks.map((t) => t.title)).size).toBe(200);
    // The results name the records that exist, and the mirror holds each exactly once.
    expect(new Set(contacts.map((c) => c.contact.id))).toEqual(new Set(ours.map((c) => c.id)));
    expect(new Set(tasks.map((t) => t.task.id))).toEqual(new Set(ourTasks.map((t) => t.id)));
    const mirrored = sqliteOf(f.db).prepare(`SELECT count(*) AS n FROM contacts WHERE email LIKE 'fault.%' AND deleted_at IS NULL`).get() as { n: number };
    expect(mirrored.n).toBe(200);
    const mirroredTasks = sqliteOf(f.db).prepare(`SELECT count(*) AS n FROM tasks WHERE title LIKE 'Fault task %' AND deleted_at IS NULL`).get() as { n: number };
    expect(mirroredTasks.n).toBe(200);

    // Where duplicates are refused, a retried create would meet its own contact as a duplicate:
    // the lookup finds it first, so every create succeeds, once.
    const strict = f.ctx(0);
    await f.sync(0);
    const strictContacts = await Promise.all(Array.from({ length: 60 }, (_, i) =>
      limit(() => createContact(strict, { email: `strict.${i}@example.com` }))));
    const strictOurs = (await sandboxState(f.sandbox, strict.locationId)).contacts.filter((c) => c.email?.startsWith('strict.'));
    expect(strictOurs).toHaveLength(60);
    expect(new Set(strictContacts.map((c) => c.contact.id))).toEqual(new Set(strictOurs.map((c) => c.id)));
  });

  it('a create whose answer is lost is found, not repeated; a delete whose retry finds nothing left has succeeded', async () => {
    f = await opsFixture();
    await f.sync();
    const lose = await losingProxy(f.sandbox.url);
    onTestFinished(() => lose.close());
    const ctx = f.ctx(0, f.otherClient({ baseUrl: lose.url }));
    const contactId = (await sandboxState(f.sandbox, ctx.locationId)).contacts[0]!.id;

    lose.next('POST', '/contacts/');
    const contact = await createContact(ctx, { email: 'lost.answer@example.com' });
    expect(contact.recovered).toBe(true);
    lose.next('POST', `/contacts/${contactId}/tasks`);
    const task = await createTask(ctx, contactId, { title: 'Lost task', dueDate: '2026-12-03' });
    expect(task.recovered).toBe(true);
    lose.next('POST', `/contacts/${contactId}/notes`);
    const note = await createNote(ctx, contactId, { body: 'Lost note' });
    expect(note.recovered).toBe(true);
    expect(lose.lost).toBe(3);

    let state = await sandboxState(f.sandbox, ctx.locationId);
    expect(state.contacts.filter((c) => c.email === 'lost.answer@example.com')).toHaveLength(1);
    expect(state.tasks.filter((t) => t.title === 'Lost task')).toHaveLength(1);
    expect(state.notes.filter((n) => n.body === 'Lost note')).toHaveLength(1);

    lose.next('DELETE', `/contacts/${contactId}/tasks/${task.task.id}`);
    expect(await deleteTask(ctx, contactId, task.task.id)).toMatchObject({ alreadyGone: true });
    lose.next('DELETE', `/contacts/${contact.contact.id}`);
    expect(await deleteContact(ctx, contact.contact.id)).toMatchObject({ alreadyGone: true });
    state = await sandboxState(f.sandbox, ctx.locationId);
    expect(state.contacts.some((c) => c.id === contact.contact.id)).toBe(false);
    const deleted = sqliteOf(f.db).prepare(`SELECT deleted_at FROM contacts WHERE id = ?`).get(contact.contact.id) as { deleted_at: string | null };
    expect(deleted.deleted_at).not.toBeNull();
    const deletedTask = sqliteOf(f.db).prepare(`SELECT deleted_at FROM tasks WHERE id = ?`).get(task.task.id) as { deleted_at: string | null };
    expect(deletedTask.deleted_at).not.toBeNull();
  });

  it('when the lookups lag (search index behind), a retried create that meets its own contact as a duplicate takes it', async () => {
    f = await opsFixture();
    await f.sync();
    const lose = await losingProxy(f.sandbox.url, { lagLookups: true });
    onTestFinished(() => lose.close());
    const ctx = f.ctx(0, f.otherClient({ baseUrl: lose.url }));
    expect(f.sandbox.store.location(ctx.locationId)!.allowDuplicateContact).toBe(false);
    lose.next('POST', '/contacts/');
    const r = await createContact(ctx, { email: 'lagged@example.com' });
    expect(r.recovered).toBe(true);
    const ours = (await sandboxState(f.sandbox, ctx.locationId)).contacts.filter((c) => c.email === 'lagged@example.com');
    expect(ours.map((c) => c.id)).toEqual([r.contact.id]);
  });

  it('a rerun with the key of a run that died before learning the outcome finds the record instead of creating another', async () => {
    f = await opsFixture();
    await f.sync();
    const ctx = f.ctx();
    // The first run sent its create and died: HighLevel has the contact, the key is still pending.
    const made = await f.client.createContact({ locationId: ctx.locationId, email: 'crashed@example.com' });
    startIdempotencyKey(f.db, { key: 'crash-1', action: 'createContact', locationId: ctx.locationId, request: '[]' });
    const rerun = await createContact(ctx, { email: 'crashed@example.com' }, { idempotencyKey: 'crash-1' });
    expect(rerun.contact.id).toBe(made.id);
    expect(rerun.recovered).toBe(true);
    expect((await sandboxState(f.sandbox, ctx.locationId)).contacts.filter((c) => c.email === 'crashed@example.com')).toHaveLength(1);
    const again = await createContact(ctx, { email: 'crashed@example.com' }, { idempotencyKey: 'crash-1' });
    expect(again).toMatchObject({ replayed: true, contact: { id: made.id } });
  });
});
