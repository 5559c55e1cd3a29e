// bridge.onNewContact (issue 20) over HTTP against both sandboxes: a lead that creates a HighLevel
// contact enrols it in the configured workflows, adds it to the campaigns and gives it its
// followers, through the outbox, each at most once: when HighLevel's answer was lost, and when the
// lead is delivered again. A lead for a contact that already existed starts nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { deliverInbox, drainOutbox, importLeads } from '../src/bridge/index.ts';
import { configSchema } from '../src/config/schema.ts';
import { getInboxLead } from '../src/db/inbox.ts';
import { listOutbox } from '../src/db/outbox.ts';
import { createGhlClient, staticTokens } from '../src/ghl/index.ts';
import { bridgeFixture, intakeLead, type BridgeFixture } from './helpers/bridge.ts';
import { losingProxy, type LosingProxy } from './helpers/losing-proxy.ts';
import { sandboxState } from './helpers/sandbox.ts';

const ON_NEW_CONTACT = { workflows: ['wfNuevoLead01'], campaigns: ['campLeadsWeb'], followers: ['userVentas01', 'userVentas02'] };

let fixture: BridgeFixture | undefined;
let proxy: LosingProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await fixture?.close();
  fixture = undefined;
  proxy = undefined;
});

/** The fixture's bridge context, its HighLevel calls going through a proxy that loses answers on cue. */
async function throughLosingProxy(f: BridgeFixture) {
  proxy = await losingProxy(f.sandbox.url);
  const ghl = createGhlClient({
    baseUrl: proxy.url,
    tokens: staticTokens(Object.fromEntries(f.sandbox.locations.map((l) => [l.id, l.token]))),
    rateLimit: { max: 100_000, intervalMs: 1_000, daily: 10_000_000, dailyShare: 1 },
    http: { timeoutMs: 10_000, retries: 3 },
    backoff: { baseMs: 1, capMs: 5 },
  });
  return { ...f.ctx, ghl };
}

async function deliver(ctx: BridgeFixture['ctx'], f: BridgeFixture, lead: Record<string, unknown>) {
  const imported = await importLeads(f.db, [lead]);
  await deliverInbox(ctx);
  await drainOutbox(ctx);
  return getInboxLead(f.db, imported.inboxIds[0]!)!;
}

