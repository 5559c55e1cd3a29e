// `ghl-etl leads import` with the files users have (issue 16 items 6 and 22): what Excel saves on
// a Spanish Windows (windows-1252, semicolons), standard input, and files with some bad rows.
// The real binary against both sandboxes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';
import { intakeLead } from './helpers/bridge.ts';
import { runCli } from './helpers/cli.ts';
import { leadsOf } from './helpers/leadcars.ts';
import { INTAKE_SECRET } from './helpers/serve.ts';

describe('leads import', () => {
  let sandbox: Sandbox;
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-leads-import-'));
  beforeAll(async () => {
    sandbox = await startSandbox({ locations: 1, contacts: 2, rateLimit: 'none', leadcars: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ leadcars: { rateLimit: 100 } }));
  });
  afterAll(async () => { await sandbox?.stop(); });
  const env = () => {
    const location = sandbox.locations[0]!;
    return {
      GHL_BASE_URL: sandbox.url, GHL_LOCATION_ID: location.id, GHL_TOKEN: location.token, GHL_ETL_DB: join(dir, 'ghl.sqlite'), LOG_LEVEL: undefined,
      LEADCARS_BASE_URL: sandbox.leadcars!.url, LEADCARS_TOKEN: sandbox.leadcars!.token, INTAKE_SECRET, GHL_ETL_CONFIG: join(dir, 'config.json'),
    };
  };
  const cli = (args: string[], input?: string) => runCli(['leads', 'import', ...args], { env: env(), ...(input !== undefined ? { input } : {}) });
  const ids = () => ({ dealer: sandbox.leadcars!.catalog.dealers[0]!.id, type: sandbox.leadcars!.catalog.types[0]!.id });
  const contactBy = (email: string) => sandbox.store.state().contacts.find((c) => c.email === email);

  it('reads a windows-1252 CSV as Excel saves it (José Muñoz arrives as written), and refuses it as UTF-8 naming the line', async () => {
    const { dealer, type } = ids();
    const csv = `nombre,apellidos,email,concesionario,tipo_lead\r\nJosé,Muñoz,jose.munoz@example.es,${dealer},${type}\r\n`;
    writeFileSync(join(dir, 'excel.csv'), Buffer.from(csv, 'latin1'));

    const strict = await cli([join(dir, 'excel.csv'), '--encoding', 'utf-8']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(/is not valid utf-8 \(line 2\): save it as UTF-8, or pass its encoding with --encoding/);
    expect(contactBy('jose.munoz@example.es')).toBeUndefined();

    const result = await cli([join(dir, 'excel.csv'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ encoding: 'windows-1252', accepted: 1, delivered: 1 });
    expect(contactBy('jose.munoz@example.es')).toMatchObject({ firstName: 'José', lastName: 'Muñoz' });
    const lead = (await leadsOf(sandbox.leadcars!)).find((l) => l.lead.email === 'jose.munoz@example.es');
    expect(lead?.lead).toMatchObject({ name: 'José', last_name: 'Muñoz' });

    const unknown = await cli([join(dir, 'excel.csv'), '--encoding', 'ebcdic']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--encoding takes utf-8, windows-1252/);
  });

  it('reads a semicolon-separated CSV (Spanish Excel), commas inside its cells kept', async () => {
    const { dealer, type } = ids();
    const csv = `\uFEFFnombre;apellidos;email;concesionario;tipo_lead;comentario\nAna;Pérez;ana.perez@example.es;${dealer};${type};Quiere financiar, 48 meses\n`;
    writeFileSync(join(dir, 'semicolons.csv'), csv);
    const result = await cli([join(dir, 'semicolons.csv'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ accepted: 1, delivered: 1, invalid: [] });
    expect(contactBy('ana.perez@example.es')).toMatchObject({ firstName: 'Ana', lastName: 'Pérez' });
    const notes = sandbox.store.state().notes.filter((n) => n.contactId === contactBy('ana.perez@example.es')!.id);
    expect(notes.map((n) => n.body)).toEqual(['Quiere financiar, 48 meses']);
  });

  it('names a file whose header is no LeadCars field list (exit 2)', async () => {
    writeFileSync(join(dir, 'tabs.csv'), 'nombre\tapellidos\temail\nAna\tPérez\ta@example.es\n');
    const result = await cli([join(dir, 'tabs.csv')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/the header row names no LeadCars field .*comma- or semicolon-separated/);
  });

  it('`leads import -` reads standard input', async () => {
    const lead = intakeLead(sandbox.leadcars!, 31);
    const result = await cli(['-', '--json'], JSON.stringify([lead]));
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ file: '-', read: 1, accepted: 1, delivered: 1 });
    expect(contactBy(lead.email as string)).toBeDefined();
  });

  it('imports the good rows of a file with bad ones, names each bad one by its line and what is expected, and exits 1', async () => {
    const { dealer, type } = ids();
    writeFileSync(join(dir, 'mixed.csv'), [
      'nombre,apellidos,email,concesionario,tipo_lead',
      `Luis,Gómez,luis.gomez@example.es,${dealer},${type}`,
      'Solo,Tres,celdas@example.es',
      `Eva,Ruiz,eva.ruiz@example.es,abc,${type}`,
      `Pau,Vidal,pau.vidal@example.es,${dealer},${type}`,
    ].join('\n'));
    const result = await cli([join(dir, 'mixed.csv')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ghl-etl leads import: line 3 refused: .*columns length is 5, got 3/m);
    expect(result.stderr).toMatch(/^ghl-etl leads import: line 4 refused: concesionario: must be the id of a LeadCars dealer \(GET \/concesionarios\), a positive whole number, not "abc"$/m);
    expect(result.stdout).toMatch(/4 leads read, 2 new, 0 already imported, 2 invalid; 2 delivered/);
    expect(contactBy('luis.gomez@example.es')).toBeDefined();
    expect(contactBy('pau.vidal@example.es')).toBeDefined();
    expect(contactBy('eva.ruiz@example.es')).toBeUndefined();
  });
});
