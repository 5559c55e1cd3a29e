// Phones on their way to LeadCars (issue 16 item 4): LeadCars takes only E.164, so national
// numbers are written as HighLevel gets them (+34...), at the intake, on import and for rows
// queued before; a phone that cannot be one is refused before the lead is acknowledged; a lead
// LeadCars refused goes out with its waiting inbox leads on `outbox retry`. The real binary
// against both sandboxes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failWaitingLeads, settleInboxLead } from '../src/db/inbox-delivery.ts';
import { getInboxLead, insertInboxLead } from '../src/db/inbox.ts';
import { openDatabase } from '../src/db/open.ts';
import { enqueueOutbox, getOutboxRow, settleOutboxRow } from '../src/db/outbox.ts';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';
import { intakeLead } from './helpers/bridge.ts';
import { runCli } from './helpers/cli.ts';
import { leadsOf } from './helpers/leadcars.ts';
import { INTAKE_SECRET } from './helpers/serve.ts';

describe('phones sent to LeadCars', () => {
  let sandbox: Sandbox;
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-bridge-phones-'));
  const dbPath = join(dir, 'ghl.sqlite');
  beforeAll(async () => {
    sandbox = await startSandbox({ locations: 1, contacts: 2, rateLimit: 'none', leadcars: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ leadcars: { rateLimit: 100 } }));
  });
  afterAll(async () => { await sandbox?.stop(); });
  const env = () => {
    const location = sandbox.locations[0]!;
    return {
      GHL_BASE_URL: sandbox.url, GHL_LOCATION_ID: location.id, GHL_TOKEN: location.token, GHL_ETL_DB: dbPath, LOG_LEVEL: undefined,
      LEADCARS_BASE_URL: sandbox.leadcars!.url, LEADCARS_TOKEN: sandbox.leadcars!.token, INTAKE_SECRET, GHL_ETL_CONFIG: join(dir, 'config.json'),
    };
  };

  it('leads import sends national phones to LeadCars in E.164, as to HighLevel, and refuses one that is not a phone', async () => {
    const a = intakeLead(sandbox.leadcars!, 21);
    const b = intakeLead(sandbox.leadcars!, 22);
    writeFileSync(join(dir, 'leads.csv'), [
      'nombre,apellidos,email,telefono,movil,concesionario,tipo_lead',
      `${a.nombre},${a.apellidos},${a.email},612000002,612 000 003,${a.concesionario},${a.tipo_lead}`,
      `${b.nombre},${b.apellidos},${b.email},12,,${b.concesionario},${b.tipo_lead}`,
    ].join('\n'));
    const result = await runCli(['leads', 'import', join(dir, 'leads.csv'), '--json'], { env: env() });
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout) as { accepted: number; delivered: number; invalid: Array<{ record: number; reasons: string[] }>; outbox: { dead: number } };
    expect(summary).toMatchObject({ accepted: 1, delivered: 1, outbox: { dead: 0 } });
    expect(summary.invalid).toHaveLength(1);
    expect(summary.invalid[0]!.reasons.join(' ')).toMatch(/telefono: "12" is not a valid phone number \(default country ES/);
    const lead = (await leadsOf(sandbox.leadcars!)).find((l) => l.lead.email === a.email);
    expect(lead?.lead).toMatchObject({ phone: '+34612000002', cellphone: '+34612000003' });
    const contact = sandbox.store.state().contacts.find((c) => c.email === a.email);
    expect(contact?.phone).toBe('+34612000002');
    expect((await leadsOf(sandbox.leadcars!)).some((l) => l.lead.email === b.email)).toBe(false);
  });

  it('a LeadCars create queued with a national phone goes out in E.164 on `outbox retry`, and its failed inbox lead is delivered with it', async () => {
    const location = sandbox.locations[0]!;
    const contactId = sandbox.store.state(location.id).contacts[0]!.id;
    const lead: Record<string, unknown> = { ...intakeLead(sandbox.leadcars!, 23), telefono: '612000004' };
    // As an older ghl-etl left it: LeadCars refused the national phone, the row is dead, the lead failed.
    const db = openDatabase(dbPath);
    const inbox = insertInboxLead(db, { dedupeKey: 'old-lead-23', payload: JSON.stringify(lead), leadId: null });
    settleInboxLead(db, inbox.id, { status: 'waiting', contactId, attempted: true });
    const outbox = enqueueOutbox(db, { kind: 'leadcars.createLead', dedupeKey: `create:${contactId}`, payload: { contactId, locationId: location.id, lead } });
    settleOutboxRow(db, outbox.id, { status: 'dead', lastError: 'El campo telefono debe tener formato E.164 (+34915715135)' });
    failWaitingLeads(db, contactId, 'LeadCars refused the lead: El campo telefono debe tener formato E.164 (+34915715135)');
    db.close();

    const retry = await runCli(['outbox', 'retry', String(outbox.id)], { env: env() });
    expect(retry.code, retry.stderr).toBe(0);
    const sync = await runCli(['sync'], { env: env() });
    expect(sync.code, sync.stderr).toBe(0);

    const sent = (await leadsOf(sandbox.leadcars!)).find((l) => l.lead.email === lead.email as string);
    expect(sent?.lead).toMatchObject({ phone: '+34612000004' });
    const after = openDatabase(dbPath, { readonly: true });
    expect(getOutboxRow(after, outbox.id)).toMatchObject({ status: 'done' });
    expect(getInboxLead(after, inbox.id)).toMatchObject({ status: 'delivered', leadId: String(sent!.id) });
    after.close();
  });
});