describe('bridge.onNewContact', () => {
  it('a lead that creates a contact enrols it once, adds it to the campaign and gives it followers; delivered again, nothing repeats', async () => {
    const f = (fixture = await bridgeFixture({ bridge: { onNewContact: ON_NEW_CONTACT }, faults: 0.1, faultKinds: ['http500', 'http503', 'drop'] }));
    const first = await deliver(f.ctx, f, intakeLead(f.lc, 1));
    expect(first.status).toBe('delivered');
    const contactId = first.contactId!;
    // Faults may leave a row for a later round (a retry); run the drain until nothing is due.
    for (let i = 0; i < 5; i++) await drainOutbox(f.ctx);
    let state = await sandboxState(f.sandbox, f.locationId);
    const enrolments = state.workflows.filter((w) => w.contactId === contactId);
    const outbox = listOutbox(f.db).filter((r) => r.kind.startsWith('highlevel.'));
    // At most once: a lost enrolment answer leaves the row unknown, never a second enrolment.
    expect(enrolments.length).toBeLessThanOrEqual(1);
    expect(outbox.map((r) => r.kind).sort()).toEqual(['highlevel.addFollowers', 'highlevel.addToCampaign', 'highlevel.addToWorkflow']);
    const workflowRow = outbox.find((r) => r.kind === 'highlevel.addToWorkflow')!;
    if (workflowRow.status === 'done') expect(enrolments).toHaveLength(1);
    else expect(workflowRow.status).toBe('unknown');
    expect(state.followers.filter((x) => x.contactId === contactId).map((x) => x.userId).sort()).toEqual(['userVentas01', 'userVentas02']);

    // The same person again (another delivery of the lead, a new comment): the contact exists, nothing new starts.
    const again = await deliver(f.ctx, f, intakeLead(f.lc, 1, { comentario: 'Vuelve a preguntar' }));
    expect(again.contactId).toBe(contactId);
    await drainOutbox(f.ctx);
    state = await sandboxState(f.sandbox, f.locationId);
    expect(state.workflows.filter((w) => w.contactId === contactId)).toEqual(enrolments);
    expect(listOutbox(f.db).filter((r) => r.kind.startsWith('highlevel.'))).toHaveLength(3);
  }, 60_000);

  it('an enrolment whose answer was lost is not repeated: the row waits as unknown, and a redelivered lead adds nothing', async () => {
    const f = (fixture = await bridgeFixture({ bridge: { onNewContact: { workflows: ['wfNuevoLead01'] } }, leadcarsConfig: { createLeads: false } }));
    const ctx = await throughLosingProxy(f);
    const imported = await importLeads(f.db, [intakeLead(f.lc, 2)]);
    await deliverInbox(ctx);
    const contactId = getInboxLead(f.db, imported.inboxIds[0]!)!.contactId!;
    proxy!.next('POST', `/contacts/${contactId}/workflow/wfNuevoLead01`);
    await drainOutbox(ctx);
    expect(proxy!.lost).toBe(1);
    const [row] = listOutbox(f.db).filter((r) => r.kind === 'highlevel.addToWorkflow');
    expect(row).toMatchObject({ status: 'unknown' });
    expect(row!.lastError).toMatch(/outbox retry|outbox drop/);
    // HighLevel did enrol it (the answer was lost after the write): once, and it stays once.
    const enrolled = async () => (await sandboxState(f.sandbox, f.locationId)).workflows.filter((w) => w.contactId === contactId);
    expect(await enrolled()).toHaveLength(1);
    await drainOutbox(ctx);
    await deliver(ctx, f, intakeLead(f.lc, 2, { comentario: 'Otra vez' }));
    await drainOutbox(ctx);
    expect(await enrolled()).toHaveLength(1);
  }, 60_000);

  it('a contact create whose answer was lost is found again, and its enrolment still happens once', async () => {
    const f = (fixture = await bridgeFixture({ bridge: { onNewContact: { workflows: ['wfNuevoLead01'] } }, leadcarsConfig: { createLeads: false } }));
    const ctx = await throughLosingProxy(f);
    proxy!.next('POST', '/contacts/');
    const row = await deliver(ctx, f, intakeLead(f.lc, 3));
    expect(proxy!.lost).toBe(1);
    expect(row.status).toBe('delivered');
    const state = await sandboxState(f.sandbox, f.locationId);
    expect(state.contacts.filter((c) => c.email === 'persona3@example.es')).toHaveLength(1);
    expect(state.workflows.filter((w) => w.contactId === row.contactId)).toHaveLength(1);
  }, 60_000);

  it('a lead for a contact HighLevel already had starts nothing', async () => {
    const f = (fixture = await bridgeFixture({ bridge: { onNewContact: ON_NEW_CONTACT }, leadcarsConfig: { createLeads: false } }));
    const existing = (await sandboxState(f.sandbox, f.locationId)).contacts.find((c) => c.email)!;
    const row = await deliver(f.ctx, f, intakeLead(f.lc, 4, { email: existing.email }));
    expect(row.contactId).toBe(existing.id);
    const state = await sandboxState(f.sandbox, f.locationId);
    expect([state.workflows, state.campaigns, state.followers]).toEqual([[], [], []]);
    expect(listOutbox(f.db)).toEqual([]);
  }, 60_000);

  it('the configuration refuses an id HighLevel could not have', () => {
    expect(() => configSchema.parse({ bridge: { onNewContact: { workflows: ['has space'] } } })).toThrowError(/workflow id/);
    expect(() => configSchema.parse({ bridge: { onNewContact: { campaigns: ['a', 'a'] } } })).toThrowError(/twice/);
  });
});
