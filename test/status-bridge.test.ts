// `status` reports the LeadCars bridge (issue 16 item 7): a synced, fresh mirror whose bridge
// holds a dead LeadCars call and a failed lead is not healthy (exit 1), says what is stuck and how
// old the oldest waiting item is, and `--json` carries the same. Through the binary.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { failWaitingLeads, settleInboxLead } from '../src/db/inbox-delivery.ts';
import { insertInboxLead } from '../src/db/inbox.ts';
import { openDatabase } from '../src/db/open.ts';
import { enqueueOutbox, settleOutboxRow } from '../src/db/outbox.ts';
import { runCli } from './helpers/cli.ts';
import { useSandbox } from './helpers/sandbox.ts';

const sandbox = useSandbox({ contacts: 3, seed: 41 });
const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-status-bridge-'));
const dbPath = join(dir, 'mirror.sqlite');
const env = () => ({
  GHL_ETL_CONFIG: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined, GHL_ETL_DB: dbPath,
  GHL_BASE_URL: sandbox().url, GHL_LOCATION_ID: sandbox().locations[0]!.id, GHL_TOKEN: sandbox().locations[0]!.token,
});
const cli = (args: string[]) => runCli(args, { cwd: dir, env: env() });

beforeAll(async () => {
  const sync = await cli(['sync']);
  expect(sync.code, sync.stderr).toBe(0);
}, 60_000);

describe('status and the LeadCars bridge', () => {
  it('is healthy with nothing stuck, and unhealthy (exit 1) with a dead outbox row and a failed lead, naming the fix', async () => {
    const healthy = await cli(['status']);
    expect(healthy.code, healthy.stdout).toBe(0);
    expect(healthy.stdout).not.toMatch(/LeadCars bridge/); // never used: nothing to say

    const db = openDatabase(dbPath);
    const clock = () => new Date(Date.now() - 3 * 3_600_000); // three hours ago
    const lead = { nombre: 'Ana', apellidos: 'Pérez', email: 'ana@example.es', telefono: '+34612000002', concesionario: 1, tipo_lead: 1 };
    const failed = insertInboxLead(db, { dedupeKey: 'k-ana', payload: JSON.stringify(lead), leadId: null }, clock);
    settleInboxLead(db, failed.id, { status: 'waiting', contactId: 'c-ana', attempted: true });
    const create = enqueueOutbox(db, { kind: 'leadcars.createLead', dedupeKey: 'create:c-ana', payload: { contactId: 'c-ana', locationId: 'loc', lead } }, clock);
    settleOutboxRow(db, create.id, { status: 'dead', lastError: 'El campo telefono debe tener formato E.164' });
    failWaitingLeads(db, 'c-ana', 'LeadCars refused the lead: El campo telefono debe tener formato E.164');
    enqueueOutbox(db, { kind: 'leadcars.comment', dedupeKey: 'comment:1', payload: { leadId: '7', text: 'Nota: hola' } }, clock);
    db.close();

    const text = await cli(['status']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^LeadCars bridge: UNHEALTHY$/m);
    expect(text.stdout).toMatch(/^ {2}inbox {8}0 pending, 0 waiting on LeadCars, 1 failed$/m);
    expect(text.stdout).toMatch(/^ {2}outbox {7}1 waiting, 1 dead, 0 unknown, oldest waiting 3\.\d h$/m);
    expect(text.stdout).toMatch(/! 1 LeadCars call\(s\) dead .*`ghl-etl outbox retry ID`/);
    expect(text.stdout).toMatch(/^overall {6}UNHEALTHY/m);

    const json = await cli(['status', '--json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { healthy: boolean; locations: Array<{ healthy: boolean }>; bridge: Record<string, any> };
    expect(report.healthy).toBe(false);
    expect(report.locations[0]!.healthy).toBe(true); // the mirror itself is fine
    expect(report.bridge).toMatchObject({
      healthy: false,
      inbox: { pending: 0, waiting: 0, failed: 1 },
      outbox: { pending: 1, dead: 1, unknown: 0 },
    });
    expect(report.bridge.outbox.oldestWaitingHours).toBeGreaterThanOrEqual(3);
    expect(report.bridge.problems).toHaveLength(2);
  });
});
