// The bridge's commands as a user runs them: the real binary against both sandboxes.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';
import { intakeLead } from './helpers/bridge.ts';
import { BIN, runCli } from './helpers/cli.ts';
import { leadsOf } from './helpers/leadcars.ts';
import { INTAKE_SECRET, postLead } from './helpers/serve.ts';

/** Starts a long-running command and resolves with its first stdout line (and the child). */
function startLong(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const firstLine = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.on('close', (code) => reject(new Error(`exited ${code} before printing: ${stderr}`)));
  });
  return { child, firstLine, exited, stderr: () => stderr };
}

describe('ghl-etl sandbox --leadcars --webhook-url', () => {
  it('prints the LeadCars url and token and the webhook public key in its --json line; SIGTERM stops it with 0', async () => {
    const run = startLong(['sandbox', '--leadcars', '--webhook-url', 'http://127.0.0.1:9/webhooks/ghl', '--json', '--locations', '1', '--contacts', '1'], {});
    const line = JSON.parse(await run.firstLine) as { url: string; leadcars: { url: string; token: string }; webhookPublicKey: string };
    expect(line.leadcars.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    expect(line.leadcars.token).toHaveLength(20);
    expect(Buffer.from(line.webhookPublicKey, 'base64').length).toBeGreaterThan(30);
    const state = await (await fetch(`${line.leadcars.url}/__sandbox/state`)).json();
    expect(state).toEqual({ leads: [] });
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('refuses a --webhook-url that is not a URL, naming the fix (exit 2)', async () => {
    const result = await runCli(['sandbox', '--webhook-url', 'nowhere']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--webhook-url takes an http\(s\) URL/);
  });
});

describe('leads import, outbox, leads link and serve', () => {
  let sandbox: Sandbox;
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-bridge-cli-'));
  afterAll(async () => { await sandbox?.stop(); });

  const env = () => {
    const location = sandbox.locations[0]!;
    return {
      GHL_BASE_URL: sandbox.url, GHL_LOCATION_ID: location.id, GHL_TOKEN: location.token, GHL_ETL_DB: join(dir, 'ghl.sqlite'),
      LEADCARS_BASE_URL: sandbox.leadcars!.url, LEADCARS_TOKEN: sandbox.leadcars!.token, INTAKE_SECRET, GHL_ETL_CONFIG: join(dir, 'config.json'),
    };
  };

  it('imports a CSV: a summary line, contacts created and linked; a bad record is named and exits 1', async () => {
    sandbox = await startSandbox({ locations: 1, contacts: 2, rateLimit: 'none', leadcars: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ leadcars: { rateLimit: 100 } }));
    const lead = (n: number) => intakeLead(sandbox.leadcars!, n);
    const a = lead(1);
    const b = lead(2);
    const csv = [
      'nombre,apellidos,email,telefono,concesionario,tipo_lead,campana,comentario,custom.marca',
      `${a.nombre},${a.apellidos},${a.email},${a.telefono},${a.concesionario},${a.tipo_lead},${a.campana},"Quiere financiar, 48 meses",Seat`,
      `${b.nombre},${b.apellidos},${b.email},${b.telefono},${b.concesionario},${b.tipo_lead},${b.campana},,`,
    ].join('\n');
    writeFileSync(join(dir, 'leads.csv'), csv);
    const result = await runCli(['leads', 'import', join(dir, 'leads.csv')], { env: env() });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/2 leads read, 2 new, 0 already imported, 0 invalid; 2 delivered/);
    expect(result.code).toBe(0);
    const leads = await leadsOf(sandbox.leadcars!);
    expect(leads.map((l) => l.lead.email).sort()).toEqual([a.email, b.email]);

    writeFileSync(join(dir, 'bad.json'), JSON.stringify([b, { nombre: 'x' }]));
    const again = await runCli(['leads', 'import', join(dir, 'bad.json'), '--json'], { env: env() });
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ read: 2, accepted: 0, duplicates: 1, invalid: [{ record: 2 }] });
  });

  it('outbox list is empty when all went out; leads link refuses an unknown contact (exit 2)', async () => {
    const list = await runCli(['outbox', 'list', '--json'], { env: env() });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual({ outbox: [] });
    const link = await runCli(['leads', 'link', 'nope', '123'], { env: env() });
    expect(link.code).toBe(2);
    expect(link.stderr).toMatch(/contact nope is not in the mirror/);
    const retry = await runCli(['outbox', 'retry', '99'], { env: env() });
    expect(retry.code).toBe(2);
  });

  it('serve takes a signed lead, delivers it, and stops with 0 on SIGTERM', async () => {
    const run = startLong(['serve', '--port', '0', '--json'], env());
    const { url } = JSON.parse(await run.firstLine) as { url: string };
    const posted = await postLead(url, intakeLead(sandbox.leadcars!, 3));
    expect(posted.status).toBe(202);
    for (let i = 0; i < 400 && !(await leadsOf(sandbox.leadcars!)).some((l) => l.lead.email === 'persona3@example.es'); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect((await leadsOf(sandbox.leadcars!)).filter((l) => l.lead.email === 'persona3@example.es')).toHaveLength(1);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
