// The webhook path of the bridge: `serve` receives the HighLevel sandbox's signed webhooks, the
// mirror changes, and the bridge loop turns the change into one LeadCars comment at once; a sync
// afterwards (both paths on) adds nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { getInboxLead } from '../src/db/inbox.ts';
import { bridgeFixture, eventually, intakeLead, serveBridge, type BridgeFixture } from './helpers/bridge.ts';
import { freePort, postLead } from './helpers/serve.ts';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function setup(faults = 0) {
  const port = await freePort();
  const f: BridgeFixture = await bridgeFixture({ webhookUrl: `http://127.0.0.1:${port}/webhooks/ghl`, faults, bridge: { idleMs: 60_000 } });
  cleanup.push(() => f.close());
  const serve = await serveBridge(f, port);
  cleanup.push(() => serve.stop());
  const posted = await postLead(serve.url, intakeLead(f.lc, 1));
  expect(posted.status).toBe(202);
  const row = await eventually(() => {
    const r = getInboxLead(f.db, posted.json.id);
    return r?.status === 'delivered' ? r : undefined;
  });
  return { f, serve, contactId: row.contactId!, leadId: row.leadId! };
}

describe('bridge: changes out (webhook path)', () => {
  it('a lead posted to serve becomes a linked contact; completing its task yields one comment at once, and a sync after adds none', async () => {
    const { f, contactId, leadId } = await setup();
    const task = await f.ghl.createTask(f.locationId, contactId, { title: 'Cita de prueba', dueDate: '2026-12-03T16:00:00.000Z', completed: false });
    await eventually(async () => ((await f.comments(leadId)).length === 1 ? true : undefined));
    await f.ghl.completeTask(f.locationId, contactId, task.id);
    const after = await eventually(async () => {
      const c = await f.comments(leadId);
      return c.length === 2 ? c : undefined;
    });
    expect(after).toEqual([
      'Tarea creada: Cita de prueba (vence 2026-12-03 16:00 UTC)',
      'Tarea completada: Cita de prueba (vence 2026-12-03 16:00 UTC)',
    ]);
    // Both paths on: the sync re-reads the task and finds nothing left to report.
    await f.sync();
    await f.sync();
    expect(await f.comments(leadId)).toEqual(after);
  });

  it('a new note yields one comment through the webhook, still one after a sync', async () => {
    const { f, contactId, leadId } = await setup();
    await f.ghl.createNote(f.locationId, contactId, { body: 'Tiene coche para entregar' });
    await eventually(async () => ((await f.comments(leadId)).length === 1 ? true : undefined));
    await f.sync();
    expect(await f.comments(leadId)).toEqual(['Nota: Tiene coche para entregar']);
  });
});
